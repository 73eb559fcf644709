"""The integration admin API and the hook wiring, in-process (ASGI), no mock running."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from peakready.content import load_content_module
from peakready.mockkit.settings import MockSettings

REPO = Path(__file__).resolve().parents[3]
DEAD = "http://127.0.0.1:9"   # nothing listens: every call fails fast

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _app(tmp_path: Path, integration: object) -> object:
    simulator = load_content_module("mocks", "magento", REPO / "mocks")
    options = {} if integration is None else {"integration": integration}
    return simulator.create_app(MockSettings(name="magento", data_dir=tmp_path,
                                             options=options))


async def _get(app: object, method: str, path: str, **kwargs: object) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
        return await client.request(method, path, **kwargs)  # type: ignore[arg-type]


async def test_in_process_default_is_none_and_installs_nothing(tmp_path: Path) -> None:
    app = _app(tmp_path, None)
    state = (await _get(app, "GET", "/__admin/integration")).json()
    assert state["profile"] == "none" and state["running"] is False
    assert type(app.store.hooks).__name__ == "CheckoutHooks"
    assert app.store.events.subscribers == []


async def test_good_installs_hooks_subscription_and_payment_method(tmp_path: Path) -> None:
    services = {n: DEAD for n in ("erp", "crm", "payment", "shipping")}
    app = _app(tmp_path, {"profile": "good", "services": services,
                          "order_poll_interval": 0, "stock_poll_interval": 0,
                          "customer_poll_interval": 0})
    assert type(app.store.hooks).__name__ == "IntegrationHooks"
    card = app.store.card
    assert card is not None and card.capture_key == "always"
    assert app.store.events.subscribers == [card.on_event, app.integration.on_event]
    assert "peakready_card" in app.store.cfg.payment_methods
    # runtime switch off detaches the integration; the card method is the store's (it was
    # given a gateway) and stays
    r = await _get(app, "PUT", "/__admin/integration", json={"profile": "none"})
    assert r.status_code == 200 and r.json()["enabled"] is False
    assert type(app.store.hooks).__name__ == "CheckoutHooks"
    assert app.store.events.subscribers == [card.on_event]
    assert "peakready_card" in app.store.cfg.payment_methods


async def test_the_capture_key_mistake_is_handed_to_the_store_card(tmp_path: Path) -> None:
    services = {n: DEAD for n in ("erp", "crm", "payment", "shipping")}
    app = _app(tmp_path, {"profile": "good", "services": services,
                          "flags": ["capture_retry_without_key"], "order_poll_interval": 0,
                          "stock_poll_interval": 0, "customer_poll_interval": 0})
    assert app.store.card is not None
    assert app.store.card.capture_key == "first_attempt_only"
    r = await _get(app, "PUT", "/__admin/integration", json={"flags": []})
    assert r.status_code == 200 and app.store.card.capture_key == "always"


@pytest.mark.parametrize(("method", "path", "body", "status"), [
    ("PUT", "/__admin/integration", b"not json", 400),
    ("PUT", "/__admin/integration", b"[1]", 400),
    ("DELETE", "/__admin/integration", b"", 405),
    ("GET", "/__admin/integration/nope", b"", 404),
    ("GET", "/__admin/integration/outbox?state=lost", b"", 400),
    ("GET", "/__admin/integration/outbox?limit=0", b"", 400),
    ("POST", "/__admin/integration/dead-letters/replay", b'{"increment_ids": [1]}', 400),
    ("POST", "/__admin/integration/dead-letters/replay", b'{"increment_ids": ["x"]}', 400),
    ("POST", "/__admin/integration/cycle/everything", b"", 404),
])
async def test_admin_errors(tmp_path: Path, method: str, path: str, body: bytes,
                            status: int) -> None:
    app = _app(tmp_path, "none")
    r = await _get(app, method, path, content=body,
                   headers={"content-type": "application/json"})
    assert r.status_code == status
    assert r.json()["error"]["message"]


async def test_reset_keeps_the_integration_attached(tmp_path: Path) -> None:
    services = {n: DEAD for n in ("erp", "crm", "payment", "shipping")}
    app = _app(tmp_path, {"profile": "good", "services": services, "order_poll_interval": 0,
                          "stock_poll_interval": 0, "customer_poll_interval": 0})
    assert (await _get(app, "POST", "/__admin/reset")).status_code == 200
    assert type(app.store.hooks).__name__ == "IntegrationHooks"
    assert len(app.store.events.subscribers) == 2     # the store's card, the integration
    assert app.store.card is not None and app.store.card.active
    evidence = (await _get(app, "GET", "/__admin/evidence")).json()
    assert evidence["summary"]["integration"]["profile"] == "good"
