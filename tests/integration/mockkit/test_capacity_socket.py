"""The capacity model behind uvicorn on a real loopback socket (port 0)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from peakready.mockkit.capacity import CapacityConfig, CapacityModel, RouteCost

SERVICE_MS = 150.0


async def _admin(request: Request) -> JSONResponse:
    model: CapacityModel = request.app.state.model
    return JSONResponse(model.report({"work": 1}))


async def _work(request: Request) -> JSONResponse:
    return JSONResponse({"n": request.path_params["n"]})


@pytest.fixture()
def served() -> Iterator[tuple[CapacityModel, str]]:
    app = Starlette(routes=[Route("/work/{n}", _work), Route("/__admin/capacity", _admin)])
    route = RouteCost("work", "GET", "/work/{n}", median_ms=SERVICE_MS, sigma=0.0)
    model = CapacityModel(app, CapacityConfig(workers=1, queue_limit=2, routes=(route,)))
    app.state.model = model
    server = uvicorn.Server(uvicorn.Config(model, host="127.0.0.1", port=0, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not (server.started and server.servers):
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield model, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_one_worker_serialises_and_the_backlog_overflows(served: tuple[CapacityModel, str]
                                                          ) -> None:
    model, url = served

    async def scenario() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            tasks = []
            for i in range(4):
                tasks.append(asyncio.create_task(client.get(f"/work/{i}")))
                await asyncio.sleep(0.02)  # arrive in order
            return await asyncio.gather(*tasks)

    responses = asyncio.run(scenario())
    statuses = [r.status_code for r in responses]
    assert statuses == [200, 200, 200, 503]  # 1 in service + 2 queued; the 4th is refused
    waits = [float(r.headers["x-peakready-wait-ms"]) for r in responses[:3]]
    # Arrivals 20 ms apart behind a 150 ms worker: waits ~0, ~130, ~260 ms.
    assert waits[0] < 30
    assert SERVICE_MS - 40 <= waits[1] <= SERVICE_MS * 2
    assert 2 * SERVICE_MS - 60 <= waits[2] <= SERVICE_MS * 4
    report = httpx.get(f"{url}/__admin/capacity", timeout=5).json()
    assert report["state"]["served"] == 3 and report["state"]["rejected"] == 1
    assert report["ceiling"]["requests_per_second"] == pytest.approx(1000 / SERVICE_MS)
    assert model.busy == 0
