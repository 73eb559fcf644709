"""Shared pieces of the mock benchmarks (a helper module, not a script).

* a bare ASGI app (the baseline: same server, same loop, no framework, no mock);
* starting a server process pinned to one core and reading its ready line;
* a raw keep-alive HTTP/1.1 load client (asyncio + uvloop) pinned to another core, closed
  model (N connections back to back) or open model (a fixed arrival rate).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
SERVER_CORE, CLIENT_CORE = 0, 1

BARE_SERVER = """
import asyncio, socket, sys, uvicorn, uvloop
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    body = b'{"ok":true,"sku":"A","qty":10}'
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
sock = socket.socket(); sock.bind(("127.0.0.1", 0)); sock.listen(2048)
config = uvicorn.Config(app, access_log=False, log_config=None, lifespan="off")
server = uvicorn.Server(config)
async def main():
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    print("bare: listening on http://127.0.0.1:%d" % sock.getsockname()[1], flush=True)
    await task
with asyncio.Runner(loop_factory=uvloop.new_event_loop) as r:
    r.run(main())
"""


def pin(core: int) -> None:
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, {core % (os.cpu_count() or 1)})


def start_server(cmd: list[str], core: int = SERVER_CORE) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, text=True,
                            preexec_fn=lambda: pin(core))
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "listening on " not in line:
        proc.kill()
        raise SystemExit(f"server did not start: {cmd} -> {line!r}")
    return proc, line.strip().rsplit(" ", 1)[1]


def start_bare() -> tuple[subprocess.Popen[str], str]:
    return start_server([PYTHON, "-c", BARE_SERVER])


def start_mock(name: str, *args: str) -> tuple[subprocess.Popen[str], str]:
    return start_server([PYTHON, "-m", "peakready.cli", "mock", name, "--port", "0",
                         "--mocks-dir", str(REPO / "mocks"), *args])


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


# -- load client ----------------------------------------------------------------------------

RequestMaker = Callable[[int], bytes]


def get_request(path_of: Callable[[int], str]) -> RequestMaker:
    return lambda n: f"GET {path_of(n)} HTTP/1.1\r\nHost: bench\r\n\r\n".encode()


def post_json(path: str, body_of: Callable[[int], bytes],
              headers_of: Callable[[int], str] = lambda n: "") -> RequestMaker:
    def make(n: int) -> bytes:
        body = body_of(n)
        return (f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n{headers_of(n)}\r\n").encode() + body
    return make


async def _one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
               request: bytes) -> int:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return status


async def _closed(url: str, make: RequestMaker, duration: float, connections: int,
                  offset: int = 0) -> tuple[int, Counter[int], float]:
    host, port = url.split("//", 1)[1].split(":")
    counter = iter(range(offset, offset + 10**9))
    statuses: Counter[int] = Counter()
    deadline = time.perf_counter() + duration

    async def conn() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while time.perf_counter() < deadline:
                statuses[await _one(reader, writer, make(next(counter)))] += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(conn() for _ in range(connections)))
    return sum(statuses.values()), statuses, time.perf_counter() - started


async def _open(url: str, make: RequestMaker, rate: float, duration: float,
                connections: int) -> tuple[int, Counter[int], float]:
    """Arrivals at ``rate``/s spread over ``connections`` (each sends its share on a fixed
    schedule, catching up if it falls behind: an open model bounded by the pool)."""
    host, port = url.split("//", 1)[1].split(":")
    statuses: Counter[int] = Counter()
    per_conn = rate / connections
    total = int(rate * duration)
    start = time.perf_counter() + 0.2

    async def conn(index: int) -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            for k in range(index, total, connections):
                due = start + (k // connections) / per_conn
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                try:
                    statuses[await _one(reader, writer, make(k))] += 1
                except (ConnectionError, asyncio.IncompleteReadError):
                    statuses[0] += 1
                    return
        finally:
            writer.close()

    await asyncio.gather(*(conn(i) for i in range(connections)))
    return sum(statuses.values()), statuses, time.perf_counter() - start


def _client_main(queue: Any, kind: str, args: tuple[Any, ...]) -> None:
    pin(CLIENT_CORE)
    import uvloop

    coro = _closed(*args) if kind == "closed" else _open(*args)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        done, statuses, elapsed = runner.run(coro)
    queue.put((done, dict(statuses), elapsed))


def run_client(kind: str, *args: Any) -> tuple[int, dict[int, int], float]:
    """Run the load client in its own process on the client core (pickled makers must be
    module-level; we use fork so closures work)."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_client_main, args=(queue, kind, args))
    proc.start()
    result = queue.get(timeout=600)
    proc.join(timeout=30)
    return result  # type: ignore[no-any-return]


def server_cpu(pid: int) -> float:
    """User + system CPU seconds the server process has used so far."""
    import psutil

    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def closed_load(url: str, make: RequestMaker, duration: float = 5.0,
                connections: int = 32, offset: int = 0, server_pid: int | None = None
                ) -> tuple[float, dict[int, int], float]:
    """Returns (requests/s, statuses, server CPU microseconds per request or 0)."""
    cpu_before = server_cpu(server_pid) if server_pid else 0.0
    done, statuses, elapsed = run_client("closed", url, make, duration, connections, offset)
    cpu = (server_cpu(server_pid) - cpu_before) / max(done, 1) * 1e6 if server_pid else 0.0
    return done / elapsed, statuses, cpu


def open_load(url: str, make: RequestMaker, rate: float, duration: float,
              connections: int = 64) -> tuple[int, dict[int, int], float]:
    return run_client("open", url, make, rate, duration, connections)

