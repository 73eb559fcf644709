"""Fixtures of the control-plane API tests: the real fault-proxy server on 127.0.0.1:0 in a
background thread, an httpx client for it, a raw-socket helper for byte-level checks, and a tiny
TCP echo upstream."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from peakready.faultproxy.thread import FaultProxyThread
from support.proxy_process import CliProxy
from support.sockets import EchoHandler, echo_roundtrip, free_port, serve_tcp


@pytest.fixture
def make_server() -> Iterator[Callable[..., FaultProxyThread]]:
    started: list[FaultProxyThread] = []

    def make(**kwargs: Any) -> FaultProxyThread:
        server = FaultProxyThread(**kwargs)
        started.append(server)
        return server

    yield make
    for server in started:
        server.close()


@pytest.fixture
def server(make_server: Callable[..., FaultProxyThread]) -> FaultProxyThread:
    return make_server(seed=1234)


@pytest.fixture
def api(server: FaultProxyThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=5.0) as client:
        yield client


def raw_request(host: str, port: int, data: bytes, timeout: float = 5.0) -> bytes:
    """Send raw bytes, read until the server closes (use Connection: close)."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture
def raw(server: FaultProxyThread) -> Callable[[bytes], bytes]:
    return lambda data: raw_request(server.host, server.port, data)


@pytest.fixture
def echo_upstream() -> Iterator[str]:
    """A TCP echo server; yields its ``host:port``."""
    yield from serve_tcp(EchoHandler)


@pytest.fixture
def port_factory() -> Callable[[], int]:
    return free_port


@pytest.fixture
def roundtrip() -> Callable[..., bytes]:
    return echo_roundtrip


@pytest.fixture
def cli_proxy() -> Iterator[Callable[..., CliProxy]]:
    started: list[CliProxy] = []

    def start(*args: str) -> CliProxy:
        proc = CliProxy(*args)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.kill()
