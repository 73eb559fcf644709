"""A plan whose target is neither loopback nor allow-listed is refused with exit 2 before any
request: a listener the target name leads to records that nothing arrived.

The target name is mapped to the loopback listener only for the processes of this test (a
``sitecustomize`` on their PYTHONPATH wraps ``socket.getaddrinfo``), so no traffic could leave
the machine even if the refusal failed; a control request first proves that the name does lead
to the listener, so "nothing arrived" means "nothing was sent"."""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from peakready.cli import main

_HOST = "staging-store.example.test"
class Listener:
    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.arrived = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.arrived += 1
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def mapped(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def getaddrinfo(host: object, *args: Any, **kwargs: Any) -> Any:
        return real("127.0.0.1" if host == _HOST else host, *args, **kwargs)  # type: ignore

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setenv("MAGENTO_TOKEN", "t0k")
    monkeypatch.delenv("TOXIPROXY_URL", raising=False)


def _run(plan: dict[str, object], tmp_path: Path, capsys: pytest.CaptureFixture[str]
         ) -> tuple[int, str]:
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(plan))
    code = main(["run", str(path), "--reports-dir", str(tmp_path / "reports"), "--quiet"])
    return code, capsys.readouterr().err


def test_a_store_outside_loopback_and_the_allow_list_is_refused_before_any_request(
        tmp_path: Path, listener: Listener, mapped: None,
        capsys: pytest.CaptureFixture[str]) -> None:
    urllib.request.urlopen(f"http://{_HOST}:{listener.port}/", timeout=5).read()
    assert listener.arrived == 1, "the test's name mapping does not reach the listener"
    plan = {"name": "refused", "target": {"magento": {
        "url": f"http://{_HOST}:{listener.port}", "token_env": "MAGENTO_TOKEN"}}}
    code, err = _run(plan, tmp_path, capsys)
    assert code == 2, err
    assert f"refusing to send load or faults to target.magento.url {_HOST!r}" in err
    assert "allow_hosts" in err
    time.sleep(0.3)
    assert listener.arrived == 1, "a request reached the refused target"
    assert not (tmp_path / "reports").exists(), "a run folder was made for a refused plan"


def test_a_non_loopback_toxiproxy_url_is_refused_too(
        tmp_path: Path, listener: Listener, mapped: None, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TOXIPROXY_URL", f"http://{_HOST}:{listener.port}")
    code, err = _run({"name": "refused"}, tmp_path, capsys)
    assert code == 2, err
    assert "TOXIPROXY_URL" in err
    time.sleep(0.3)
    assert listener.arrived == 0
