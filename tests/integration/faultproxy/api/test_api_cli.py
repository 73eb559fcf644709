"""``peakready proxy`` as a child process: ready line, config, safety, signals, exit codes."""

from __future__ import annotations

import json
import re
import signal
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

READY = re.compile(r"^peakready proxy: API listening on http://127\.0\.0\.1:(\d+)\n$")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_ready_line_then_clean_exit_on_signal(cli_proxy: Callable[..., Any],
                                              sig: signal.Signals, echo_upstream: str) -> None:
    proc = cli_proxy("--port", "0", "--seed", "5")
    match = READY.match(proc.ready_line)
    assert match, proc.ready_line
    url = proc.url
    assert int(match.group(1)) > 0
    listen = httpx.post(url + "/proxies", json={"name": "e", "listen": "127.0.0.1:0",
                                                "upstream": echo_upstream}).json()["listen"]
    host, port = listen.rsplit(":", 1)
    live = socket.create_connection((host, int(port)), timeout=5)
    live.sendall(b"hi")
    assert live.recv(10) == b"hi"
    assert proc.stop(sig) == 0
    assert live.recv(10) == b""  # connections are dropped on shutdown
    live.close()
    rest = proc.proc.stdout.read()
    assert rest == ""  # exactly one line on stdout
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((host, int(port)), timeout=2)


def test_config_is_loaded_at_start(cli_proxy: Callable[..., Any], tmp_path: Path) -> None:
    config = tmp_path / "populate.json"
    config.write_text(json.dumps([{"name": "erp", "listen": "127.0.0.1:0", "upstream": "x:1"},
                                  {"name": "crm", "listen": "127.0.0.1:0", "upstream": "x:2"}]))
    proc = cli_proxy("--port", "0", "--config", str(config))
    assert sorted(httpx.get(proc.url + "/proxies").json()) == ["crm", "erp"]


def test_a_bad_config_is_logged_not_fatal(cli_proxy: Callable[..., Any],
                                          tmp_path: Path) -> None:
    config = tmp_path / "bad.json"
    config.write_text('[{"listen": "127.0.0.1:0"}]')
    proc = cli_proxy("--port", "0", "--config", str(config))
    assert httpx.get(proc.url + "/proxies").json() == {}
    proc.stop()
    assert "missing required field: name at proxy 1" in proc.proc.stderr.read()


def test_non_loopback_host_is_refused_without_allow_host(
        cli_proxy: Callable[..., Any]) -> None:
    proc = cli_proxy("--host", "0.0.0.0", "--port", "0")
    assert proc.ready_line == ""
    assert proc.proc.wait(10) == 2
    assert "not loopback" in proc.proc.stderr.read()


def test_busy_api_port_exits_3(cli_proxy: Callable[..., Any]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        proc = cli_proxy("--port", str(busy.getsockname()[1]))
        assert proc.proc.wait(10) == 3
    assert "cannot listen" in proc.proc.stderr.read()


def test_no_metrics_flag(cli_proxy: Callable[..., Any]) -> None:
    proc = cli_proxy("--port", "0", "--no-metrics")
    resp = httpx.get(proc.url + "/metrics")
    assert (resp.status_code, resp.content) == (404, b"404 page not found\n")
