"""Does the capacity model saturate where it says it will?

Drives an app wrapped by ``peakready.mockkit.capacity`` with an open-model client (Poisson
arrivals, httpx async, in-process ASGI so the client adds no sockets), stepping the offered
load below and above the model's reported ceiling. Prints, per step, throughput and p95 next
to the queueing prediction:

* below the ceiling: M/G/c via Erlang C with the Allen-Cunneen correction
  (E[Wq] ~ C(c, a) / (c*mu - lambda) * (1 + Cs^2) / 2), p95 of wait + lognormal service by
  Monte Carlo;
* above it: the fluid limit (the queue grows at lambda - c*mu, so a request arriving at time t
  waits about (lambda / (c*mu) - 1) * t; p95 over a step of length D ~ that at t = 0.95 D).

Headline ratio: throughput at saturation / reported ceiling (target 0.90 .. 1.10).

    .venv/bin/python benchmarks/capacity_model.py [--duration 5] [--workers 4] [--seed 1]

Against the Magento simulator as well when ``mocks/magento`` exposes ``create_app``.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from peakready.mockkit.capacity import CapacityConfig, CapacityModel, RouteCost

STEPS = (0.5, 0.8, 0.9, 1.1, 1.3)


@dataclass
class Step:
    factor: float
    offered_rps: float  # arrivals actually drawn / duration
    throughput_rps: float
    p50_ms: float
    p95_ms: float
    completed: int
    errors: int


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival waits in M/M/c with offered load a = lambda / mu."""
    rho = a / c
    if rho >= 1:
        return 1.0
    term, total = 1.0, 1.0
    for k in range(1, c):
        term *= a / k
        total += term
    top = term * a / c / (1 - rho)
    return top / (total + top)


def predict_p95_ms(c: int, lam: float, median_ms: float, sigma: float, duration_s: float,
                   rng: random.Random, samples: int = 100_000) -> tuple[float, str]:
    mean_s = median_ms / 1000 * math.exp(sigma**2 / 2)
    mu = 1 / mean_s
    services = sorted(median_ms * math.exp(sigma * rng.gauss(0, 1)) for _ in range(samples))
    if lam >= c * mu:
        p95_service = services[int(0.95 * samples)]
        fluid_wait_ms = (lam / (c * mu) - 1) * 0.95 * duration_s * 1000
        return p95_service + fluid_wait_ms, "fluid"
    cs2 = math.exp(sigma**2) - 1
    p_wait = erlang_c(c, lam / mu)
    mean_wait_if_waiting_ms = 1000 * (1 + cs2) / 2 / (c * mu - lam)
    totals = []
    for s in services:
        wait = rng.expovariate(1 / mean_wait_if_waiting_ms) if rng.random() < p_wait else 0.0
        totals.append(s + wait)
    totals.sort()
    return totals[int(0.95 * samples)], "M/G/c"


async def drive(client: httpx.AsyncClient, paths: Callable[[int], str], rate: float,
                duration_s: float, seed: int, warmup_s: float) -> Step:
    """Open model: arrivals do not wait for responses; latency counts from the intended start."""
    rng = random.Random(seed)
    loop = asyncio.get_running_loop()
    start = loop.time()
    latencies: list[float] = []
    completions: list[float] = []
    errors = 0
    tasks = []

    async def one(i: int, intended: float) -> None:
        nonlocal errors
        try:
            response = await client.get(paths(i))
            ok = response.status_code == 200
        except httpx.HTTPError:
            ok = False
        done = loop.time()
        if ok:
            latencies.append((done - intended) * 1000)
            completions.append(done - start)
        else:
            errors += 1

    t, i = 0.0, 0
    while True:
        t += rng.expovariate(rate)
        if t >= duration_s:
            break
        delay = start + t - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, start + t)))
        i += 1
    # Bounded: the backlog drains at the pool's rate; give it at most the step length again.
    await asyncio.wait(tasks, timeout=duration_s + 30)
    for task in tasks:
        task.cancel()
    window = [c for c in completions if warmup_s <= c <= duration_s]
    latencies.sort()
    pick = (lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]) \
        if latencies else (lambda q: float("nan"))
    return Step(0.0, i / duration_s, len(window) / (duration_s - warmup_s), pick(0.5), pick(0.95),
                len(latencies), errors)


def bare_app(workers: int, route: RouteCost, seed: int) -> CapacityModel:
    async def item(request: Request) -> JSONResponse:
        return JSONResponse({"sku": request.path_params["sku"], "price": 9.99})

    app = Starlette(routes=[Route("/rest/V1/products/{sku}", item)])
    return CapacityModel(app, CapacityConfig(workers=workers, seed=seed, routes=(route,),
                                             timing_headers=False))


def simulator_app() -> tuple[Any, dict[str, str]] | None:
    try:
        from peakready.content import load_content_module
        from peakready.mockkit.settings import MockSettings
        module = load_content_module("mocks", "magento")
        create_app = module.create_app
    except Exception as exc:  # the simulator is optional here
        print(f"(simulator skipped: {exc!r})")
        return None
    app = create_app(MockSettings(name="magento", options={"capacity_model": "on",
                                                           "profile": "tiny"}))
    import os
    token = os.environ.get("PEAKREADY_SIM_TOKEN") or "peakready-simulator-admin-token"
    return app, {"Authorization": f"Bearer {token}"}


async def run_target(name: str, app: Any, headers: dict[str, str], mix_route: str,
                     paths: Callable[[int], str], duration_s: float, seed: int) -> float | None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b",
                                 headers=headers, timeout=60) as client:
        reported = (await client.get(f"/__admin/capacity?mix={mix_route}=1")).json() \
            if not isinstance(app, CapacityModel) else app.report({mix_route: 1})
        if not reported.get("enabled"):
            print(f"{name}: capacity model is off; skipped")
            return None
        ceiling = reported["ceiling"]["requests_per_second"]
        workers = reported["workers"]
        route = next(r for r in reported["routes"] if r["name"] == mix_route)
        print(f"\n== {name}: {workers} workers, route {mix_route} median {route['median_ms']} ms "
              f"sigma {route['sigma']}, reported ceiling {ceiling:.1f} req/s")
        print(f"{'offered':>9} {'x ceil':>7} {'thru/s':>8} {'thru/ceil':>9} {'p50 ms':>8} "
              f"{'p95 ms':>8} {'pred p95':>9} {'model':>6} {'errors':>6}")
        rng = random.Random(seed)
        saturated = []
        for k, factor in enumerate(STEPS):
            rate = factor * ceiling
            step = await drive(client, paths, rate, duration_s, seed + k, warmup_s=duration_s / 5)
            # Predict for the arrivals actually drawn: near the ceiling a 3 % Poisson excess
            # changes the fluid wait by a third.
            predicted, model = predict_p95_ms(workers, step.offered_rps, route["median_ms"],
                                              route["sigma"], duration_s, rng)
            ratio = step.throughput_rps / ceiling
            if factor > 1:
                saturated.append(ratio)
            print(f"{step.offered_rps:9.1f} {factor:7.2f} {step.throughput_rps:8.1f} {ratio:9.3f} "
                  f"{step.p50_ms:8.1f} {step.p95_ms:8.1f} {predicted:9.1f} {model:>6} "
                  f"{step.errors:6d}")
        ratio = statistics.fmean(saturated)
        verdict = "within" if 0.9 <= ratio <= 1.1 else "OUTSIDE"
        print(f"{name}: throughput at saturation / reported ceiling = {ratio:.3f} "
              f"({verdict} the ±10 % target)")
        return ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per load step")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--median-ms", type=float, default=20.0)
    parser.add_argument("--sigma", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-simulator", action="store_true")
    args = parser.parse_args()

    route = RouteCost("product_get", "GET", "**/V1/products/{sku}", args.median_ms, args.sigma)
    started = time.perf_counter()
    asyncio.run(run_target("bare starlette", bare_app(args.workers, route, args.seed), {},
                           "product_get", lambda i: f"/rest/V1/products/SKU-{i % 500}",
                           args.duration, args.seed))
    if not args.no_simulator:
        sim = simulator_app()
        if sim is not None:
            app, headers = sim
            asyncio.run(run_target("magento simulator", app, headers, "product_get",
                                   lambda i: f"/rest/V1/products/PR-{1 + i % 40:06d}",
                                   args.duration, args.seed))
    print(f"\n(total {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
