"""Slow end-to-end variants of `peakready run`: the same faults through a second proxy standing
in for a real Toxiproxy, a real-store target whose token appears nowhere, and the example
connector in place of the built-in integration."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

_FAULTS = [
    {"at": "2s", "for": "3s", "proxy": "erp", "toxic": "latency", "attributes": {"latency": 500}},
    {"at": "4s", "for": "3s", "proxy": "crm", "down": True},
    {"at": "6s", "for": "3s", "mock": "erp", "http": {"status": 429, "retry_after": 1,
                                                        "path": "/api/orders*"}},
]


def _serve(argv: list[str], env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str],
                                                                        str]:
    process = subprocess.Popen([sys.executable, "-m", "peakready.cli", *argv],
                               stdout=subprocess.PIPE, text=True, env=env)
    assert process.stdout is not None
    line = process.stdout.readline()
    return process, line.rsplit(" ", 1)[-1].strip()


@pytest.fixture
def second_proxy() -> Iterator[str]:
    process, url = _serve(["proxy", "--port", "0"])
    yield url
    process.terminate()
    process.wait(10)


def _run(repo_root: Path, tmp_path: Path, plan: dict[str, Any], name: str,
         env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess[str], Path]:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(plan))
    reports = tmp_path / f"reports-{name}"
    completed = subprocess.run(
        [sys.executable, "-m", "peakready.cli", "run", str(path), "--reports-dir",
         str(reports), "--quiet"], cwd=repo_root, capture_output=True, text=True, timeout=600,
        env={**os.environ, **(env or {})})
    assert completed.returncode in (0, 1), completed.stdout + completed.stderr
    (run_dir,) = reports.iterdir()
    return completed, run_dir


def _fault_shape(run_dir: Path) -> list[tuple[Any, ...]]:
    events = [json.loads(x) for x in (run_dir / "faults.jsonl").read_text().splitlines()]
    return sorted((e["fault"], e["event"], e["label"], e["target"], e["outcome"],
                   json.dumps({k: v for k, v in e["spec"].items()
                               if k not in ("expires_in", "expires_in_ms")}, sort_keys=True))
                  for e in events)


def test_toxiproxy_url_gives_the_same_faults(repo_root: Path, tmp_path: Path,
                                             second_proxy: str) -> None:
    plan = {"name": "same", "seed": 4, "load": {"duration": "10s", "workers": 1},
            "faults": _FAULTS, "drain": {"timeout": "5s"}}
    env = {k: v for k, v in os.environ.items() if k != "TOXIPROXY_URL"}
    _, embedded = _run(repo_root, tmp_path, plan, "embedded", env)
    _, external = _run(repo_root, tmp_path, plan, "external", {"TOXIPROXY_URL": second_proxy})
    assert _fault_shape(embedded) == _fault_shape(external)
    assert json.loads((external / "run.json").read_text())["fault_proxy"] == second_proxy


def test_a_real_store_token_is_in_no_file_and_no_output(repo_root: Path,
                                                        tmp_path: Path) -> None:
    token = "tok-" + secrets.token_hex(12)
    store, url = _serve(["mock", "magento", "--port", "0", "--integration", "none"],
                        env={**os.environ, "PEAKREADY_SIM_TOKEN": token})
    try:
        plan = {"name": "store", "seed": 2,
                "target": {"magento": {"url": url, "token_env": "STORE_TOKEN"}},
                "load": {"duration": "8s", "workers": 1}, "faults": _FAULTS[:1],
                "drain": {"timeout": "3s"}}
        completed, run_dir = _run(repo_root, tmp_path, plan, "store", {"STORE_TOKEN": token})
    finally:
        store.terminate()
        store.wait(10)
    assert json.loads((run_dir / "run.json").read_text())["status"] == "complete"
    assert token not in completed.stdout + completed.stderr
    files = [p for p in run_dir.rglob("*") if p.is_file()]
    assert len(files) > 10
    for path in files:
        assert token not in path.read_text(errors="replace"), path


def test_the_example_connector_gets_the_orders_to_the_erp(repo_root: Path,
                                                          tmp_path: Path) -> None:
    plan = yaml.safe_load((repo_root / "examples" / "connector" / "plan.yaml").read_text())
    plan["load"]["duration"] = "30s"
    plan["faults"] = _FAULTS
    plan["target"]["connector"]["cwd"] = str(repo_root / "examples" / "connector")
    _, run_dir = _run(repo_root, tmp_path, plan, "connector")
    run = json.loads((run_dir / "run.json").read_text())
    assert run["status"] == "complete" and run["drain"]["drained"], run
    placed = {json.loads(x)["increment_id"] for x in
              (run_dir / "evidence" / "magento" / "orders.jsonl").read_text().splitlines()}
    in_erp = {json.loads(x)["increment_id"] for x in
              (run_dir / "evidence" / "erp" / "orders.jsonl").read_text().splitlines()}
    assert placed and placed <= in_erp
    assert "connector up" in (run_dir / "logs" / "connector.log").read_text()
