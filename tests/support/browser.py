"""A real headless Chromium driven over the DevTools protocol (CDP), offline.

Shared by the report's browser tests and the end-to-end run (its real report.html); each
folder's conftest re-exports the ``browser`` fixture. ``browser`` starts Debian's ``chromium``
(or ``$PEAKREADY_CHROMIUM``) once per module with ``--remote-debugging-port=0`` and a throwaway
profile; ``open_page(url)`` loads a page with the
network emulated offline and returns what happened: console messages, uncaught exceptions,
log errors, every non-file request, and a way to evaluate JS and take a screenshot. The browser
is installed by .ci/run (apt), never by a test; where no binary exists the tests skip saying so.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

websocket = pytest.importorskip("websocket", reason="websocket-client is a dev dependency")

# Runs in the page: what a reader would see, measured by the browser's own layout.
REPORT_SELF_CHECK = """(() => {
  const charts = [...document.querySelectorAll('svg.chart')].map(svg => {
    const box = svg.getBoundingClientRect();
    const paths = [...svg.querySelectorAll('path.series')];
    const points = paths.reduce((n, p) => n + (p.getAttribute('d').match(/[ML]/g) || []).length,
                                0) + svg.querySelectorAll('circle.point').length;
    const bands = [...svg.querySelectorAll('g.fault-band')].map(g => {
      const r = g.querySelector('rect').getBoundingClientRect();
      return {label: g.dataset.label, width: r.width, height: r.height,
              text: g.querySelector('text').textContent};
    });
    return {id: svg.dataset.chart, width: box.width, height: box.height,
            declared: Number(svg.dataset.points), points, bands};
  });
  return {charts, verdict: document.querySelector('#verdict').dataset.verdict,
          title: document.title, images: document.images.length,
          sheets: [...document.styleSheets].filter(s => s.href).length};
})()"""


_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
               "chrome", "headless_shell")
_TIMEOUT_S = 30.0


def chromium_binary() -> str | None:
    explicit = os.environ.get("PEAKREADY_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else shutil.which(explicit)
    return next((path for name in _CANDIDATES if (path := shutil.which(name))), None)


@dataclass
class Page:
    ws: Any
    console: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    log_errors: list[dict[str, Any]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    _next_id: int = 0

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        wanted = self._next_id
        self.ws.send(json.dumps({"id": wanted, "method": method, "params": params}))
        deadline = time.monotonic() + _TIMEOUT_S
        while time.monotonic() < deadline:
            message = self._receive()
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
        raise TimeoutError(method)

    def wait_for(self, event: str) -> dict[str, Any]:
        deadline = time.monotonic() + _TIMEOUT_S
        while time.monotonic() < deadline:
            message = self._receive()
            if message.get("method") == event:
                return message
        raise TimeoutError(event)

    def _receive(self) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(self.ws.recv())
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.consoleAPICalled":
            self.console.append({"type": params.get("type"), "args": [
                a.get("value", a.get("description")) for a in params.get("args", [])]})
        elif method == "Runtime.exceptionThrown":
            self.exceptions.append(params.get("exceptionDetails", {}))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            self.log_errors.append(params["entry"])
        elif method == "Network.requestWillBeSent":
            self.requests.append(params.get("request", {}).get("url", ""))
        return message

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"evaluation failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path) -> Path:
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def errors(self) -> list[Any]:
        return [*(c for c in self.console if c["type"] in ("error", "assert")),
                *self.exceptions, *self.log_errors]


class Browser:
    def __init__(self, process: subprocess.Popen[bytes], port: int) -> None:
        self.process, self.port = process, port

    def open_page(self, url: str) -> Page:
        target = httpx.put(f"http://127.0.0.1:{self.port}/json/new?about:blank",
                           timeout=_TIMEOUT_S).json()
        page = Page(websocket.create_connection(target["webSocketDebuggerUrl"],
                                                timeout=_TIMEOUT_S, suppress_origin=True))
        for domain in ("Page", "Runtime", "Log", "Network"):
            page.call(f"{domain}.enable")
        page.call("Network.emulateNetworkConditions", offline=True, latency=0,
                  downloadThroughput=-1, uploadThroughput=-1)
        page.call("Emulation.setDeviceMetricsOverride", width=1100, height=900,
                  deviceScaleFactor=1, mobile=False)
        page.call("Page.navigate", url=url)
        page.wait_for("Page.loadEventFired")
        page.evaluate("new Promise(r => requestAnimationFrame(() => r(true)))")
        return page


def _devtools_port(process: subprocess.Popen[bytes], profile: Path) -> int:
    # Chromium writes the port it bound to DevToolsActivePort in the profile directory.
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + _TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chromium exited with {process.returncode}")
        if marker.is_file():
            first = marker.read_text().splitlines()[:1]
            if first and re.fullmatch(r"\d+", first[0]):
                return int(first[0])
        time.sleep(0.1)
    raise TimeoutError("chromium did not open its DevTools port")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    binary = chromium_binary()
    if binary is None:
        pytest.skip("no Chromium binary (install Debian's `chromium`, as .ci/run does, or set "
                    "PEAKREADY_CHROMIUM)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    process = subprocess.Popen(
        [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--no-default-browser-check", "--disable-extensions", "--disable-sync",
         "--disable-background-networking", "--disable-component-update",
         "--host-resolver-rules=MAP * ~NOTFOUND", "--remote-debugging-address=127.0.0.1",
         "--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        yield Browser(process, _devtools_port(process, profile))
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """The whole process group (renderers, zygote), TERM then KILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            continue
