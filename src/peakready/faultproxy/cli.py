"""``peakready proxy``: the equivalent of ``toxiproxy-server`` (loopback by default).

Prints exactly one line to stdout when the API is ready (orchestrator and benchmarks parse
it): ``peakready proxy: API listening on http://HOST:PORT``. SIGINT/SIGTERM stop it cleanly:
every connection is dropped and the exit code is 0.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

from peakready.faultproxy.server import FaultProxyServer

__all__ = ["READY_PREFIX", "serve"]

log = logging.getLogger("peakready.faultproxy.cli")

READY_PREFIX = "peakready proxy: API listening on "


async def _main(args: argparse.Namespace) -> int:
    server = FaultProxyServer(args.host, args.port, seed=args.seed,
                              metrics=not getattr(args, "no_metrics", False),
                              allow_hosts=args.allow_host)
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        if args.config:
            await server.load_config(args.config)
        print(READY_PREFIX + server.url, flush=True)
        await stop.wait()
    finally:
        await server.stop()
    return 0


def _runner() -> tuple[type[asyncio.AbstractEventLoop] | None, str]:
    try:
        import uvloop
    except ImportError:
        return None, "asyncio"
    return uvloop.Loop, "uvloop"


def serve(args: argparse.Namespace) -> int:
    loop_class, name = _runner()
    log.debug("event loop: %s", name)
    if loop_class is None:
        return asyncio.run(_main(args))
    with asyncio.Runner(loop_factory=loop_class) as runner:
        return runner.run(_main(args))


if __name__ == "__main__":  # pragma: no cover
    from peakready.cli import main

    sys.exit(main(["proxy", *sys.argv[1:]]))
