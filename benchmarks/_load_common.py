"""Shared helpers of the load benchmarks (benchmarks/load_*.py): a bare target, Locust runs.

* ``python benchmarks/_load_common.py serve`` runs the bare ASGI target: it answers the guest
  checkout sequence, CRM edits and everything else with tiny valid JSON, as cheaply as an ASGI
  server can (uvicorn, no framework), so the generator is what a benchmark measures.
* ``python benchmarks/_load_common.py serve-raw`` answers the same on a bare asyncio protocol
  (uvloop, canned responses, no HTTP framework at all): the cheap target of the scale figure,
  where the target shares the cores with the generators and every µs it spends is theirs.
* ``start_server`` starts a server command pinned to one CPU and waits for its URL line.
* ``run_plan`` runs a plan through ``prepare_locust`` exactly as the orchestrator does (master,
  workers), pinned to the given CPUs, and returns the run folder's files.
* ``run_locustfile`` runs a plain locustfile headless (the bare-Locust baselines).
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

_JSON = [(b"content-type", b"application/json; charset=utf-8")]


def _answer(path: str) -> bytes:
    if path.endswith("/guest-carts"):
        return b'"0123456789abcdef0123456789abcdef"'
    if path.endswith("/items"):
        return b'{"item_id":1,"sku":"X","qty":1,"quote_id":"1"}'
    if path.endswith("/estimate-shipping-methods"):
        return b'[{"carrier_code":"flatrate","method_code":"flatrate","available":true}]'
    if path.endswith("/shipping-information"):
        return b'{"payment_methods":[{"code":"checkmo","title":"Check"}],"totals":{}}'
    if path.endswith("/payment-information"):
        return b"42"
    return b'{"ok":true}'


async def bare_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    while True:  # drain the request body
        message = await receive()
        if not message.get("more_body"):
            break
    body = _answer(scope["path"])
    await send({"type": "http.response.start", "status": 200,
                "headers": [*_JSON, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def serve() -> None:
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    print(f"listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(bare_app, access_log=False, log_config=None, lifespan="off",
                            backlog=2048)
    uvicorn.Server(config).run(sockets=[sock])


def _canned(body: bytes) -> bytes:
    return (b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
            + str(len(body)).encode() + b"\r\n\r\n" + body)


class _RawTarget(asyncio.Protocol):
    """Keep-alive HTTP/1.1 with Content-Length bodies: all the load generators send."""

    def __init__(self) -> None:
        self.buffer = b""
        self.transport: Any = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # uvloop's TCPTransport: not an asyncio.Transport subclass

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data
        while (end := buffer.find(b"\r\n\r\n")) >= 0:
            head = buffer[:end].lower()
            at = head.find(b"content-length:")
            stop = head.find(b"\r\n", at)
            length = int(head[at + 15:stop if stop >= 0 else end]) if at >= 0 else 0
            if len(buffer) < end + 4 + length:
                break
            path = head.split(b" ", 2)[1].split(b"?", 1)[0].decode("latin-1")
            buffer = buffer[end + 4 + length:]
            self.transport.write(_RAW.get(path.rsplit("/", 1)[-1], _RAW[""]))
        self.buffer = buffer


_RAW = {tail: _canned(_answer("/" + tail)) for tail in
        ("guest-carts", "items", "estimate-shipping-methods", "shipping-information",
         "payment-information", "")}


def serve_raw() -> None:
    import uvloop

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(
            _RawTarget, "127.0.0.1", 0, backlog=2048)
        print(f"listening on http://127.0.0.1:{server.sockets[0].getsockname()[1]}",
              flush=True)
        await server.serve_forever()

    uvloop.run(main())


def pin(cpus: set[int] | None) -> Callable[[], None] | None:
    if not cpus:
        return None
    usable = cpus & os.sched_getaffinity(0)
    return (lambda: os.sched_setaffinity(0, usable)) if usable else None


def start_server(cmd: list[str], cpus: set[int] | None = None,
                 marker: str = "listening on ") -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                            preexec_fn=pin(cpus))
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if marker in line:
            return proc, line.strip().rsplit(" ", 1)[1]
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise SystemExit(f"server did not start: {cmd}")


def bare_server(cpus: set[int] | None = None, *,
                raw: bool = False) -> tuple[subprocess.Popen[str], str]:
    return start_server([sys.executable, str(Path(__file__)), "serve-raw" if raw else "serve"],
                        cpus)


def stop(procs: Iterable[subprocess.Popen[Any]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


class RunFiles:
    def __init__(self, run_dir: Path, master_cpu_s: float = 0.0, wall_s: float = 0.0) -> None:
        self.run_dir = run_dir
        self.master_cpu_s = master_cpu_s
        self.wall_s = wall_s
        #: (epoch seconds, CPU seconds of the master process so far)
        self.cpu_samples: list[tuple[float, float]] = []

    def lines(self, name: str) -> list[dict[str, Any]]:
        path = self.run_dir / name
        if not path.exists():
            return []
        return [json.loads(x) for x in path.read_text("utf-8").splitlines() if x.strip()]

    def t0(self) -> float:
        return float(next(x for x in self.lines("control.jsonl")
                          if x["event"] == "test_start")["wall"])


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def run_plan(plan_data: dict[str, Any], run_dir: Path, magento_url: str, *, workers: int = 0,
             cpus: set[int] | None = None, crm_url: str | None = None,
             during: Callable[[RunFiles], None] | None = None) -> RunFiles:
    from peakready.config import parse_plan
    from peakready.scenario.launch import LoadTargets, prepare_locust

    plan = parse_plan(plan_data)
    launch = prepare_locust(plan, run_dir, LoadTargets(magento_url=magento_url, crm_url=crm_url),
                            workers=workers, scenarios_dir=REPO / "scenarios",
                            fixtures_dir=REPO / "fixtures", preflight=False)
    env = {**os.environ, **launch.env}
    logs = [(run_dir / "master.log").open("wb")]
    procs = [subprocess.Popen(launch.master_argv, env=env, stdout=logs[0],
                              stderr=subprocess.STDOUT, preexec_fn=pin(cpus))]
    for index in range(workers):
        logs.append((run_dir / f"worker{index}.log").open("wb"))
        procs.append(subprocess.Popen(launch.worker_argv, env=env, stdout=logs[-1],
                                      stderr=subprocess.STDOUT, preexec_fn=pin(cpus)))
    files = RunFiles(run_dir)
    started = time.monotonic()
    cpu = 0.0
    try:
        if during is not None:
            during(files)
        while procs[0].poll() is None and time.monotonic() - started < plan.load.duration + 120:
            cpu = max(cpu, _cpu_seconds(procs[0].pid))
            files.cpu_samples.append((time.time(), cpu))
            time.sleep(0.2)
    finally:
        stop(procs)
        for log in logs:
            log.close()
    files.master_cpu_s = cpu
    files.wall_s = time.monotonic() - started
    return files


def run_locustfile(text: str, host: str, run_dir: Path, *, users: int, seconds: int,
                   cpus: set[int] | None = None) -> tuple[Path, list[tuple[float, float]]]:
    """Run a plain locustfile headless; returns its CSV prefix and (time, CPU s) samples."""
    run_dir.mkdir(parents=True, exist_ok=True)
    locustfile = run_dir / "bare_locustfile.py"
    locustfile.write_text(text, "utf-8")
    with (run_dir / "bare.log").open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "-u",
             str(users), "-r", str(users), "-t", f"{seconds}s", "--host", host, "--csv",
             str(run_dir / "bare"), "--exit-code-on-error", "0"],
            stdout=log, stderr=subprocess.STDOUT, preexec_fn=pin(cpus))
        samples: list[tuple[float, float]] = []
        deadline = time.monotonic() + seconds + 120
        while proc.poll() is None and time.monotonic() < deadline:
            samples.append((time.time(), _cpu_seconds(proc.pid)))
            time.sleep(0.2)
        stop([proc])
    return run_dir / "bare", samples


def _history(prefix: Path) -> list[tuple[float, float]]:
    rows = []
    with open(f"{prefix}_stats_history.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == "Aggregated":
                rows.append((float(row["Timestamp"]), float(row["Total Request Count"])))
    return rows


def _window(rows: list[tuple[float, float]], skip_first: float,
            skip_last: float) -> list[tuple[float, float]]:
    if len(rows) < 3:
        return []
    start, end = rows[0][0] + skip_first, rows[-1][0] - skip_last
    return [r for r in rows if start <= r[0] <= end]


def history_rate(prefix: Path, skip_first: float = 2.0, skip_last: float = 1.0) -> float:
    """Requests/s over the steady middle of a run, from Locust's own stats history CSV."""
    window = _window(_history(prefix), skip_first, skip_last)
    if len(window) < 2:
        return 0.0
    return (window[-1][1] - window[0][1]) / (window[-1][0] - window[0][0])


def cpu_per_request_us(prefix: Path, cpu_samples: list[tuple[float, float]],
                       skip_first: float = 2.0, skip_last: float = 1.0) -> float:
    """CPU µs of the Locust process per request over the same steady window."""
    window = _window(_history(prefix), skip_first, skip_last)
    if len(window) < 2 or not cpu_samples:
        return 0.0

    def cpu_at(t: float) -> float:
        return min(cpu_samples, key=lambda s: abs(s[0] - t))[1]

    requests = window[-1][1] - window[0][1]
    cpu = cpu_at(window[-1][0]) - cpu_at(window[0][0])
    return cpu / requests * 1e6 if requests else 0.0


def stats_row(prefix: Path, name: str = "Aggregated") -> dict[str, str]:
    with open(f"{prefix}_stats.csv", newline="") as handle:
        return next(r for r in csv.DictReader(handle) if r["Name"] == name)


if __name__ == "__main__" and sys.argv[1:] == ["serve"]:
    serve()
if __name__ == "__main__" and sys.argv[1:] == ["serve-raw"]:
    serve_raw()
