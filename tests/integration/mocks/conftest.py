"""Start mocks as the orchestrator does: `peakready mock NAME --port 0` in a child process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


@dataclass
class RunningMock:
    proc: subprocess.Popen[str]
    url: str
    startup_s: float

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout=timeout)


def start_mock(name: str, *args: str, data_dir: Path | None = None,
               timeout: float = 10.0) -> RunningMock:
    cmd = [sys.executable, "-m", "peakready.cli", "mock", name, "--port", "0",
           "--mocks-dir", str(REPO / "mocks"), *args]
    if data_dir is not None:
        cmd += ["--data", str(data_dir)]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    # readline blocks; the mock prints its one line or exits (then readline returns "").
    line = proc.stdout.readline()
    elapsed = time.monotonic() - started
    if "listening on " not in line:
        proc.kill()
        _, err = proc.communicate(timeout=timeout)
        raise AssertionError(f"mock {name} did not start: {line!r} {err}")
    return RunningMock(proc, line.strip().rsplit(" ", 1)[1], elapsed)


@pytest.fixture
def mock_process() -> Iterator[Callable[..., RunningMock]]:
    running: list[RunningMock] = []

    def start(name: str, *args: str, data_dir: Path | None = None) -> RunningMock:
        mock = start_mock(name, *args, data_dir=data_dir)
        running.append(mock)
        return mock

    yield start
    for mock in running:
        if mock.proc.poll() is None:
            mock.proc.kill()
        mock.proc.communicate(timeout=10)


@pytest.fixture
def erp_config(tmp_path: Path) -> Path:
    """A small, quiet ERP: three SKUs, no movements, slow fulfilment."""
    path = tmp_path / "erp.yaml"
    path.write_text("stock: {A: 1000000, B: 1000000, C: 1000000}\n"
                    "movements_per_second: 0\npick_after: 3600\n", "utf-8")
    return path
