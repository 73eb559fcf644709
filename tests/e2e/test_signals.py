"""SIGINT / SIGTERM at random moments of `peakready run`: the command exits 130 / 143, no child
process is left, no fault is left on the fault proxy, and a run that had started says
``interrupted`` in run.json and still gets a (partial) result.json. SIGKILL of the
orchestrator mid-window: the proxy's dead-man lease heals it within TTL + 1 s and the
children stop with it."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from peakready.chaos import FaultProxyClient
from peakready.run.estate import LEASE_TTL_MS

_PLAN = {
    "name": "signals", "seed": 9,
    "load": {"duration": "20s", "orders_per_minute": 60, "workers": 1},
    "faults": [
        {"at": "1s", "for": "15s", "proxy": "erp", "toxic": "latency",
         "attributes": {"latency": 200}},
        {"at": "2s", "for": "10s", "proxy": "crm", "down": True},
        {"at": "3s", "for": "12s", "mock": "erp", "http": {"status": 503, "rate": 0.3}},
    ],
    "drain": {"timeout": "10s"},
}


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, start time) of a live process, None if gone or a zombie."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    if fields[0] == "Z":
        return None
    return int(fields[1]), fields[19]


def _descendants(root: int) -> dict[int, str]:
    children: dict[int, list[int]] = {}
    starts: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (info := _stat(int(entry))) is not None:
            children.setdefault(info[0], []).append(int(entry))
            starts[int(entry)] = info[1]
    found: dict[int, str] = {}
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found[child] = starts[child]
            stack.append(child)
    return found


def _alive(seen: dict[int, str]) -> list[int]:
    return [pid for pid, start in seen.items() if (info := _stat(pid)) and info[1] == start]


@pytest.fixture(scope="module")
def external_proxy() -> Iterator[str]:
    """A second `peakready proxy`, not a child of the run: it stands in for a real Toxiproxy."""
    process = subprocess.Popen([sys.executable, "-m", "peakready.cli", "proxy", "--port", "0"],
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    url = line.rsplit(" ", 1)[-1].strip()
    assert url.startswith("http://"), line
    try:
        yield url
    finally:
        process.terminate()
        process.wait(10)


def _interrupt(repo_root: Path, tmp_path: Path, sig: int, after_s: float,
               toxiproxy_url: str | None, twice: bool = False, after_children: bool = False
               ) -> tuple[int, dict[int, str], Path | None]:
    """Signal ``after_s`` seconds after start (after the first child appeared, if asked)."""
    plan = tmp_path / "signals.yaml"
    plan.write_text(yaml.safe_dump(_PLAN))
    reports = tmp_path / f"reports-{sig}-{after_s:.2f}"
    env = dict(os.environ)
    env.pop("TOXIPROXY_URL", None)
    if toxiproxy_url:
        env["TOXIPROXY_URL"] = toxiproxy_url
    process = subprocess.Popen(
        [sys.executable, "-m", "peakready.cli", "run", str(plan), "--reports-dir", str(reports),
         "--quiet"], cwd=repo_root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    seen: dict[int, str] = {}
    give_up = time.monotonic() + 90
    while after_children and not seen and process.poll() is None and time.monotonic() < give_up:
        seen.update(_descendants(process.pid))
        time.sleep(0.02)
    deadline = time.monotonic() + after_s
    while time.monotonic() < deadline and process.poll() is None:
        seen.update(_descendants(process.pid))
        time.sleep(0.02)
    process.send_signal(sig)
    if twice:  # the impatient user: stop now, but still clean up
        time.sleep(0.3)
        if process.poll() is None:
            process.send_signal(sig)
    while process.poll() is None:
        seen.update(_descendants(process.pid))
        time.sleep(0.05)
        if time.monotonic() > deadline + 90:
            process.kill()
            pytest.fail("peakready run did not stop within 90 s of the signal")
    output = process.stdout.read() if process.stdout else ""
    # A signal that lands while the interpreter is still importing (before any Python handler
    # and before any child exists) ends it by the default action: -sig, and nothing to stop.
    early = process.returncode == -sig and not seen
    assert process.returncode == 128 + sig or early, f"exit {process.returncode}\n{output}"
    runs = list(reports.iterdir()) if reports.exists() else []
    return process.returncode, seen, runs[0] if runs else None


def _check_after(seen: dict[int, str], run_dir: Path | None, toxiproxy_url: str | None
                 ) -> None:
    time.sleep(0.5)
    assert _alive(seen) == [], f"children left behind: {_alive(seen)}"
    if toxiproxy_url:
        with FaultProxyClient(toxiproxy_url) as control:
            assert control.proxies() == {}, "the run's proxies were not removed"
    if run_dir is None or not (run_dir / "run.json").exists():
        return
    run = json.loads((run_dir / "run.json").read_text())
    assert run["status"] == "interrupted", run
    faults = run_dir / "faults.jsonl"
    if faults.exists():
        events = [json.loads(x) for x in faults.read_text().splitlines()]
        applied = {e["fault"] for e in events if e["event"] == "applied"}
        cleared = {e["fault"] for e in events if e["event"] == "cleared"}
        assert applied == cleared, events
    if run.get("test_start_wall"):
        assert (run_dir / "result.json").exists(), "no partial result.json"
        result = json.loads((run_dir / "result.json").read_text())
        assert result["status"] == "interrupted", result["status"]


def test_sigint_and_sigterm_during_a_run_leave_nothing_behind(
        repo_root: Path, tmp_path: Path, external_proxy: str) -> None:
    rng = random.Random()
    # One while the estate comes up (after its first child started), one in the fault windows.
    for sig, after_s, proxy in ((signal.SIGTERM, rng.uniform(0.0, 2.0), None),
                                (signal.SIGINT, rng.uniform(8.0, 11.0), external_proxy)):
        _, seen, run_dir = _interrupt(repo_root, tmp_path, sig, after_s, proxy,
                                      after_children=True)
        assert seen
        _check_after(seen, run_dir, proxy)


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_twenty_random_moments(repo_root: Path, tmp_path: Path, external_proxy: str) -> None:
    rng = random.Random()
    for n in range(20):
        sig = (signal.SIGINT, signal.SIGTERM)[n % 2]
        proxy = external_proxy if n % 4 >= 2 else None
        _, seen, run_dir = _interrupt(repo_root, tmp_path, sig, rng.uniform(0.3, 30.0), proxy,
                                      twice=n % 3 == 2)
        _check_after(seen, run_dir, proxy)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_sigkill_mid_window_the_lease_heals_and_children_stop(
        repo_root: Path, tmp_path: Path, external_proxy: str) -> None:
    plan = tmp_path / "kill.yaml"
    plan.write_text(yaml.safe_dump({**_PLAN, "faults": [
        {"at": "1s", "for": "18s", "proxy": "erp", "toxic": "latency",
         "attributes": {"latency": 100}}]}))
    env = {**os.environ, "TOXIPROXY_URL": external_proxy}
    process = subprocess.Popen(
        [sys.executable, "-m", "peakready.cli", "run", str(plan), "--reports-dir",
         str(tmp_path / "r"), "--quiet"], cwd=repo_root, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen: dict[int, str] = {}
    with FaultProxyClient(external_proxy) as control:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            seen.update(_descendants(process.pid))
            proxies = control.proxies()
            if proxies.get("erp") and proxies["erp"].toxics:
                break
            time.sleep(0.05)
        else:
            process.kill()
            pytest.fail("the toxic never appeared")
        process.kill()
        process.wait()
        killed = time.monotonic()
        while control.proxies()["erp"].toxics:
            assert time.monotonic() - killed <= LEASE_TTL_MS / 1000 + 1.0, \
                "the lease did not heal the proxy within TTL + 1 s"
            time.sleep(0.05)
        # The toxic was sent to expire only at the window's end (18 s): the lease did this.
        assert time.monotonic() - killed < 15
        assert control.lease() is None
        for name in control.proxies():  # what the killed run could not remove itself
            control.delete_proxy(name)
    deadline = time.monotonic() + 10
    while _alive(seen) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _alive(seen) == [], "children outlived a SIGKILLed orchestrator"
