"""Subprocess rung for the load side: mocks on port 0, Locust as the orchestrator starts it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from peakready.config import Plan, parse_plan
from peakready.scenario.launch import LoadTargets, LocustLaunch, prepare_locust

REPO = Path(__file__).resolve().parents[3]
ADMIN_TOKEN = "peakready-simulator-admin-token"
PEAKREADY = str(Path(sys.executable).with_name("peakready"))


class Mock:
    """``peakready mock NAME --port 0 ...`` until it prints its URL; stopped at teardown."""

    def __init__(self, name: str, *args: str, data: Path) -> None:
        self.proc = subprocess.Popen(
            [PEAKREADY, "mock", name, "--port", "0", "--data", str(data), *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO)
        deadline = time.monotonic() + 30
        assert self.proc.stdout is not None
        self.url = ""
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if "listening on " in line:
                self.url = line.strip().rsplit("listening on ", 1)[1]
                break
            if not line and self.proc.poll() is not None:
                break
        if not self.url:
            self.stop()
            raise RuntimeError(f"mock {name} did not start")

    def get(self, path: str, **params: Any) -> Any:
        answer = httpx.get(self.url + path, params=params, timeout=30,
                           headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        answer.raise_for_status()
        return answer.json()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


@pytest.fixture
def start_mock(tmp_path: Path) -> Iterator[Callable[..., Mock]]:
    mocks: list[Mock] = []

    def start(name: str, *args: str) -> Mock:
        mock = Mock(name, *args, data=tmp_path / f"data-{name}-{len(mocks)}")
        mocks.append(mock)
        return mock

    yield start
    for mock in mocks:
        mock.stop()


@dataclass
class Run:
    """A finished Locust run of a plan: its folder and the parsed files."""

    run_dir: Path
    launch: LocustLaunch
    returncodes: list[int] = field(default_factory=list)

    def lines(self, name: str) -> list[dict[str, Any]]:
        path = self.run_dir / name
        if not path.exists():
            return []
        return [json.loads(x) for x in path.read_text("utf-8").splitlines() if x.strip()]

    def control(self, event: str) -> list[dict[str, Any]]:
        return [x for x in self.lines("control.jsonl") if x["event"] == event]

    def offered(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for line in self.lines("arrivals.jsonl"):
            totals[line["journey"]] = totals.get(line["journey"], 0) + line["offered"]
        return totals

    def started(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for line in self.lines("arrivals.jsonl"):
            totals[line["journey"]] = totals.get(line["journey"], 0) + line["started"]
        return totals


def plan_for(load: dict[str, Any], **top: Any) -> Plan:
    return parse_plan({"target": {"simulator": {"profile": "tiny"}}, "seed": 0,
                       "load": load, **top})


def run_locust(plan: Plan, run_dir: Path, targets: LoadTargets, *, workers: int = 0,
               timeout: float = 120.0,
               during: Callable[[list[subprocess.Popen[bytes]]], None] | None = None) -> Run:
    """Start master (+ workers) as the orchestrator would, wait for the master to stop itself."""
    launch = prepare_locust(plan, run_dir, targets, workers=workers,
                            scenarios_dir=REPO / "scenarios", fixtures_dir=REPO / "fixtures",
                            preflight=False)
    env = {**os.environ, **launch.env}
    procs: list[subprocess.Popen[bytes]] = []
    logs = []
    try:
        log = (run_dir / "master.log").open("wb")
        logs.append(log)
        procs.append(subprocess.Popen(launch.master_argv, env=env, stdout=log,
                                      stderr=subprocess.STDOUT, cwd=run_dir))
        for index in range(workers):
            log = (run_dir / f"worker{index}.log").open("wb")
            logs.append(log)
            procs.append(subprocess.Popen(launch.worker_argv, env=env, stdout=log,
                                          stderr=subprocess.STDOUT, cwd=run_dir))
        if during is not None:
            during(procs)
        procs[0].wait(timeout)
        for proc in procs[1:]:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        return Run(run_dir, launch, [p.returncode for p in procs])
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)
        for log in logs:
            log.close()


@dataclass(frozen=True)
class LoadKit:
    """The helpers above as one fixture (test modules cannot import conftest)."""

    admin_token: str = ADMIN_TOKEN
    repo: Path = REPO
    plan_for: Callable[..., Plan] = plan_for
    run_locust: Callable[..., Run] = run_locust

    def targets(self, sim: Mock, **more: Any) -> LoadTargets:
        return LoadTargets(magento_url=sim.url, token=ADMIN_TOKEN, **more)


@pytest.fixture
def kit() -> LoadKit:
    return LoadKit()
