"""``peakready mock NAME``: load ``mocks/NAME`` by path and serve it with uvicorn.

Generic over the five mocks: the module (or package) exposes ``create_app(settings)``. The
process prints exactly one line on stdout when it accepts connections::

    peakready mock erp: listening on http://127.0.0.1:8281

(with ``--port 0`` the real port), and exits 0 on SIGINT or SIGTERM, so the orchestrator can
start it, read the line and stop it politely.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn

from peakready.content import load_content_module
from peakready.errors import ComponentStartError, ContentError
from peakready.mockkit.settings import DEFAULT_PORTS, MockSettings
from peakready.safety import check_target

__all__ = ["build_settings", "serve_mock"]

log = logging.getLogger("peakready.mockkit.cli")
_MAGENTO_OPTIONS = ("profile", "inventory", "visibility", "capacity_model", "magento_version",
                    "integration", "flags", "config", "service")
_MOCK_OPTIONS = ("profile", "config")
# The business systems that speak named APIs (docs/dialects.md).
_DIALECT_OPTIONS = (*_MOCK_OPTIONS, "dialect", "contract")


def build_settings(args: argparse.Namespace) -> MockSettings:
    name: str = args.name
    port = args.port if args.port is not None else DEFAULT_PORTS.get(name, 0)
    options: dict[str, Any] = {}
    # The simulator's flags are the simulator's; the other mocks take a profile and a file.
    keys = _MAGENTO_OPTIONS if name == "magento" else _DIALECT_OPTIONS \
        if name in ("erp", "crm") else _MOCK_OPTIONS
    for key in keys:
        source = "flag" if key == "flags" else key
        value = getattr(args, source, None)
        if value is not None:
            options[key] = list(value) if isinstance(value, list) else value
    return MockSettings(
        name=name, host=args.host, port=port, seed=args.seed,
        data_dir=Path(args.data).expanduser().resolve() if args.data else None,
        fixtures_dir=Path(args.fixtures_dir).expanduser().resolve() if args.fixtures_dir
        else None,
        options=options)


class _Server(uvicorn.Server):
    # uvicorn re-raises the captured signal after a graceful shutdown; a mock stopped by
    # SIGTERM/SIGINT has done its job and exits 0 instead.
    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit:
            self.force_exit = True
        self.should_exit = True


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ComponentStartError(f"cannot listen on {host}:{port}: {exc}") from exc
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency off Windows
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


async def _serve(server: _Server, sock: socket.socket, name: str, scheme: str) -> bool:
    serving = asyncio.ensure_future(server.serve(sockets=[sock]))
    while not server.started and not serving.done():
        await asyncio.sleep(0.01)
    if server.started:
        host, port = sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        print(f"peakready mock {name}: listening on {scheme}://{shown}:{port}", flush=True)
    await serving
    return server.started


def serve_mock(args: argparse.Namespace) -> int:
    settings = build_settings(args)
    check_target(settings.host, (), what=f"mock {settings.name} listen host")
    module = load_content_module("mocks", settings.name, getattr(args, "mocks_dir", None))
    if getattr(args, "coverage", False):
        report = getattr(module, "coverage_report", None)
        if not callable(report):
            raise ContentError(f"mocks/{settings.name} has no coverage_report() function")
        print(report(), end="")
        return 0
    create_app = getattr(module, "create_app", None)
    if not callable(create_app):
        raise ContentError(f"mocks/{settings.name} has no create_app(settings) function")
    app = create_app(settings)
    # Everything built so far (modules, seeded catalog) lives as long as the process: moving
    # it out of the collector's reach makes every full collection under load cheaper.
    gc.collect()
    gc.freeze()
    # A request allocates a few hundred objects; with the default 700 a young collection
    # ran every other request and promoted in-flight requests' objects to older generations.
    gc.set_threshold(20_000, 20, 20)
    sock = _bind(settings.host, settings.port)
    cert = getattr(args, "tls_cert", None)
    key = getattr(args, "tls_key", None)
    config = uvicorn.Config(app, access_log=False, log_config=None, lifespan="on",
                            log_level=logging.getLogger().level or logging.WARNING,
                            timeout_graceful_shutdown=5, ssl_certfile=cert,
                            ssl_keyfile=key or cert if cert else None)
    server = _Server(config)
    scheme = "https" if cert else "http"
    with asyncio.Runner(loop_factory=_loop_factory()) as runner, contextlib.closing(sock):
        started = runner.run(_serve(server, sock, settings.name, scheme))
    if not started:
        print(f"peakready: mock {settings.name} did not start (see the log above)",
              file=sys.stderr)
        return 3
    return 0
