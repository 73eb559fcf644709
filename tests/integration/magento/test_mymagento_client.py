"""MyMagento (``my-magento``) against the simulator, through its public API: login (admin
token, then ``GET /V1/store/websites`` to validate it), store configs, products and their
updates, categories, orders, order items, invoices and customers, as Magento 2.4 answers.

MyMagento and PyMagento both install a top-level ``magento`` package, so they cannot share
one site-packages: ``make`` installs MyMagento into ``<venv>/my-magento`` and this module
imports it from there for its own tests, putting PyMagento's modules back afterwards.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # its regex literals

TARGET = Path(sys.prefix) / "my-magento"
ADMIN = ("admin", "peakready-admin-1")
ADDRESS = {"region": "California", "region_id": 12, "country_id": "US",
           "street": ["1 Loop St"], "postcode": "95630", "city": "Folsom",
           "firstname": "My", "lastname": "Magento", "telephone": "5555550100"}
Conforms = Callable[[Any, str], None]


def _own(name: str) -> bool:
    return name == "magento" or name.startswith("magento.")


@pytest.fixture(scope="module")
def mymagento(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not (TARGET / "magento" / "clients.py").is_file():
        pytest.skip(f"my-magento is not installed in {TARGET} (the Makefile installs it)")
    saved = {name: module for name, module in sys.modules.items() if _own(name)}
    for name in saved:
        del sys.modules[name]
    cwd = os.getcwd()
    pool_logger = logging.getLogger("urllib3.connectionpool")
    pool_level = pool_logger.level    # MyMagento turns requests' logging to DEBUG
    os.chdir(tmp_path_factory.mktemp("my-magento"))   # its loggers open their files here
    sys.path.insert(0, str(TARGET))
    try:
        yield importlib.import_module("magento")
    finally:
        sys.path.remove(str(TARGET))
        for name in [n for n in sys.modules if _own(n)]:
            del sys.modules[name]
        sys.modules.update(saved)
        here = str(Path.cwd())
        for logger in [logging.getLogger(n) for n in list(logging.root.manager.loggerDict)]:
            for handler in list(logger.handlers):
                ours = str(getattr(handler, "name", "")).startswith("MyMagento") or str(
                    getattr(handler, "baseFilename", "")).startswith(here)
                if ours:
                    logger.removeHandler(handler)
                    handler.close()
        pool_logger.setLevel(pool_level)
        os.chdir(cwd)


@pytest.fixture(scope="module")
def api(mymagento: Any, live_store: tuple[str, Any]) -> Any:
    domain = live_store[0].removeprefix("http://")
    # user_agent given: without one MyMagento fetches a browser's from the internet. The log
    # file is a bare name (it lands in the fixture's temporary directory): MyMagento looks
    # its handlers up by base name.
    client = mymagento.Client(domain, *ADMIN, local=True, log_level="ERROR",
                              user_agent="peakready-tests", log_file="client.log",
                              log_requests=False, login=False)
    # MyMagento's domain parsing drops a port (it expects 80/443); its BASE_URL attribute is
    # public, so point it at the simulator's port 0 socket, then log in as a user would.
    client.BASE_URL = f"{live_store[0]}/rest/V1/"
    assert client.authenticate() is True
    return client


def _place_order(base: str, sku: str) -> int:
    rest = f"{base}/rest/V1/guest-carts"
    cart = requests.post(rest, timeout=10).json()
    assert requests.post(f"{rest}/{cart}/items", timeout=10, json={
        "cartItem": {"sku": sku, "qty": 1, "quote_id": cart}}).status_code == 200
    requests.post(f"{rest}/{cart}/shipping-information", timeout=10, json={
        "addressInformation": {"shipping_address": ADDRESS, "billing_address": ADDRESS,
                               "shipping_carrier_code": "flatrate",
                               "shipping_method_code": "flatrate"}})
    r = requests.post(f"{rest}/{cart}/payment-information", timeout=10, json={
        "email": "my@example.com", "paymentMethod": {"method": "checkmo"}})
    assert r.status_code == 200, r.text
    return int(r.json())


def test_login_checks_the_token_on_the_websites_route(api: Any, mymagento: Any) -> None:
    assert api.ACCESS_TOKEN                      # POST /V1/integration/admin/token
    assert api.validate() is True               # GET /V1/store/websites answered 200
    api.ACCESS_TOKEN = "expired-or-forged"       # a guest: the route answers 401, and
    assert api.validate() is True                # MyMagento logs in again on a 401
    assert api.ACCESS_TOKEN != "expired-or-forged"


def test_store_configs(api: Any, conforms: Conforms) -> None:
    assert api.store.is_single_store is True
    assert api.store.active.code == "default"
    conforms([c.data for c in [api.store.configs]] if not isinstance(api.store.configs, list)
             else [c.data for c in api.store.configs], "[]store-data-store-config-interface")
    views = api.store.views
    assert {v.code for v in views} == {"admin", "default"}


def test_products(api: Any, live_store: tuple[str, Any], conforms: Conforms) -> None:
    products = api.products.get_all()              # created_at >= None: every product
    assert len(products) == 42
    product = api.products.by_sku(products[0].sku)
    conforms(product.data, "catalog-data-product-interface")
    assert product.stock == live_store[1].store.inventory.physical(product.sku)
    assert product.update_stock(7) is True
    assert api.products.by_sku(product.sku).stock == 7
    assert product.update_price(55.5) is True
    assert api.products.by_sku(product.sku).price == 55.5
    assert product.update_special_price(44.0) is True
    assert api.products.by_sku(product.sku).special_price == 44.0
    assert product.update_name("Renamed by MyMagento") is True
    assert api.products.by_sku(product.sku).name == "Renamed by MyMagento"
    many = api.products.by_skulist([p.sku for p in products[:3]])
    assert sorted(p.sku for p in many) == sorted(p.sku for p in products[:3])
    assert api.products.by_sku("NO-SUCH-SKU") is None


def test_categories(api: Any) -> None:
    root = api.categories.get_root()
    assert root.id == 2 and root.name == "Default Category"
    every = api.categories.get_all()
    assert len(every) == 8                          # root catalog, default and the profile's 6
    leaf = max(every, key=lambda c: c.level)
    product = api.categories.by_name(leaf.name)
    assert product.id == leaf.id
    linked = api.products.by_category_id(leaf.id)
    linked = linked if isinstance(linked, list) else [linked] if linked else []
    assert all(str(leaf.id) in p.custom_attributes.get("category_ids", []) for p in linked)
    target = api.products.get_all()[1]
    assert target.add_categories(leaf.id) is True
    assert str(leaf.id) in api.products.by_sku(target.sku).custom_attributes["category_ids"]


def test_orders_items_invoices(api: Any, live_store: tuple[str, Any], conforms: Conforms
                               ) -> None:
    sku = api.products.get_all()[2].sku
    entity_id = _place_order(live_store[0], sku)
    order = api.orders.by_id(entity_id)
    conforms(order.data, "sales-data-order-interface")
    assert order.number == order.data["increment_id"]
    assert api.orders.by_number(order.number).id == entity_id
    items = api.order_items.by_sku(sku)
    items = items if isinstance(items, list) else [items]
    assert entity_id in {i.order_id for i in items}
    by_sku = api.orders.by_sku(sku)
    by_sku = by_sku if isinstance(by_sku, list) else [by_sku]
    assert entity_id in {o.id for o in by_sku}
    assert api.invoices.by_order_id(entity_id) is None
    r = requests.post(f"{live_store[0]}/rest/V1/order/{entity_id}/invoice", json={},
                      headers={"Authorization": f"Bearer {api.ACCESS_TOKEN}"}, timeout=10)
    assert r.status_code == 200
    invoice = api.invoices.by_order_id(entity_id)
    conforms(invoice.data, "sales-data-invoice-interface")
    assert invoice.order_id == entity_id


def test_customers_and_attributes(api: Any) -> None:
    customer = api.customers.by_id(1)
    assert customer.email.endswith("@example.com") or "@" in customer.email
    color = api.product_attributes.by_code("color")
    assert {"Black", "Blue", "Red", "White"} <= set(color.options)   # label → option id
    types = api.product_attributes.get_types()
    assert "select" in {t.value for t in types}
