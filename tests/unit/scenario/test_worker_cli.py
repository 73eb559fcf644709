"""``peakready worker --master HOST:PORT``: the Locust worker it becomes (no process started)."""

from __future__ import annotations

import pytest

from peakready.cli import build_parser
from peakready.errors import ConfigError, SafetyError
from peakready.scenario.worker_cli import worker_argv


def test_the_verb_parses_and_names_its_handler() -> None:
    args = build_parser().parse_args(["worker", "--master", "127.0.0.1:5557"])
    assert args.handler == "peakready.scenario.worker_cli:main"
    assert args.master == "127.0.0.1:5557" and args.processes == 1


def test_a_worker_fetches_the_scenarios_from_the_master() -> None:
    argv = worker_argv("127.0.0.1:5557", python="py")
    assert argv == ["py", "-m", "locust", "--worker", "--master-host", "127.0.0.1",
                    "--master-port", "5557", "-f", "-"]
    assert worker_argv("[::1]:6000", scenarios=["a.py", "b.py"], processes=3, python="py")[
        5:] == ["::1", "--master-port", "6000", "-f", "a.py,b.py", "--processes", "3"]


def test_a_remote_master_must_be_allow_listed() -> None:
    with pytest.raises(SafetyError, match=r"10\.1\.2\.3"):
        worker_argv("10.1.2.3:5557")
    assert "10.1.2.3" in worker_argv("10.1.2.3:5557", allow_hosts=["10.1.2.3"])


@pytest.mark.parametrize("master", ["nohost", "host:port", "127.0.0.1:99999"])
def test_a_bad_master_address_is_a_config_error(master: str) -> None:
    with pytest.raises(ConfigError, match="--master"):
        worker_argv(master)
