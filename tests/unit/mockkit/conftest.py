"""Shared helpers for mockkit and mock tests: build apps in-process, load mocks by path."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response

from peakready.content import load_content_module
from peakready.mockkit import MockKit, MockSettings, Operation, json_response

MOCKS_DIR = Path(__file__).resolve().parents[3] / "mocks"


def load_mock(name: str) -> ModuleType:
    return load_content_module("mocks", name, MOCKS_DIR)


def echo_kit(tmp_path: Path, seed: int = 0) -> MockKit:
    """A kit with two tiny routes: GET /api/items/{sku} and POST /api/things."""
    kit = MockKit(MockSettings("echo", seed=seed, data_dir=tmp_path), title="echo",
                  evidence_kinds={"things": "event"})

    async def item(request: Request) -> Response:
        return json_response({"sku": request.path_params["sku"], "body": "x" * 200})

    async def thing(request: Request) -> Response:
        kit.evidence.append("things", {"body": (await request.body()).decode()})
        return json_response({"ok": True}, 201)

    kit.add(Operation("GET", "/api/items/{sku}", item, "an item"),
            Operation("POST", "/api/things", thing, "a thing"))
    return kit


class Client:
    """A synchronous face on ``httpx.AsyncClient(transport=ASGITransport(app))``: tests read
    top to bottom, and the app runs on one private event loop (no lifespan: unit rung)."""

    def __init__(self, app: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                        base_url="http://mock")

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.loop.run_until_complete(self.client.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()


@pytest.fixture
def make_client() -> Iterator[Callable[[Any], Client]]:
    clients: list[Client] = []

    def make(app: Any) -> Client:
        client = Client(app)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


MakeClient = Callable[[Any], Client]


@pytest.fixture
def kit_factory(tmp_path: Path) -> Callable[..., MockKit]:
    """``kit_factory(seed=0)`` → the echo kit (GET /api/items/{sku}, POST /api/things)."""
    return lambda seed=0: echo_kit(tmp_path, seed)


@pytest.fixture
def mock_module() -> Callable[[str], ModuleType]:
    """``mock_module("erp")`` → mocks/erp.py loaded by path."""
    return load_mock


class Clock:
    """A settable clock for the mocks' ``clock`` option."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def erp(make_client: MakeClient, tmp_path: Path, clock: Clock) -> Callable[..., Client]:
    """``erp(**options)`` → a client on mocks/erp.py with a small stock (A 100, B 5, C 7), the
    ``clock`` fixture, no movements and fulfilment after 1/2/3 s; options override."""
    def make(**options: Any) -> Client:
        opts = {"stock": {"A": 100, "B": 5, "C": 7}, "clock": clock,
                "movements_per_second": 0, "pick_after": 1, "ship_after": 2,
                "invoice_after": 3, **options}
        settings = MockSettings("erp", seed=1, data_dir=tmp_path / "erp", options=opts)
        return make_client(load_mock("erp").create_app(settings))
    return make
