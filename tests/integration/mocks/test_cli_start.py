"""Each mock starts with the CLI in under 2 s, answers /__admin/health, exits 0 on signals."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest


@pytest.mark.parametrize("name", ["erp", "crm", "payment", "shipping"])
def test_mock_starts_fast_and_answers_health(name: str, mock_process: Callable[..., Any],
                                            tmp_path: Path) -> None:
    mock = mock_process(name, data_dir=tmp_path)
    assert mock.startup_s < 2.0, f"{name} took {mock.startup_s:.2f}s to listen"
    health = httpx.get(f"{mock.url}/__admin/health", timeout=5).json()
    assert health["status"] == "ok" and health["mock"] == name
    assert mock.url.startswith("http://127.0.0.1:") and not mock.url.endswith(":0")
    assert mock.stop(signal.SIGTERM) == 0


def test_sigint_exits_zero(mock_process: Callable[..., Any], tmp_path: Path) -> None:
    mock = mock_process("shipping", data_dir=tmp_path)
    assert mock.stop(signal.SIGINT) == 0


def test_non_loopback_host_is_refused(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "peakready.cli", "mock", "shipping", "--host",
                          "10.1.2.3", "--port", "0"], capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 2 and "not loopback" in out.stderr
