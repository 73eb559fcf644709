"""Start the simulator as the orchestrator does: ``peakready mock magento --port 0``."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def simulator() -> Iterator[Callable[..., str]]:
    """``start(*flags) -> base URL``; every child is killed in teardown."""
    procs: list[subprocess.Popen[str]] = []

    def start(*flags: str) -> str:
        cmd = [sys.executable, "-m", "peakready.cli", "mock", "magento", "--port", "0",
               "--mocks-dir", str(REPO / "mocks"), "--fixtures-dir", str(REPO / "fixtures"),
               "--integration", "none", *flags]
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        procs.append(proc)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if "listening on " not in line:
            proc.kill()
            _, err = proc.communicate(timeout=10)
            raise AssertionError(f"simulator did not start: {line!r} {err}")
        return line.strip().rsplit(" ", 1)[1]

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=10)
