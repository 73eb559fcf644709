"""Shared helpers for the Magento simulator tests: build the app in-process, seed, check out."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from peakready.content import load_content_module
from peakready.mockkit.settings import MockSettings

REPO = Path(__file__).resolve().parents[3]
ADMIN = {"Authorization": "Bearer peakready-simulator-admin-token"}

ADDRESS = {"region": "California", "region_id": 12, "region_code": "CA", "country_id": "US",
           "street": ["123 Oak Ave"], "postcode": "10577", "city": "Purchase",
           "firstname": "Jane", "lastname": "Doe", "email": "jdoe@example.com",
           "telephone": "512-555-1111"}


def sim_module() -> Any:
    return load_content_module("mocks", "magento", REPO / "mocks")


def make_app(tmp_path: Path | None = None, **options: Any) -> Any:
    settings = MockSettings(name="magento", data_dir=tmp_path, options=options)
    app = sim_module().create_app(settings)
    store = app.store
    store.add_product("24-MB01", "Joust Duffle Bag", 34.0, 100)
    store.add_product("24-MB04", "Strive Shoulder Pack", 32.0, 5)
    store.add_product("HOT-1", "Flash sale item", 10.0, 50)
    store.add_product("OFF-1", "Disabled item", 10.0, 50, status=2)
    store.add_customer("roni_cost@example.com", "roni_cost3@example.com", "Veronica", "Costello")
    return app


@pytest.fixture
def app_factory(tmp_path: Path) -> Callable[..., Any]:
    return lambda **options: make_app(tmp_path, **options)


@pytest.fixture
def app(tmp_path: Path) -> Any:
    return make_app(tmp_path)


def client_for(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                             base_url="http://magento.test")


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as c:
        yield c


async def guest_checkout(client: httpx.AsyncClient, sku: str = "24-MB01", qty: float = 1,
                         prefix: str = "/rest/default/V1") -> httpx.Response:
    """The six calls of spec §2.1; returns the payment-information response."""
    r = await client.post(f"{prefix}/guest-carts")
    assert r.status_code == 200, r.text
    cart = r.json()
    r = await client.post(f"{prefix}/guest-carts/{cart}/items",
                          json={"cartItem": {"sku": sku, "qty": qty, "quote_id": cart}})
    if r.status_code != 200:
        return r
    r = await client.get(f"{prefix}/guest-carts/{cart}/totals")
    assert r.status_code == 200, r.text
    r = await client.post(f"{prefix}/guest-carts/{cart}/estimate-shipping-methods",
                          json={"address": {"country_id": "US", "postcode": "95630"}})
    assert r.status_code == 200, r.text
    r = await client.post(f"{prefix}/guest-carts/{cart}/shipping-information", json={
        "addressInformation": {"shipping_address": ADDRESS, "billing_address": ADDRESS,
                               "shipping_carrier_code": "flatrate",
                               "shipping_method_code": "flatrate"}})
    assert r.status_code == 200, r.text
    return await client.post(f"{prefix}/guest-carts/{cart}/payment-information", json={
        "email": "guest@example.com", "paymentMethod": {"method": "checkmo"},
        "billingAddress": ADDRESS})


async def salable(client: httpx.AsyncClient, sku: str) -> float:
    r = await client.get(f"/rest/V1/inventory/get-product-salable-quantity/{sku}/1",
                         headers=ADMIN)
    assert r.status_code == 200, r.text
    return float(r.json())


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def sim() -> Any:
    """This module's helpers (test modules cannot import conftest under importlib mode)."""
    return sys.modules[__name__]
