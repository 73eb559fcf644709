"""``target.listen``: the proxy listeners sit on the addresses the plan gives (a real store's
integration is pointed at them once), and a non-loopback one must be allow-listed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from peakready.config import parse_plan
from peakready.errors import ConfigError, SafetyError
from peakready.run import open_estate
from peakready.run.estate import check_safety
from support.sockets import free_port


def test_the_erp_listener_is_where_the_plan_puts_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOXIPROXY_URL", raising=False)
    wanted = f"127.0.0.1:{free_port()}"
    plan = parse_plan({"target": {"listen": {"erp": wanted}}})

    async def scenario() -> tuple[str, str]:
        async with open_estate(plan, tmp_path) as estate:
            return estate.proxies["erp"], estate.control.proxies()["erp"].listen

    in_estate, in_proxy = asyncio.run(scenario())
    assert in_estate == wanted and in_proxy == wanted


def test_a_listener_on_a_host_nobody_allow_listed_is_refused_before_anything_starts() -> None:
    plan = parse_plan({"target": {"listen": {"erp": "192.0.2.10:18281"}}})
    with pytest.raises(SafetyError, match=r"target.listen.erp"):
        check_safety(plan)
    allowed = parse_plan({"target": {"listen": {"erp": "192.0.2.10:18281"},
                                     "allow_hosts": ["192.0.2.10"]}})
    check_safety(allowed)


@pytest.mark.parametrize(("listen", "message"), [
    ({"erp": "18281"}, "missing port"), ({"warehouse": "127.0.0.1:1"}, "no such proxy")])
def test_a_bad_listen_address_is_a_config_error(listen: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_plan({"target": {"listen": listen}})
