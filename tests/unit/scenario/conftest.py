"""The scenario tests' in-process rung: the Magento simulator as an ASGI app behind a
synchronous test client, so the journeys (plain functions) run against it unchanged."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

with warnings.catch_warnings():  # starlette 1.x nudges towards httpx2; httpx is what we have
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from peakready.content import load_content_module
from peakready.mockkit.settings import MockSettings
from peakready.scenario.catalogue import load_catalogue
from peakready.scenario.client import Reply
from peakready.scenario.journeys import JourneyContext

REPO = Path(__file__).resolve().parents[3]
ADMIN_TOKEN = "peakready-simulator-admin-token"
PROFILE = "tiny"


class ClientTransport:
    """The journeys' Transport over a starlette TestClient (names are recorded for asserts)."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.names: list[str] = []
        self.bodies: list[Any] = []

    def request(self, method: str, path: str, *, name: str, json: Any = None,
                headers: Mapping[str, str] | None = None, data: bytes | None = None
                ) -> Reply:
        self.names.append(f"{method} {name}")
        self.bodies.append(json if data is None else data)
        answer = self.client.request(method, path, json=json, content=data,
                                     headers=dict(headers or {}), follow_redirects=False)
        return Reply(answer.status_code, answer.content)


def simulator(tmp_path: Path, **options: Any) -> Any:
    module = load_content_module("mocks", "magento", REPO / "mocks")
    return module.create_app(MockSettings(name="magento", data_dir=tmp_path, seed=0,
                                          options={"profile": PROFILE, "integration": "none",
                                                   **options}))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(simulator(tmp_path), base_url="http://magento.test") as client:
        yield client


@pytest.fixture
def transport(store: TestClient) -> ClientTransport:
    return ClientTransport(store)


@pytest.fixture
def ctx(transport: ClientTransport) -> JourneyContext:
    return JourneyContext(magento=transport, catalogue=load_catalogue(PROFILE, 0), seed=0,
                          admin_token=ADMIN_TOKEN)


@pytest.fixture
def admin(store: TestClient) -> Any:
    """GET an admin REST path of the simulator (the witness), asserting 200."""
    def get(path: str) -> Any:
        answer = store.get(f"/rest/V1{path}",
                           headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert answer.status_code == 200, answer.text
        return answer.json()
    return get


@pytest.fixture
def mock_client(tmp_path: Path) -> Iterator[Any]:
    """``mock_client("erp")``: a started in-process mock (tiny profile) and its transport."""
    clients: list[TestClient] = []

    def start(name: str) -> tuple[TestClient, ClientTransport]:
        module = load_content_module("mocks", name, REPO / "mocks")
        app = module.create_app(MockSettings(name=name, data_dir=tmp_path / name,
                                             options={"profile": PROFILE}))
        client = TestClient(app, base_url=f"http://{name}.test")
        client.__enter__()
        clients.append(client)
        return client, ClientTransport(client)

    yield start
    for client in clients:
        client.__exit__(None, None, None)
