"""Loopback socket helpers: free ports, a threaded echo upstream, one-shot round trips."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator

__all__ = ["EchoHandler", "can_connect", "echo_roundtrip", "free_port", "serve_tcp"]


def free_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def can_connect(listen: str, timeout: float = 2.0) -> bool:
    """Go's AssertProxyUp / Ruby's connect_to_proxy / toxiproxy-python's can_connect_to."""
    host, port = listen.rsplit(":", 1)
    host = "127.0.0.1" if host in ("localhost", "") else host.strip("[]")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            return True
    except OSError:
        return False


def echo_roundtrip(listen: str, payload: bytes = b"ping", timeout: float = 5.0) -> bytes:
    """Send ``payload`` and read until as many bytes came back (or the peer closed)."""
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


class EchoHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.request.settimeout(5)
        try:
            while data := self.request.recv(65536):
                self.request.sendall(data)
        except OSError:
            pass


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 drops SYNs when a test opens a dozen connections at
    # once, and the kernel's 1 s SYN retry then looks like a toxic.
    request_queue_size = 128


def serve_tcp(handler: type[socketserver.BaseRequestHandler]) -> Iterator[str]:
    """Run a threaded TCP server for the generator's life; yields its ``host:port``."""
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
