"""The simulator for integration tests: as the orchestrator starts it (``peakready mock
magento --port 0``), or served in a thread for clients that speak HTTP (``live_store``)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def simulator() -> Iterator[Callable[..., str]]:
    """``start(*flags) -> base URL``; every child is killed in teardown."""
    procs: list[subprocess.Popen[str]] = []

    def start(*flags: str) -> str:
        cmd = [sys.executable, "-m", "peakready.cli", "mock", "magento", "--port", "0",
               "--mocks-dir", str(REPO / "mocks"), "--fixtures-dir", str(REPO / "fixtures"),
               "--integration", "none", *flags]
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        procs.append(proc)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if "listening on " not in line:
            proc.kill()
            _, err = proc.communicate(timeout=10)
            raise AssertionError(f"simulator did not start: {line!r} {err}")
        return line.strip().rsplit(" ", 1)[1]

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=10)


SCHEMA = REPO / ".." / "shared" / "spec" / "magento-2.4-rest-schema.json"


def _nullable(node: Any) -> Any:
    """Magento renders a non-nullable getter's null as null (see tests/unit/magento/
    test_schema.py): every typed property may be null."""
    if isinstance(node, dict):
        out = {k: _nullable(v) for k, v in node.items()}
        if isinstance(out.get("type"), str) and out["type"] != "object":
            out["type"] = [out["type"], "null"]
        return out
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    return node


@pytest.fixture(scope="session")
def conforms() -> Callable[[Any, str], None]:
    """``conforms(value, "sales-data-order-interface")`` validates against Magento's schema;
    ``"[]name"`` validates a list of them. Without the schema (outside this workspace) only
    the tests' own field assertions run."""
    if not SCHEMA.is_file():
        return lambda value, definition: None
    import jsonschema

    definitions = _nullable(json.loads(SCHEMA.read_text("utf-8"))["definitions"])
    # A custom attribute's value is a string or a list (``category_ids``): spec §3.2.
    definitions["framework-attribute-interface"]["properties"]["value"]["type"] = [
        "string", "array", "null"]

    def check(value: Any, definition: str) -> None:
        many = definition.startswith("[]")
        ref = {"$ref": f"#/definitions/{definition.removeprefix('[]')}"}
        doc = {"definitions": definitions, **({"type": "array", "items": ref} if many else ref)}
        jsonschema.Draft4Validator(doc).validate(value)
    return check


@pytest.fixture(scope="module")
def live_store() -> Iterator[tuple[str, Any]]:
    """The simulator (profile tiny, seed 3, no integration) served by uvicorn in a thread on
    127.0.0.1:0, for clients that speak HTTP through ``requests``; yields (base URL, app)."""
    import uvicorn

    from peakready.content import load_content_module
    from peakready.mockkit.settings import MockSettings

    module = load_content_module("mocks", "magento", REPO / "mocks")
    app = module.create_app(MockSettings(name="magento", seed=3, fixtures_dir=REPO / "fixtures",
                                         options={"profile": "tiny"}))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False,
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise AssertionError("the simulator did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}", app
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
