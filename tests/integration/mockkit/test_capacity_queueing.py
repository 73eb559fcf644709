"""The capacity model in front of a real Starlette app, driven in-process (httpx.ASGITransport).

Timing assertions have a firm lower bound (a queued request cannot start before a worker is
free) and a generous upper bound, because the machine is shared.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from peakready.mockkit.capacity import CapacityConfig, CapacityModel, RouteCost

SERVICE_MS = 200.0


def run_async(test: Callable[[], Coroutine[Any, Any, None]]) -> Callable[[], None]:
    """Run an async test body on a fresh event loop (no asyncio pytest plugin needed)."""
    @functools.wraps(test)
    def wrapper() -> None:
        asyncio.run(test())
    return wrapper


def _app(hits: list[str]) -> Starlette:
    async def work(request: Request) -> JSONResponse:
        hits.append(request.url.path)
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/work/{n}", work), Route("/__admin/ping", work)])


def _model(hits: list[str], *, workers: int, queue_limit: int | None = None, sigma: float = 0.0,
           seed: int = 0, service_ms: float = SERVICE_MS) -> CapacityModel:
    route = RouteCost("work", "GET", "/work/{n}", median_ms=service_ms, sigma=sigma)
    config = CapacityConfig(workers=workers, queue_limit=queue_limit, seed=seed, routes=(route,))
    return CapacityModel(_app(hits), config)


def _client(model: CapacityModel) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=model), base_url="http://sim")


async def _timed_get(client: httpx.AsyncClient, path: str) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = await client.get(path)
    return response, time.perf_counter() - started


@run_async
async def test_two_workers_four_requests_two_wait_one_service_time() -> None:
    hits: list[str] = []
    model = _model(hits, workers=2)
    async with _client(model) as client:
        started = time.perf_counter()
        results = await asyncio.gather(*(_timed_get(client, f"/work/{i}") for i in range(4)))
        elapsed = time.perf_counter() - started
    waits = sorted(float(r.headers["x-peakready-wait-ms"]) for r, _ in results)
    assert all(r.status_code == 200 for r, _ in results)
    assert len(hits) == 4  # the real handler ran for every request
    assert waits[0] < 50 and waits[1] < 50
    for wait in waits[2:]:
        assert SERVICE_MS * 0.95 <= wait <= SERVICE_MS * 2.5
    # Two rounds of one service time each.
    assert 2 * SERVICE_MS / 1000 * 0.95 <= elapsed <= 2 * SERVICE_MS / 1000 * 3
    report = model.report()["state"]
    assert report["served"] == 4 and report["busy"] == 0 and report["queued"] == 0
    assert report["peak_queue"] == 2
    assert report["wait_ms_max"] == pytest.approx(waits[-1], abs=1.0)
    assert report["busy_worker_seconds"] >= 4 * SERVICE_MS / 1000 * 0.95
    recent = report["recent_wait_ms"]
    assert recent["count"] == 4 and recent["p50"] >= SERVICE_MS * 0.95  # 2 of 4 waited


@run_async
async def test_response_is_held_for_the_service_time() -> None:
    hits: list[str] = []
    model = _model(hits, workers=1)
    async with _client(model) as client:
        response, took = await _timed_get(client, "/work/1")
    assert response.status_code == 200 and response.json() == {"ok": True}
    assert float(response.headers["x-peakready-service-ms"]) == pytest.approx(SERVICE_MS)
    assert took >= SERVICE_MS / 1000 * 0.95


@run_async
async def test_queue_limit_rejects_with_503_beyond_the_backlog() -> None:
    hits: list[str] = []
    model = _model(hits, workers=1, queue_limit=1)
    async with _client(model) as client:
        responses = await asyncio.gather(*(client.get(f"/work/{i}") for i in range(4)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 200, 503, 503]  # one in service, one queued, two turned away
    rejected = next(r for r in responses if r.status_code == 503)
    assert rejected.headers["retry-after"] == "1" and "backlog" in rejected.json()["message"]
    assert len(hits) == 2  # a rejected request never reaches the app
    state = model.report()["state"]
    assert state["rejected"] == 2 and state["served"] == 2


@run_async
async def test_queue_limit_zero_means_no_queue() -> None:
    model = _model([], workers=2, queue_limit=0)
    async with _client(model) as client:
        responses = await asyncio.gather(*(client.get(f"/work/{i}") for i in range(3)))
    assert sorted(r.status_code for r in responses) == [200, 200, 503]


@run_async
async def test_seeded_service_times_reproduce_across_models() -> None:
    async def run(seed: int) -> list[str]:
        model = _model([], workers=4, sigma=0.8, seed=seed, service_ms=5.0)
        async with _client(model) as client:
            out = []
            for i in range(5):
                response = await client.get(f"/work/{i}")
                out.append(response.headers["x-peakready-service-ms"])
            return out

    first, again, other = await run(3), await run(3), await run(4)
    assert first == again
    assert first != other


@run_async
async def test_admin_routes_bypass_the_pool_and_see_live_accounting() -> None:
    hits: list[str] = []
    model = _model(hits, workers=1)
    async with _client(model) as client:
        busy = [asyncio.create_task(client.get(f"/work/{i}")) for i in range(3)]
        await asyncio.sleep(0.05)
        state = model.report()["state"]
        assert (state["busy"], state["queued"]) == (1, 2)
        admin, took = await _timed_get(client, "/__admin/ping")
        assert admin.status_code == 200 and took < SERVICE_MS / 1000
        assert "x-peakready-wait-ms" not in admin.headers
        await asyncio.gather(*busy)
    assert model.report()["state"]["served"] == 3  # admin calls are not counted


@run_async
async def test_cancelled_client_frees_its_worker() -> None:
    model = _model([], workers=1)
    async with _client(model) as client:
        first = asyncio.create_task(client.get("/work/1"))
        queued = asyncio.create_task(client.get("/work/2"))
        await asyncio.sleep(0.05)
        first.cancel()
        queued_response = await asyncio.wait_for(queued, timeout=2)
        assert queued_response.status_code == 200
        with pytest.raises(asyncio.CancelledError):
            await first
    state = model.report()["state"]
    assert state["busy"] == 0 and state["queued"] == 0
