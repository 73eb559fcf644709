"""Evidence export after the drain, and the snapshot before the load (docs/run-folder.md).

::

    evidence/
    ├── snapshot_before.json   Magento source + salable (every SKU the load can order), ERP
    │                          on-hand, CRM contacts, flash SKUs
    ├── magento/orders.jsonl, source_items.jsonl, salable.json, reservations.jsonl (embedded),
    │   customers.jsonl
    ├── <mock>/<kind>.jsonl    every record of every evidence kind of erp, crm, payment, shipping
    ├── <mock>/summary.json
    ├── erp/stock.jsonl        the ERP's final on-hand per SKU
    └── manifest.json          written last: files with their line counts, errors, complete

Each part is exported on its own: one that fails is named in ``manifest.errors`` and the rest
still lands (the checks that need the missing part say ``error``, never ``pass``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import orjson

from peakready.errors import HarnessError
from peakready.run.folder import now_iso, write_json
from peakready.run.store_documents import documents_since, order_documents
from peakready.run.witness import MockApi, StoreApi, Witness, magento_time

if TYPE_CHECKING:
    from peakready.run.estate import Estate

__all__ = ["export_evidence", "orderable_skus", "take_snapshot"]

log = logging.getLogger("peakready.run.export")
_ORDER_FIELDS = ("entity_id", "increment_id", "quote_id", "state", "status", "created_at",
                 "updated_at", "customer_email", "customer_id", "customer_is_guest",
                 "grand_total", "base_grand_total", "total_qty_ordered", "total_invoiced",
                 "total_refunded")
_ITEM_FIELDS = ("sku", "qty_ordered", "qty_canceled", "qty_shipped", "qty_refunded",
                "qty_invoiced", "price", "row_total", "item_id", "parent_item_id")


def _order_row(order: dict[str, Any],
               documents: dict[int, list[dict[str, Any]]] | None) -> dict[str, Any]:
    """One order of a real store; ``documents`` by order id (None: they could not be read,
    and the order carries none, so order_lifecycle says it cannot judge)."""
    row = {k: order.get(k) for k in _ORDER_FIELDS if k in order}
    payment = order.get("payment")
    row["payment_method"] = payment.get("method") if isinstance(payment, dict) else None
    row["items"] = [{k: item.get(k) for k in _ITEM_FIELDS if k in item}
                    for item in order.get("items", [])]
    if documents is not None:
        row["documents"] = order_documents(order, documents.get(
            int(order.get("entity_id") or 0), []))
    return row


class _Writer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: dict[str, int] = {}
        self.errors: list[str] = []

    def jsonl(self, name: str) -> _Lines:
        return _Lines(self, name)

    def json(self, name: str, data: Any) -> None:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(path, data)
        self.files[name] = len(data) if isinstance(data, dict | list) else 1

    async def part(self, what: str, step: Callable[[], Awaitable[None]]) -> None:
        try:
            await step()
        except (HarnessError, httpx.HTTPError, ValueError, KeyError) as exc:
            log.warning("evidence export, %s: %s", what, exc)
            self.errors.append(f"{what}: {exc}")


class _Lines:
    def __init__(self, writer: _Writer, name: str) -> None:
        self.writer, self.name = writer, name
        path = writer.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = path.open("wb")
        self.count = 0

    def write(self, rows: list[dict[str, Any]]) -> None:
        # orjson: the export of a big run is mostly encoding (benchmarks/run_export.py).
        self.handle.write(b"".join(orjson.dumps(r, default=str) + b"\n" for r in rows))
        self.count += len(rows)

    def __enter__(self) -> _Lines:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()
        self.writer.files[self.name] = self.count


def orderable_skus(estate: Estate) -> list[str]:
    """Every SKU the load can order: the seeded catalogue and the flash-sale SKUs. The salable
    quantities before and after are read for all of them, so no_oversell never mistakes a
    SKU it has no figure for as one that had none."""
    return list(dict.fromkeys([*(p.sku for p in estate.catalog.products),
                               *estate.flash_skus]))


async def take_snapshot(estate: Estate, http: httpx.AsyncClient, path: Path) -> dict[str, Any]:
    """``snapshot_before.json``: the state the load starts from."""
    store = StoreApi(http, estate.magento_direct, estate.token)
    source = await Witness(estate, http, time.time()).source_levels()
    if estate.embedded:
        summary = (await MockApi(http, estate.magento_direct).summary()).get("summary", {})
        salable = {k: float(v) for k, v in summary.get("salable", {}).items()}
    else:
        salable = await store.salable(orderable_skus(estate))
    crm = await MockApi(http, estate.mocks["crm"]).summary()
    snapshot = {
        "wall": time.time(), "taken_at": now_iso(),
        "magento": {"source": source, "salable": salable},
        "erp": {"on_hand": await MockApi(http, estate.mocks["erp"]).erp_stock()},
        "crm": {"contacts": int(crm.get("counts", {}).get("contacts", 0))},
        "flash_skus": list(estate.flash_skus),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json(path, snapshot)
    return snapshot


async def export_evidence(estate: Estate, http: httpx.AsyncClient, root: Path, *,
                          since_wall: float) -> dict[str, Any]:
    """Export every witness's state into ``root`` (evidence/); returns the manifest."""
    writer = _Writer(root)
    store = StoreApi(http, estate.magento_direct, estate.token)
    since = magento_time(since_wall - 1)

    async def simulator_state() -> None:
        # The simulator pages its own state like any mock's evidence (orders, customers,
        # source_items, reservations); salable quantities come with its summary.
        sim = MockApi(http, estate.magento_direct)
        head = await sim.summary()
        for kind in head.get("counts", {}):
            with writer.jsonl(f"magento/{kind}.jsonl") as out:
                async for rows in sim.kind(kind):
                    if kind == "orders":  # this phase's orders (capacity steps share a store)
                        rows = [r for r in rows if str(r.get("created_at", "")) >= since]
                    out.write(rows)
        writer.json("magento/salable.json", head.get("summary", {}).get("salable", {}))
        writer.json("magento/journal.json", await sim.get("/__admin/journal", {"recent": 0}))

    documents: dict[int, list[dict[str, Any]]] | None = None

    async def store_documents() -> None:
        nonlocal documents
        documents = await documents_since(store, since)

    async def store_state() -> None:
        with writer.jsonl("magento/orders.jsonl") as out:
            async for page in store.orders(since):
                out.write([_order_row(o, documents) for o in page])
        items = await store.source_items()
        with writer.jsonl("magento/source_items.jsonl") as out:
            out.write([{k: i.get(k) for k in ("sku", "source_code", "quantity", "status")}
                       for i in items])
        writer.json("magento/salable.json", await store.salable(orderable_skus(estate)))

    async def customers() -> None:
        with writer.jsonl("magento/customers.jsonl") as out:
            async for page in store.customers():
                out.write([{k: c.get(k) for k in ("id", "email", "firstname", "lastname",
                                                  "created_at", "updated_at", "group_id")}
                           for c in page])

    if not estate.embedded:
        # Read before the orders: a document created while they are paged then belongs to an
        # order already read (it is in flight), never to one that is missing.
        await writer.part("magento documents", store_documents)
    await writer.part("magento", simulator_state if estate.embedded else store_state)
    if not estate.embedded:
        await writer.part("magento customers", customers)

    async def erp_stock() -> None:
        stock = await MockApi(http, estate.mocks["erp"]).erp_stock()
        with writer.jsonl("erp/stock.jsonl") as out:
            out.write([{"sku": sku, "qty": qty} for sku, qty in sorted(stock.items())])

    # The ERP keeps fulfilling while the export runs: its final on-hand is read before its
    # stock history, so a shipment in between shows in the history as a recent change (in
    # flight), never as an on-hand with no change behind it.
    await writer.part("erp stock", erp_stock)
    for name, url in estate.mocks.items():
        mock = MockApi(http, url)

        async def one_mock(name: str = name, mock: MockApi = mock) -> None:
            head = await mock.summary()
            writer.json(f"{name}/summary.json", head)
            # Exact request counters per route (sync_efficiency reads the ERP's).
            writer.json(f"{name}/journal.json", await mock.get("/__admin/journal",
                                                               {"recent": 0}))
            for kind in head.get("counts", {}):
                with writer.jsonl(f"{name}/{kind}.jsonl") as out:
                    async for rows in mock.kind(kind):
                        out.write(rows)

        await writer.part(name, one_mock)

    manifest = {"complete": not writer.errors, "exported_at": now_iso(),
                "files": dict(sorted(writer.files.items())), "errors": writer.errors}
    write_json(root / "manifest.json", manifest)
    return manifest
