"""The stack starts real child processes, waits for their ready line, health-checks them and
always stops them (also when a later component fails to start)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import httpx
import pytest

from peakready.errors import ComponentStartError
from peakready.stack import Stack

# A minimal component: serves /__admin/health on an ephemeral port, then prints its ready line.
_SERVER = r"""
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == '/__admin/health' else 404)
        self.send_header('Content-Length', '0'); self.end_headers()
    def log_message(self, *a): pass
s = http.server.HTTPServer(('127.0.0.1', 0), H)
print('fake: listening on http://127.0.0.1:%d' % s.server_port, flush=True)
s.serve_forever()
"""


def test_start_waits_for_ready_line_and_stop_all_ends_processes(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with Stack(tmp_path) as stack:
            component = await stack.start("fake", [sys.executable, "-c", _SERVER])
            async with httpx.AsyncClient() as client:
                response = await client.get(component.url + "/__admin/health")
            assert response.status_code == 200
            process = component.process
            assert process is not None and process.returncode is None
        assert process.returncode is not None

    asyncio.run(scenario())


def test_component_exiting_before_ready_raises_with_its_log(tmp_path: Path) -> None:
    crash = "import sys; sys.stderr.write('boom: bad flag\\n'); sys.exit(4)"

    async def scenario() -> None:
        async with Stack(tmp_path) as stack:
            await stack.start("broken", [sys.executable, "-c", crash])

    with pytest.raises(ComponentStartError, match="exited with code 4") as excinfo:
        asyncio.run(scenario())
    assert "boom: bad flag" in str(excinfo.value)


def test_silent_component_times_out_and_is_killed(tmp_path: Path) -> None:
    started: list[asyncio.subprocess.Process] = []

    async def scenario() -> None:
        async with Stack(tmp_path, start_timeout=0.5, stop_grace=0.5) as stack:
            try:
                await stack.start("mute", [sys.executable, "-c", "import time; time.sleep(60)"])
            finally:
                process = stack.components["mute"].process
                assert process is not None
                started.append(process)

    with pytest.raises(ComponentStartError, match="did not become ready"):
        asyncio.run(scenario())
    assert started[0].returncode is not None
