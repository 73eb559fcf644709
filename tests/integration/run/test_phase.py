"""One load phase on the real embedded estate (stand-in Locust): faults applied and cleared on
the timeline, nothing left on the proxy or the mocks, evidence exported, the token nowhere."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from peakready.config import parse_plan
from peakready.errors import HarnessError
from peakready.run import open_estate, run_load_phase
from support.run_helpers import fake_prepare, targets_of

_FAULTS = [
    {"at": "1s", "for": "2s", "proxy": "erp", "toxic": "latency",
     "attributes": {"latency": 300}},
    {"at": "1.5s", "for": "2s", "proxy": "erp", "toxic": "bandwidth", "attributes": {"rate": 50}},
    {"at": "2s", "for": "2s", "proxy": "shipping", "down": True},
    {"at": "2.5s", "for": "2s", "mock": "erp", "http": {"status": 503, "rate": 0.5,
                                                          "path": "/api/orders*"}},
]


def _plan(**extra: Any) -> Any:
    # A short drain: waiting for the integration is the e2e test's business, not this one's.
    return parse_plan({"name": "phase", "seed": 5, "drain": {"timeout": "2s"},
                       "load": {"duration": "6s", "workers": 1,
                                "flash_sale": {"skus": 2, "stock_each": 4}},
                       "faults": _FAULTS, **extra})


async def _leftovers(estate: Any) -> dict[str, Any]:
    proxies = await asyncio.to_thread(estate.control.proxies)
    async with httpx.AsyncClient() as client:
        rules = {name: (await client.get(url + "/__admin/faults")).json()["rules"]
                 for name, url in {**estate.mocks, "magento": estate.magento_direct}.items()}
    return {"toxics": {n: p.toxics for n, p in proxies.items() if p.toxics},
            "disabled": [n for n, p in proxies.items() if not p.enabled],
            "rules": {n: r for n, r in rules.items() if r}}


def test_a_phase_applies_every_fault_on_time_and_leaves_nothing_behind(tmp_path: Path) -> None:
    seen_during: dict[str, Any] = {}

    async def scenario() -> tuple[Any, dict[str, Any], str]:
        async with open_estate(_plan(), tmp_path) as estate:
            async def peek() -> None:
                # Inside the 503 window: the rule is on the mock with an expiry just past it.
                await asyncio.sleep(4.0)
                async with httpx.AsyncClient() as client:
                    seen_during["rules"] = (await client.get(
                        estate.mocks["erp"] + "/__admin/faults")).json()["rules"]
                    seen_during["wall"] = time.time()

            peeking = asyncio.create_task(peek())
            record = await run_load_phase(estate, tmp_path, prepare=fake_prepare,
                                          targets=targets_of(estate))
            await peeking
            return record, await _leftovers(estate), estate.token

    record, leftovers, token = asyncio.run(scenario())
    assert record.status == "complete" and record.drain["timeout_s"] == 2, record
    assert leftovers == {"toxics": {}, "disabled": [], "rules": {}}
    events = [json.loads(x) for x in (tmp_path / "faults.jsonl").read_text().splitlines()]
    assert sorted((e["fault"], e["event"]) for e in events) == sorted(
        (i, kind) for i in range(len(_FAULTS)) for kind in ("applied", "cleared"))
    for event in events:
        planned = event["planned_at"] + (event["planned_for"] if event["event"] == "cleared"
                                         else 0)
        assert abs(event["t"] - planned) < 0.25, event
        assert event["outcome"] == "ok", event
    (rule,) = seen_during["rules"]
    t0 = record.test_start_wall
    assert rule["id"] == "peakready-fault-3"
    assert t0 + 4.5 <= rule["expires_at"] <= t0 + 4.5 + 1.5
    manifest = json.loads((tmp_path / "evidence" / "manifest.json").read_text())
    assert manifest["complete"] and manifest["files"]["erp/orders.jsonl"] > 0
    # The harness watched its own CPU all along: every component, itself and the machine.
    cpu = [json.loads(x) for x in (tmp_path / "cpu.jsonl").read_text().splitlines()]
    assert cpu[0]["wall"] <= t0 + 1.5 and cpu[-1]["wall"] > record.test_stop_wall
    seen = {name for line in cpu for name in line["procs"]}
    assert {"magento", "erp", "faultproxy", "orchestrator", "locust-master"} <= seen, seen
    assert all(0.0 <= line["machine"] <= 1.0 for line in cpu)
    # The store token is in no file of the run folder, logs included.
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert token not in path.read_text(errors="replace"), path


@pytest.mark.slow
def test_cancelling_mid_window_clears_faults_and_says_interrupted(tmp_path: Path) -> None:
    async def scenario() -> tuple[dict[str, Any], list[int]]:
        async with open_estate(_plan(), tmp_path) as estate:
            phase = asyncio.create_task(run_load_phase(
                estate, tmp_path, prepare=fake_prepare, targets=targets_of(estate)))
            await asyncio.sleep(3.0 + 3.0)   # estate snapshot + fake start, then in the windows
            phase.cancel()
            with pytest.raises(asyncio.CancelledError):
                await phase
            leftovers = await _leftovers(estate)
            pids = list(estate.stack.pids().values())
        return leftovers, pids

    leftovers, pids = asyncio.run(scenario())
    assert leftovers == {"toxics": {}, "disabled": [], "rules": {}}
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["status"] == "interrupted"
    events = [json.loads(x) for x in (tmp_path / "faults.jsonl").read_text().splitlines()]
    applied = {e["fault"] for e in events if e["event"] == "applied"}
    cleared = {e["fault"] for e in events if e["event"] == "cleared"}
    assert applied and applied == cleared
    assert (tmp_path / "evidence" / "manifest.json").exists()  # what was measured so far
    for pid in pids:
        assert not Path(f"/proc/{pid}/cmdline").exists() or \
            "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]


@pytest.mark.slow
def test_a_connector_that_exits_early_fails_the_run_with_its_last_lines(tmp_path: Path) -> None:
    script = tmp_path / "bad_connector.py"
    script.write_text("import sys, time\nprint('connecting to', 'erp', flush=True)\n"
                      "time.sleep(1.5)\nprint('boom: ERP said no', flush=True)\nsys.exit(4)\n")
    plan = _plan(target={"integration": "none", "connector": {
        "command": ["python", str(script)], "env": {"MODE": "x"}}})

    async def scenario() -> None:
        async with open_estate(plan, tmp_path) as estate:
            await run_load_phase(estate, tmp_path, prepare=fake_prepare,
                                 targets=targets_of(estate))

    with pytest.raises(HarnessError, match="connector exited early with code 4") as excinfo:
        asyncio.run(scenario())
    assert "boom: ERP said no" in str(excinfo.value)
    assert "boom" in (tmp_path / "logs" / "connector.log").read_text()
    assert json.loads((tmp_path / "run.json").read_text())["status"] == "error"
