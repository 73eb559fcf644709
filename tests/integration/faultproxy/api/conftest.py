"""Fixtures of the control-plane API tests: the real fault-proxy server on 127.0.0.1:0 in a
background thread, an httpx client for it, a raw-socket helper for byte-level checks, and a tiny
TCP echo upstream."""

from __future__ import annotations

import select
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from peakready.faultproxy.thread import FaultProxyThread


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


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.request.settimeout(5)
        try:
            while data := self.request.recv(65536):
                self.request.sendall(data)
        except OSError:
            pass


class _EchoServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 drops SYNs when a test opens a dozen connections at
    # once, and the kernel's 1 s SYN retry then looks like a toxic.
    request_queue_size = 128


@pytest.fixture
def echo_upstream() -> Iterator[str]:
    """A TCP echo server; yields its ``host:port``."""
    srv = _EchoServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield f"127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()
    thread.join(5)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def port_factory() -> Callable[[], int]:
    return free_port


def echo_roundtrip(listen: str, payload: bytes = b"ping", timeout: float = 3.0) -> bytes:
    host, port = listen.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(payload)
        got = b""
        while len(got) < len(payload):
            chunk = sock.recv(65536)
            if not chunk:
                break
            got += chunk
        return got


@pytest.fixture
def roundtrip() -> Callable[..., bytes]:
    return echo_roundtrip


class CliProxy:
    """``peakready proxy`` as a child process; ``url`` parsed from its one ready line."""

    def __init__(self, *args: str, ready_timeout: float = 20.0) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "peakready.cli", "proxy", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.ready_line = ""
        self.url = ""
        deadline = time.monotonic() + ready_timeout
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.1)
            if ready:
                self.ready_line = self.proc.stdout.readline()
                break
            if self.proc.poll() is not None:
                break
        if self.ready_line.startswith("peakready proxy: API listening on "):
            self.url = self.ready_line.strip().rsplit(" ", 1)[1]

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            raise

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(5)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


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
