"""A small in-process Magento stand-in that records what the seeder sends."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

TOKEN = "s3cr3t-token-value-for-tests"


@dataclass
class FakeStore:
    token: str = TOKEN
    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    source_items: dict[str, dict[str, Any]] = field(default_factory=dict)
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    categories: dict[int, dict[str, Any]] = field(default_factory=dict)   # id → category
    calls: Counter[str] = field(default_factory=Counter)
    # Scripted failures: key "METHOD path" → list of (status, body, headers) served first.
    script: dict[str, list[tuple[int, Any, dict[str, str]]]] = field(default_factory=dict)
    in_flight: int = 0
    max_in_flight: int = 0
    delay_s: float = 0.0
    auth_headers: set[str] = field(default_factory=set)

    def app(self) -> Starlette:
        async def handle(request: Request) -> JSONResponse:
            key = f"{request.method} {request.url.path}"
            self.calls[key] += 1
            self.auth_headers.add(request.headers.get("authorization", ""))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                if self.delay_s:
                    await asyncio.sleep(self.delay_s)
                if request.headers.get("authorization") != f"Bearer {self.token}":
                    return JSONResponse({"message": "The consumer isn't authorized to access "
                                                    "%resources."}, status_code=401)
                scripted = self.script.get(key)
                if scripted:
                    status, body, headers = scripted.pop(0)
                    return JSONResponse(body, status_code=status, headers=headers)
                return await self._route(request)
            finally:
                self.in_flight -= 1

        return Starlette(routes=[Route("/{path:path}", handle,
                                       methods=["GET", "POST", "PUT", "DELETE"])])

    async def _route(self, request: Request) -> JSONResponse:
        path = request.url.path
        if request.method == "GET" and path == "/rest/all/V1/products":
            prefix = "searchCriteria[filter_groups][0][filters][0]"
            wanted = request.query_params.get(f"{prefix}[value]", "").split(",")
            items = [self.products[s] for s in wanted if s in self.products]
            return JSONResponse({"items": items, "search_criteria": {},
                                 "total_count": len(items)})
        if request.method == "PUT" and path.startswith("/rest/all/V1/products/"):
            product = (await request.json())["product"]
            self.products[product["sku"]] = product
            return JSONResponse({**product, "id": len(self.products)})
        if request.method == "POST" and path == "/rest/all/V1/inventory/source-items":
            for item in (await request.json())["sourceItems"]:
                self.source_items[item["sku"]] = item
            return JSONResponse([])
        if request.method == "GET" and path == "/rest/all/V1/store/storeGroups":
            return JSONResponse([{"id": 0, "root_category_id": 0, "code": "default"},
                                 {"id": 1, "root_category_id": 2, "code": "main_website_store"}])
        if request.method == "GET" and path == "/rest/all/V1/categories/list":
            query = request.query_params
            wanted = {query.get(f"searchCriteria[filter_groups][{g}][filters][0][field]"):
                      query.get(f"searchCriteria[filter_groups][{g}][filters][0][value]")
                      for g in (0, 1)}
            items = [c for c in self.categories.values()
                     if all(str(c.get(k)) == v for k, v in wanted.items() if k)]
            return JSONResponse({"items": items, "search_criteria": {},
                                 "total_count": len(items)})
        if request.method == "POST" and path == "/rest/all/V1/categories":
            category = (await request.json())["category"]
            new = {**category, "id": 3 + len(self.categories)}
            self.categories[new["id"]] = new
            return JSONResponse(new)
        if request.method == "POST" and path == "/rest/V1/customers":
            body = await request.json()
            email = body["customer"]["email"]
            if email in self.customers:
                return JSONResponse({"message": "A customer with the same email address already "
                                                "exists in an associated website."},
                                    status_code=400)
            self.customers[email] = body
            return JSONResponse({**body["customer"], "id": len(self.customers)})
        return JSONResponse({"message": "Request does not match any route."}, status_code=404)

    def transport(self) -> httpx.ASGITransport:
        return httpx.ASGITransport(app=self.app())


@pytest.fixture()
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture()
def live_store(store: FakeStore) -> Iterator[tuple[FakeStore, str]]:
    """The stand-in served by uvicorn on a real loopback socket (port 0), in a thread."""
    config = uvicorn.Config(store.app(), host="127.0.0.1", port=0, log_level="warning",
                            lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not (server.started and server.servers):
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("stand-in store did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield store, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
