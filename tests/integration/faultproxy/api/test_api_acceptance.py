"""The issue's acceptance test: toxiproxy-python against ``peakready proxy`` as a subprocess.

A 100 ms ``latency`` toxic makes an HTTP request through the proxy 100 ± 10 ms slower (median
of several requests, compared with the same requests without the toxic). On a machine whose
load average exceeds its core count (other suites share it), scheduling noise alone reaches
several ms per request, so the tolerance is relaxed to ± 15 ms there.
"""

from __future__ import annotations

import os
import socket
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from peakready.chaos import FaultProxyClient


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"hello"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def http_upstream() -> Iterator[str]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    srv.daemon_threads = True
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield f"127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()
    thread.join(5)


def _median_ms(url: str, n: int = 9) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        resp = requests.get(url, timeout=5)
        times.append((time.perf_counter() - start) * 1000)
        assert resp.content == b"hello"
    return statistics.median(times)


def _tolerance_ms() -> float:
    return 10.0 if os.getloadavg()[0] < (os.cpu_count() or 1) else 15.0


def test_toxiproxy_python_latency_disable_enable_reset(cli_proxy: Callable[..., Any],
                                                       http_upstream: str,
                                                       port_factory: Callable[[], int]) -> None:
    port = port_factory()
    proc = cli_proxy("--host", "127.0.0.1", "--port", str(port), "--seed", "1")
    assert proc.url == f"http://127.0.0.1:{port}", proc.ready_line
    client = FaultProxyClient(proc.url)
    with client.toxiproxy() as toxiproxy:
        assert toxiproxy.version().startswith(b'{"version": "2.')
        proxy = toxiproxy.create(upstream=http_upstream, name="shop")
        url = f"http://{proxy.listen}/"
        base = _median_ms(url)

        proxy.add_toxic(type="latency", attributes={"latency": 100})
        assert list(proxy.toxics()) == ["latency_downstream"]
        slowed = _median_ms(url)
        assert abs((slowed - base) - 100.0) <= _tolerance_ms(), (base, slowed)

        proxy.disable()
        host, listen_port = proxy.listen.rsplit(":", 1)
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((host, int(listen_port)), timeout=2)
        proxy.enable()
        assert requests.get(url, timeout=5).content == b"hello"

        toxiproxy.reset()
        assert proxy.toxics() == {}
        healed = _median_ms(url)
        assert healed - base < 50.0, (base, healed)
    client.close()


def test_toxiproxy_python_errors_are_translated(cli_proxy: Callable[..., Any],
                                                http_upstream: str) -> None:
    from peakready.errors import FaultControlError

    proc = cli_proxy("--port", "0")
    with FaultProxyClient(proc.url) as client:
        with pytest.raises(FaultControlError) as info, client.toxiproxy() as toxiproxy:
            toxiproxy.create(upstream=http_upstream, name="dup")
            toxiproxy.create(upstream=http_upstream, name="dup")
        assert info.value.status == 409  # type: ignore[attr-defined]
        with pytest.raises(FaultControlError) as info, client.toxiproxy() as toxiproxy:
            toxiproxy.get_proxy("dup").add_toxic(type="bogus")
        assert info.value.status == 400  # type: ignore[attr-defined]
        assert "invalid toxic type" in info.value.message  # type: ignore[attr-defined]
