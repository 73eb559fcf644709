"""``peakready doctor`` against the embedded estate standing in for a staging store: every
route probe answers, the token is judged, the proxy listeners are seen carrying the
integration's traffic, and a broken setup is named (bad token, missing proxy, a route the
store does not serve). Doctor sends only GETs: the simulator's journal proves it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from peakready.doctor import ROUTES, DoctorOptions, Finding, diagnose, render
from peakready.pytest_plugin.estate import EstateHandle


@pytest.fixture(scope="module")
def estate(peakready_estate_session: EstateHandle) -> EstateHandle:
    # The plugin's session estate (the plugin is installed): one start for every test here.
    return peakready_estate_session


def _options(estate: EstateHandle, **extra: Any) -> DoctorOptions:
    values: dict[str, Any] = {
        "target": estate.magento_url, "token": estate.token, "token_env": "T",
        "proxy": estate.fault_proxy_url, "watch": 6.0, **extra}
    return DoctorOptions(**values)


def _by(findings: list[Finding], status: str, check: str = "") -> list[Finding]:
    return [f for f in findings if f.status == status and f.check.startswith(check)]


def _methods(estate: EstateHandle) -> set[str]:
    journal = httpx.get(estate.magento_url + "/__admin/journal").json()
    assert journal["total"] > 0
    return {count["method"] for count in journal["counts"]}


@pytest.fixture(scope="module")
def healthy(estate: EstateHandle) -> list[Finding]:
    estate.reset()
    return asyncio.run(diagnose(_options(estate)))


def test_a_ready_estate_passes_every_probe(healthy: list[Finding]) -> None:
    assert not _by(healthy, "fail"), render(healthy)
    probed = [r for r in ROUTES if r.probe is not None]
    assert len(_by(healthy, "ok", "route")) == len(probed)
    assert _by(healthy, "ok", "reach") and _by(healthy, "ok", "token")
    # Not probed writes are listed, not claimed.
    assert len(_by(healthy, "info", "route")) == len(ROUTES) - len(probed)


def test_the_integrations_traffic_is_seen_on_the_erp_listener(healthy: list[Finding]) -> None:
    erp = [f.detail for f in _by(healthy, "ok", "proxy erp")]
    assert any("traffic reached the listener" in d for d in erp), render(healthy)
    assert any("upstream answered" in d for d in erp), render(healthy)


def test_doctor_sends_only_gets(estate: EstateHandle, healthy: list[Finding]) -> None:
    assert _methods(estate) == {"GET"}


def test_a_rejected_token_fails_and_is_never_shown(estate: EstateHandle) -> None:
    secret = "wrong-token-0123456789abcdef"
    found = asyncio.run(diagnose(_options(estate, token=secret, proxy=None)))
    assert next(f.check for f in _by(found, "fail")) == "token"
    assert any("isn't authorized" in f.detail for f in _by(found, "fail", "token"))
    assert secret not in render(found)


def test_a_missing_proxy_and_a_stopped_upstream_are_named(estate: EstateHandle) -> None:
    control = estate.estate.control
    crm = control.get_proxy("crm")
    control.delete_proxy("crm")
    try:
        control.disable("payment")
        found = asyncio.run(diagnose(_options(estate, watch=0.5)))
    finally:
        control.enable("payment")
        control.create_proxy("crm", crm.upstream, listen=crm.listen)
    failed = {f.check: f.detail for f in _by(found, "fail", "proxy")}
    assert "no proxy 'crm'" in failed["proxy crm"]
    assert "DISABLED" in failed["proxy payment"] or "no answer" in failed["proxy payment"]


def test_a_store_that_is_not_magento_fails_reach(tmp_path: Path) -> None:
    async def not_magento(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/html")]})
        await send({"type": "http.response.body", "body": b"<html>shop</html>"})

    options = DoctorOptions(target="http://127.0.0.1:1", token="t", token_env="T", proxy=None)
    found = asyncio.run(diagnose(options, transport=httpx.ASGITransport(app=not_magento)))
    assert [(f.status, f.check) for f in found] == [("fail", "reach")]


def test_cli_refuses_an_unset_token_variable_and_a_foreign_host() -> None:
    env = {k: v for k, v in os.environ.items() if k != "PEAKREADY_DOCTOR_UNSET"}
    unset = subprocess.run([sys.executable, "-m", "peakready.cli", "doctor", "--target",
                            "http://127.0.0.1:9", "--token-env", "PEAKREADY_DOCTOR_UNSET"],
                           capture_output=True, text=True, env=env, timeout=60)
    assert unset.returncode == 2 and "PEAKREADY_DOCTOR_UNSET" in unset.stderr
    foreign = subprocess.run([sys.executable, "-m", "peakready.cli", "doctor", "--target",
                              "https://shop.example.com", "--token-env", "PEAKREADY_DOCTOR_T"],
                             capture_output=True, text=True, timeout=60,
                             env={**env, "PEAKREADY_DOCTOR_T": "x"})
    assert foreign.returncode == 2 and "allow_hosts" in foreign.stderr


def test_cli_prints_every_finding_and_exits_0_on_a_ready_estate(estate: EstateHandle) -> None:
    done = subprocess.run([sys.executable, "-m", "peakready.cli", "doctor", "--target",
                           estate.magento_url, "--token-env", "PEAKREADY_DOCTOR_T", "--proxy",
                           estate.fault_proxy_url, "--watch", "1"],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PEAKREADY_DOCTOR_T": estate.token})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "doctor: 0 failed" in done.stdout and "ok    token" in done.stdout
    assert estate.token not in done.stdout + done.stderr
