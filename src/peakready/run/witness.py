"""Reading the witnesses: Magento's own state (REST) and the mocks' evidence.

::

    StoreApi(url, token)      Magento REST: order count, orders since, source items,
                              salable quantities of any SKU list, customers (paged, bounded)
    MockApi(url)              a mock's admin evidence (summary, one kind paged), ERP stock
    Witness(estate)           one sample: orders placed in Magento vs orders the ERP received
                              or refused for their data (the export backlog), SKUs whose
                              Magento stock differs from the ERP's

The checks, the drain and the report trust these witnesses, never an integration's own
counters or admin endpoints (a user's connector has none), so the same failure reads the same
for the built-in integration and for a connector. Every loop here is bounded in pages and
every call has a timeout.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx
import orjson

from peakready.errors import HarnessError
from peakready.safety import redact

if TYPE_CHECKING:
    from peakready.run.estate import Estate

__all__ = ["SALABLE_PAGE", "WITNESS_AGENT", "MockApi", "StoreApi", "Witness", "magento_time"]

log = logging.getLogger("peakready.run.witness")
WITNESS_AGENT = "peakready-witness"  # User-Agent of every harness read
_MAX_PAGES = 10_000
# The ERP's order statuses before its shipment (mocks/_erp_orders.py STATUSES).
_BEFORE_SHIPMENT = ("received", "picked")
_PAGE = 1000
#: Salable-quantity calls in flight at once (one REST call a SKU; bounded for a real store).
SALABLE_PAGE = 20


def magento_time(wall: float) -> str:
    """Magento's created_at spelling (UTC, no zone): ``2026-12-03 09:00:12``."""
    return datetime.fromtimestamp(wall, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _criteria(page: int, size: int, *, since: str | None = None,
              sort: str | None = None) -> dict[str, str]:
    params = {"searchCriteria[pageSize]": str(size), "searchCriteria[currentPage]": str(page)}
    if since is not None:
        params.update({
            "searchCriteria[filter_groups][0][filters][0][field]": "created_at",
            "searchCriteria[filter_groups][0][filters][0][value]": since,
            "searchCriteria[filter_groups][0][filters][0][condition_type]": "gteq"})
    if sort is not None:
        params.update({"searchCriteria[sortOrders][0][field]": sort,
                       "searchCriteria[sortOrders][0][direction]": "ASC"})
    return params


class StoreApi:
    """The Magento REST calls the harness makes as a witness (admin token)."""

    def __init__(self, http: httpx.AsyncClient, url: str, token: str) -> None:
        self.http = http
        self.url = url.rstrip("/") + "/rest/V1"
        self._token = token
        self._headers = {"Authorization": f"Bearer {token}"}

    async def get(self, path: str, params: dict[str, str] | None = None) -> Any:
        try:
            response = await self.http.get(self.url + path, params=params,
                                           headers=self._headers)
        except httpx.HTTPError as exc:
            raise HarnessError(f"Magento GET {path}: {exc!r}") from exc
        if response.status_code >= 300:
            raise HarnessError(redact(f"Magento GET {path}: HTTP {response.status_code} "
                                      f"{response.text[:200]}", [self._token]))
        return response.json()

    async def orders_total(self, since: str | None = None) -> int:
        data = await self.get("/orders", _criteria(1, 1, since=since))
        return int(data.get("total_count", 0))

    async def pages(self, path: str, *, since: str | None = None,
                    sort: str | None = None) -> AsyncIterator[list[dict[str, Any]]]:
        """A search route's items, page by page (created at or after ``since``, if given)."""
        seen = 0
        for page in range(1, _MAX_PAGES + 1):
            data = await self.get(path, _criteria(page, _PAGE, since=since, sort=sort))
            items: list[dict[str, Any]] = data.get("items") or []
            total = int(data.get("total_count", 0))
            yield items
            seen += len(items)
            # An out-of-range page answers the last page again: stop on the count.
            if not items or seen >= total:
                return

    async def orders(self, since: str | None = None) -> AsyncIterator[list[dict[str, Any]]]:
        async for page in self.pages("/orders", since=since, sort="entity_id"):
            yield page

    async def source_items(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        async for page in self.pages("/inventory/source-items"):
            found.extend(page)
        return found

    async def customers(self) -> AsyncIterator[list[dict[str, Any]]]:
        async for page in self.pages("/customers/search", sort="entity_id"):
            yield page

    async def salable(self, skus: Sequence[str], *,
                      page: int = SALABLE_PAGE) -> dict[str, float]:
        """Each SKU's salable quantity on the default stock (MSI's
        ``get-product-salable-quantity``, one call a SKU), read in pages of ``page`` calls at a
        time so a catalogue of thousands stays bounded. A SKU the store does not know (404)
        is left out: the checks then say they cannot judge it, never read it as zero."""
        found: dict[str, float] = {}
        for start in range(0, len(skus), page):
            chunk = list(skus[start:start + page])
            values = await asyncio.gather(*(self._salable_one(sku) for sku in chunk))
            found.update({sku: value for sku, value in zip(chunk, values, strict=True)
                          if value is not None})
        return found

    async def _salable_one(self, sku: str) -> float | None:
        path = f"/inventory/get-product-salable-quantity/{quote(sku, safe='')}/1"
        try:
            response = await self.http.get(self.url + path, headers=self._headers)
        except httpx.HTTPError as exc:
            raise HarnessError(f"Magento GET {path}: {exc!r}") from exc
        if response.status_code == 404:
            return None
        if response.status_code >= 300:
            raise HarnessError(redact(f"Magento GET {path}: HTTP {response.status_code} "
                                      f"{response.text[:200]}", [self._token]))
        return float(response.json())


class MockApi:
    """A mock's admin API (docs/mocks.md)."""

    def __init__(self, http: httpx.AsyncClient, url: str) -> None:
        self.http = http
        self.url = url.rstrip("/")

    async def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        try:
            response = await self.http.get(self.url + path, params=params)
        except httpx.HTTPError as exc:
            raise HarnessError(f"{self.url}{path}: {exc!r}") from exc
        if response.status_code >= 300:
            raise HarnessError(f"{self.url}{path}: HTTP {response.status_code} "
                               f"{response.text[:200]}")
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise HarnessError(f"{self.url}{path}: not JSON: {response.text[:200]}") from exc

    async def summary(self) -> dict[str, Any]:
        """``{"counts": {kind: n}, "summary": {...}}`` (one record per kind, discarded)."""
        data = await self.get("/__admin/evidence", {"limit": 1})
        data.pop("records", None)
        return dict(data)

    async def events_after(self, kind: str, after: int, *, since: float | None = None,
                           limit: int = 5000) -> tuple[list[dict[str, Any]], int]:
        """One page of ``kind`` after the cursor ``after`` (at or after ``since``), and the
        cursor to resume at."""
        params: dict[str, Any] = {"kind": kind, "after": after, "limit": limit}
        if since is not None:
            params["since"] = since
        data = await self.get("/__admin/evidence", params)
        rows: list[dict[str, Any]] = data.get("records", {}).get(kind, [])
        return rows, int(data.get("next_after", after))

    async def kind(self, kind: str, page: int = 5000) -> AsyncIterator[list[dict[str, Any]]]:
        after = 0
        for _ in range(_MAX_PAGES):
            data = await self.get("/__admin/evidence", {"kind": kind, "after": after,
                                                         "limit": page})
            rows: list[dict[str, Any]] = data.get("records", {}).get(kind, [])
            yield rows
            if len(rows) < page or int(data.get("next_after", after)) == after:
                return
            after = int(data["next_after"])

    async def erp_stock(self) -> dict[str, int]:
        stock: dict[str, int] = {}
        cursor: Any = 0
        for _ in range(_MAX_PAGES):
            data = await self.get("/api/stock", {"updated_since": cursor, "limit": 5000})
            for item in data.get("items", []):
                stock[item["sku"]] = int(item["qty"])
            if not data.get("has_more"):
                return stock
            cursor = data.get("next_cursor")
        return stock


class Witness:
    """Samples for timeline.jsonl and the drain, relative to a phase's start."""

    #: Pages of ERP requests read per sample: a retry storm's backlog of evidence is read over
    #: several samples rather than stalling one.
    REQUEST_PAGES = 20

    def __init__(self, estate: Estate, http: httpx.AsyncClient, since_wall: float) -> None:
        self.estate = estate
        self.store = StoreApi(http, estate.magento_direct, estate.token)
        self.erp = MockApi(http, estate.mocks["erp"])
        self.http = http
        self.simulator = MockApi(http, estate.magento_direct)
        self.since_wall = since_wall - 1
        self.since = magento_time(since_wall - 1)
        self.erp_before = 0
        self.magento_before = 0
        self._requests_after = 0
        self._created: set[str] = set()
        self._refused: set[str] = set()

    async def start(self) -> None:
        self.erp_before = await self.erp_orders()
        if self.estate.embedded:
            self.magento_before = await self.magento_orders()

    async def magento_orders(self) -> int:
        """Orders placed since the phase began. The embedded simulator is asked through its
        admin evidence, which is not journaled: the harness's reads never count as traffic
        of the integration (sync_efficiency reads the journal)."""
        if self.estate.embedded:
            counts = (await self.simulator.summary()).get("counts", {})
            return int(counts.get("orders", 0)) - self.magento_before
        return await self.store.orders_total(self.since)

    async def source_levels(self) -> dict[str, float]:
        """Magento's default-source quantity per SKU (admin evidence when embedded)."""
        if self.estate.embedded:
            rows: list[dict[str, Any]] = []
            async for page in self.simulator.kind("source_items"):
                rows.extend(page)
        else:
            rows = await self.store.source_items()
        return {item["sku"]: float(item["quantity"]) for item in rows
                if item.get("source_code", "default") == "default"}

    async def erp_orders(self) -> int:
        return int((await self._erp_summary()).get("distinct_increment_ids", 0))

    async def _erp_summary(self) -> dict[str, Any]:
        summary: dict[str, Any] = (await self.erp.summary()).get("summary", {})
        return summary

    @staticmethod
    def _unshipped(summary: dict[str, Any]) -> int:
        """Orders the ERP still has to ship: their shipment will move its stock again."""
        counts = summary.get("status_counts") or {}
        return sum(int(counts.get(status, 0)) for status in _BEFORE_SHIPMENT)

    async def erp_refused(self) -> int:
        """Orders of this phase the ERP refused for their data (its 422 naming a field) and
        never created: out of the pipeline, not waiting in it. Read from the ERP's request
        evidence a few pages at a time, from where the last sample stopped."""
        for _ in range(self.REQUEST_PAGES):
            rows, after = await self.erp.events_after(
                "requests", self._requests_after, since=self.since_wall)
            for row in rows:
                inc, outcome = row.get("increment_id"), row.get("outcome")
                if isinstance(inc, str):
                    if outcome == "rejected":
                        self._refused.add(inc)
                    elif outcome in ("created", "replayed"):
                        self._created.add(inc)
            if not rows or after == self._requests_after:
                break
            self._requests_after = after
        return len(self._refused - self._created)

    async def stock_divergent(self) -> int:
        erp = await self.erp.erp_stock()
        magento = await self.source_levels()
        return sum(1 for sku, qty in magento.items() if sku in erp and erp[sku] != qty)

    async def sample(self, phase: str, t0: float | None, *, stock: bool) -> dict[str, Any]:
        wall = time.time()
        magento_orders = await self.magento_orders()
        # The ERP's stock feed first: reading it brings the ERP's own order statuses up to date
        # (shipments fall due as it is asked), so the summary below is as fresh as the stock.
        divergent = await self.stock_divergent() if stock else None
        summary = await self._erp_summary()
        erp_orders = int(summary.get("distinct_increment_ids", 0)) - self.erp_before
        refused = await self.erp_refused()
        record: dict[str, Any] = {
            "wall": round(wall, 3), "t": None if t0 is None else round(wall - t0, 3),
            "phase": phase, "magento_orders": magento_orders, "erp_orders": erp_orders,
            "erp_refused": refused,
            "erp_backlog": max(0, magento_orders - erp_orders - refused),
            "erp_unshipped": self._unshipped(summary),
        }
        if divergent is not None:
            record["stock_divergent_skus"] = divergent
        return record

    @staticmethod
    def drained(sample: dict[str, Any]) -> bool:
        """Every order placed in Magento is in the ERP (or refused by it for its data), the
        ERP has shipped what it received (a shipment moves its stock, which the integration
        must then carry), and the ERP's stock agrees with Magento's: what the witnesses say,
        for any integration."""
        if sample["erp_backlog"] != 0 or sample.get("erp_unshipped", 0) != 0:
            return False
        return bool(sample.get("stock_divergent_skus", 1) == 0)
