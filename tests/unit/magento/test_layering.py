"""The Magento Store is layered (issue 13): the store knows its collections and the checkout
seam, never a routes module or the integration; collections are given what they use; no
fallbacks for required dependencies."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import Any

SIM = Path(__file__).resolve().parents[3] / "mocks" / "magento"


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_store_imports_no_routes_module_and_not_the_integration() -> None:
    imported = _imports(SIM / "state.py")
    assert ".inventory_routes" not in imported
    assert not any("integration" in name for name in imported), imported
    assert ".hooks" in imported     # the checkout seam lives beside the store


def test_only_the_package_entry_point_reaches_into_the_integration() -> None:
    for path in SIM.glob("*.py"):
        if path.name == "__init__.py":
            continue
        assert not any(name.startswith(".integration") for name in _imports(path)), path.name


def test_collections_are_given_what_they_use_not_the_store(sim: Any) -> None:
    package = sim.sim_module()
    import sys

    customers = sys.modules[package.__name__ + ".customers"].Customers
    orders = sys.modules[package.__name__ + ".orders"].Orders
    for method in (customers.create, customers.update, orders.create_from_cart):
        assert "store" not in inspect.signature(method).parameters, method.__qualname__


def test_stock_items_live_in_the_inventory(app: Any) -> None:
    item = app.store.inventory.stock_item("24-MB01", 1)
    assert item["qty"] == 100 and item["is_in_stock"] is True
    app.store.inventory.apply_stock_item("24-MB01", 1, {"qty": 7}, app.store.cfg.version)
    assert app.store.inventory.items[("24-MB01", "default")].quantity == 7
    assert not hasattr(app.store, "stock_item")


def test_no_fallbacks_for_required_dependencies() -> None:
    for name in ("rest.py", "state.py"):
        tree = ast.parse((SIM / name).read_text("utf-8"))
        handlers = [h for node in ast.walk(tree) if isinstance(node, ast.Try)
                    for h in node.handlers]
        caught = [ast.unparse(h.type) for h in handlers if h.type is not None]
        assert "ImportError" not in caught, name
