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


def _runtime_imports(path: Path) -> set[str]:
    """Imports that run (those under ``if TYPE_CHECKING:`` only name types)."""
    tree = ast.parse(path.read_text("utf-8"))
    skipped = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
               and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
               for n in ast.walk(node)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
    return found


def test_no_import_circle_through_the_store() -> None:
    """state.py imports collections only (no ``*_routes`` module, not even bulk's), and no
    module the store imports imports the store back at run time: the bulk queue gets a clock
    and an executor."""
    state = _imports(SIM / "state.py")
    assert not any(name.endswith("_routes") for name in state), state
    modules = {p.stem: _runtime_imports(p) for p in SIM.glob("*.py")}
    collections = {name.lstrip(".") for name in state
                   if name.startswith(".") and "." not in name.lstrip(".")}
    for name in collections:
        assert ".state" not in modules[name], f"{name}.py imports the store"
    assert "bulk" in collections and ".state" not in modules["bulk"]


def test_no_simulator_module_is_over_400_lines() -> None:
    for path in SIM.rglob("*.py"):
        lines = path.read_text("utf-8").count("\n")
        assert lines <= 400, f"{path.relative_to(SIM)}: {lines} lines"
