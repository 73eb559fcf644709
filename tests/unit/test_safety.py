from __future__ import annotations

import pytest

from peakready.errors import SafetyError
from peakready.safety import check_target, is_loopback_host, redact, redact_mapping, split_host_port


@pytest.mark.parametrize("host", ["127.0.0.1", "127.9.8.7", "::1", "[::1]", "localhost"])
def test_loopback_hosts_are_recognised(host: str) -> None:
    assert is_loopback_host(host)


@pytest.mark.parametrize("host", ["10.0.0.1", "192.168.1.5", "8.8.8.8", "example.com", "0.0.0.0"])
def test_other_hosts_are_not_loopback(host: str) -> None:
    assert not is_loopback_host(host)


def test_check_target_accepts_loopback_urls_and_addresses() -> None:
    assert check_target("http://127.0.0.1:8280/rest") == "127.0.0.1"
    assert check_target("[::1]:8474") == "::1"
    assert check_target("localhost:1") == "localhost"


def test_check_target_refuses_unlisted_host_and_names_it() -> None:
    with pytest.raises(SafetyError, match=r"staging\.example\.com"):
        check_target("https://staging.example.com/")


def test_check_target_accepts_allow_listed_host() -> None:
    url = "https://Staging.Example.com/"
    assert check_target(url, ["staging.example.com"]) == "staging.example.com"


def test_split_host_port_errors_like_go() -> None:
    with pytest.raises(ValueError, match="missing port in address"):
        split_host_port("nonsense")
    assert split_host_port("[::]:99") == ("::", 99)


def test_redaction_hides_tokens_in_text_and_mappings() -> None:
    assert "abc123" not in redact("Authorization: Bearer abc123")
    assert redact("token is s3cret!", ["s3cret!"]) == "token is ***"
    cleaned = redact_mapping({"target": {"token": "x", "token_env": "MAGENTO_TOKEN"}, "n": [1]})
    assert cleaned == {"target": {"token": "***", "token_env": "MAGENTO_TOKEN"}, "n": [1]}
