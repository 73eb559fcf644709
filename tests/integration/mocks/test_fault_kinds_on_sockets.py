"""The fault kinds that only show on a real connection: truncation, close, slow body."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest


@pytest.fixture
def erp(mock_process: Callable[..., Any], erp_config: Path, tmp_path: Path) -> Any:
    return mock_process("erp", "--config", str(erp_config), data_dir=tmp_path / "data")


def _set(url: str, rule: dict[str, Any]) -> None:
    r = httpx.put(f"{url}/__admin/faults", json=rule, timeout=5)
    assert r.status_code == 200, r.text


def _raw_get(url: str, path: str) -> bytes:
    """Read everything the server sends until it closes or 3 s pass."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=3) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n"
                     .encode())
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except TimeoutError:
            pass
        return b"".join(chunks)


def test_truncated_body_then_connection_closed(erp: Any) -> None:
    _set(erp.url, {"path": "/api/stock/*", "truncate": {"bytes": 12}})
    raw = _raw_get(erp.url, "/api/stock/A")
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length")))
    assert len(body) == 12 < length
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"{erp.url}/api/stock/A", timeout=5)


def test_connection_closed_without_response(erp: Any) -> None:
    _set(erp.url, {"id": "cut", "path": "/api/orders", "close": True})
    raw = _raw_get(erp.url, "/api/orders")  # GET /api/orders matches too
    assert raw == b""
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(f"{erp.url}/api/orders", json={}, timeout=5)
    journal = httpx.get(f"{erp.url}/__admin/journal", timeout=5).json()
    assert journal["fault_hits"]["cut"] == 2
    # The mock is still healthy after dropping connections.
    assert httpx.get(f"{erp.url}/api/stock/A", timeout=5).status_code == 200


def test_slow_body_dribbles(erp: Any) -> None:
    _set(erp.url, {"path": "/api/stock/*", "slow_body": {"bytes_per_second": 400,
                                                          "chunk_size": 20}})
    started = time.monotonic()
    received: list[float] = []
    pieces: list[bytes] = []
    with httpx.stream("GET", f"{erp.url}/api/stock/A", timeout=10) as r:
        for piece in r.iter_raw():
            received.append(time.monotonic() - started)
            pieces.append(piece)
    assert r.status_code == 200
    assert httpx.Response(200, content=b"".join(pieces)).json()["sku"] == "A"
    # ~60+ byte body at 400 B/s: at least 0.12 s, in several pieces.
    assert received[-1] >= 0.12 and len(received) >= 3


def test_delay_and_status_with_retry_after(erp: Any) -> None:
    _set(erp.url, {"path": "/api/orders", "methods": ["POST"], "status": 429,
                   "retry_after": 3, "delay_ms": 200})
    started = time.monotonic()
    r = httpx.post(f"{erp.url}/api/orders", json={}, timeout=5)
    assert time.monotonic() - started >= 0.19
    assert r.status_code == 429 and r.headers["retry-after"] == "3"
