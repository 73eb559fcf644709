"""Push a CatalogFixture into a store over Magento REST (the simulator or an allow-listed one).

::

    check_target ─► the category tree under the store's root (parents first; a category
                    whose name is already under its parent is reused, else POST categories)
                 ─► which SKUs exist? (GET products, sku in [...], 100 per call)
                 ─► PUT  /rest/all/V1/products/{sku}          upsert, idempotent: retried,
                                                               linked by category_ids
                 ─► POST /rest/all/V1/inventory/source-items   20 per call, absolute qty: retried
                 ─► POST /rest/V1/customers                     not idempotent: retried only when
                                                               the request never left (connect
                                                               errors) or was refused (429)

A bounded number of requests is in flight (``concurrency``); every call has a timeout and a
bounded number of attempts, so a seeding run always ends. The token is sent as a bearer
header and never written to a log: every message that may carry server text goes through
``peakready.safety.redact``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from peakready.errors import ConfigError, HarnessError
from peakready.safety import check_target, redact
from peakready.seeding.model import CatalogFixture, CustomerFixture, ProductFixture
from peakready.seeding.payloads import (
    SOURCE_ITEMS_PER_CALL,
    batched,
    customer_body,
    product_body,
    source_items_body,
)

__all__ = ["KindSummary", "ProgressCallback", "SeedSummary", "StoreSeeder"]

log = logging.getLogger("peakready.seeding")
ProgressCallback = Callable[[str, int, int], None]  # (kind, done, total)
_EXISTS_PER_CALL = 100
_MAX_ERRORS_KEPT = 20
_CUSTOMER_EXISTS = "A customer with the same email address already exists"


@dataclass
class KindSummary:
    created: int = 0
    updated: int = 0
    skipped: int = 0     # already there and left alone (customers: same email)
    failed: int = 0


@dataclass
class SeedSummary:
    target: str
    profile: str
    seed: int
    categories: KindSummary = field(default_factory=KindSummary)
    products: KindSummary = field(default_factory=KindSummary)
    stock: KindSummary = field(default_factory=KindSummary)
    customers: KindSummary = field(default_factory=KindSummary)
    errors: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def failed(self) -> int:
        return (self.categories.failed + self.products.failed + self.stock.failed
                + self.customers.failed)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "failed": self.failed}

    def lines(self) -> list[str]:
        out = [f"seeded {self.profile} (seed {self.seed}) into {self.target} "
               f"in {self.elapsed_s:.1f} s"]
        for kind in ("categories", "products", "stock", "customers"):
            s: KindSummary = getattr(self, kind)
            out.append(f"  {kind:<10} created {s.created:>6}  updated {s.updated:>6}  "
                       f"skipped {s.skipped:>6}  failed {s.failed:>6}")
        out.extend(f"  error: {e}" for e in self.errors)
        return out


class _Failed(Exception):
    """One call failed for good; the message is already redacted."""


class StoreSeeder:
    """``await StoreSeeder(url, token).seed(catalog)`` → SeedSummary. Raises SafetyError first."""

    def __init__(self, base_url: str, token: str, *, allow_hosts: Iterable[str] = (),
                 concurrency: int = 8, timeout_s: float = 30.0, attempts: int = 3,
                 backoff_s: float = 0.25, progress: ProgressCallback | None = None,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        check_target(base_url, allow_hosts, what="seeding target")
        if concurrency < 1 or attempts < 1:
            raise ConfigError(f"seeding: concurrency = {concurrency} and attempts = {attempts} "
                              f"must both be at least 1")
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._concurrency = concurrency
        self._timeout = httpx.Timeout(timeout_s)
        self._attempts = attempts
        self._backoff_s = backoff_s
        self._progress = progress
        self._transport = transport
        self._jitter = random.Random()

    def _redact(self, text: str) -> str:
        return redact(text, [self._token])

    async def seed(self, catalog: CatalogFixture) -> SeedSummary:
        summary = SeedSummary(target=self.base_url, profile=catalog.profile, seed=catalog.seed)
        started = time.monotonic()
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        async with httpx.AsyncClient(base_url=self.base_url, headers=headers,
                                     timeout=self._timeout, transport=self._transport) as client:
            categories = await self._categories(client, catalog.categories, summary)
            existing = await self._existing_skus(client, catalog.products)
            await self._products(client, catalog.products, existing, summary, categories)
            await self._stock(client, catalog.products, summary)
            await self._customers(client, catalog.customers, summary)
        summary.elapsed_s = time.monotonic() - started
        log.info("seeding done: %s", "; ".join(summary.lines()[1:4]))
        return summary

    # -- one call, with the retry policy -------------------------------------------------
    async def _call(self, client: httpx.AsyncClient, method: str, path: str,
                    body: Any = None, *, idempotent: bool,
                    params: dict[str, str] | None = None) -> httpx.Response:
        for attempt in range(1, self._attempts + 1):
            last = attempt == self._attempts
            try:
                response = await client.request(method, path, json=body, params=params)
            except httpx.TransportError as exc:
                # Connect failures never reached the store: safe to retry even a create.
                never_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout
                                        | httpx.PoolTimeout)
                reason = self._redact(f"{method} {path}: {type(exc).__name__}: {exc}")
                if last or not (idempotent or never_sent):
                    raise _Failed(reason) from exc
                delay = self._delay(attempt, None)
            else:
                refused = response.status_code == 429
                if not (refused or (idempotent and response.status_code >= 500)) or last:
                    return response
                reason = f"{method} {path}: HTTP {response.status_code}"
                delay = self._delay(attempt, response.headers.get("retry-after"))
            log.debug("retrying %s in %.2f s (attempt %d/%d)", reason, delay, attempt,
                      self._attempts)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after is not None:
            try:
                return min(max(float(retry_after), 0.0), 10.0)
            except ValueError:
                pass
        # Exponential backoff with full jitter, so that parallel retries do not march together.
        return float(self._backoff_s * (2 ** (attempt - 1)) * (0.5 + self._jitter.random()))

    def _failure(self, response: httpx.Response, what: str) -> str:
        try:
            message = str(response.json().get("message", ""))
        except (ValueError, AttributeError):
            message = response.text[:200]
        return self._redact(f"{what}: HTTP {response.status_code} {message}".strip())

    # -- bounded fan-out -----------------------------------------------------------------
    async def _fan_out(self, kind: str, jobs: Sequence[Callable[[], Awaitable[None]]],
                       total: int, weights: Sequence[int] | None = None) -> None:
        queue: asyncio.Queue[int] = asyncio.Queue()
        for index in range(len(jobs)):
            queue.put_nowait(index)
        done = 0
        step = max(1, total // 10)
        next_report = step

        async def worker() -> None:
            nonlocal done, next_report
            while True:
                try:
                    index = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                await jobs[index]()
                done += weights[index] if weights else 1
                if self._progress is not None:
                    self._progress(kind, done, total)
                if done >= next_report or done == total:
                    log.info("%s: %d/%d (%d %%)", kind, done, total, 100 * done // max(total, 1))
                    next_report = done + step

        await asyncio.gather(*(worker() for _ in range(min(self._concurrency, len(jobs)))))

    # -- the three kinds -----------------------------------------------------------------
    async def _existing_skus(self, client: httpx.AsyncClient,
                             products: Sequence[ProductFixture]) -> set[str] | None:
        """SKUs already in the store, or None when the store cannot say (then: "updated")."""
        found: set[str] = set()
        unknown = False

        def job(chunk: Sequence[ProductFixture]) -> Callable[[], Awaitable[None]]:
            async def run() -> None:
                nonlocal unknown
                prefix = "searchCriteria[filter_groups][0][filters][0]"
                params = {f"{prefix}[field]": "sku", f"{prefix}[condition_type]": "in",
                          f"{prefix}[value]": ",".join(p.sku for p in chunk),
                          "searchCriteria[pageSize]": str(len(chunk))}
                try:
                    response = await self._call(client, "GET", "/rest/all/V1/products",
                                                params=params, idempotent=True)
                except _Failed as exc:
                    raise HarnessError(f"cannot reach the store at {self.base_url} "
                                       f"(is it running?): {exc}") from exc
                if response.status_code == 401:
                    raise ConfigError(f"the store at {self.base_url} rejected the token (401); "
                                      f"check the variable named by --token-env")
                if response.status_code != 200:
                    unknown = True
                    return
                found.update(str(item.get("sku")) for item in response.json().get("items", []))
            return run

        chunks = list(batched(products, _EXISTS_PER_CALL))
        await self._fan_out("checking", [job(c) for c in chunks], len(products),
                            [len(c) for c in chunks])
        if unknown:
            log.warning("the store could not list SKUs; products are counted as updated")
            return None
        return found

    async def _categories(self, client: httpx.AsyncClient, paths: Sequence[str],
                          summary: SeedSummary) -> dict[str, int]:
        """The profile's tree (paths, parents first) under the store's root category; path →
        id. One at a time: a child needs its parent's id, and a tree is small."""
        ids: dict[str, int] = {}
        if not paths:
            return ids
        root = 2   # Default Category, unless the main store group says otherwise
        try:
            response = await self._call(client, "GET", "/rest/all/V1/store/storeGroups",
                                        idempotent=True)
        except _Failed as exc:
            raise HarnessError(f"cannot reach the store at {self.base_url} "
                               f"(is it running?): {exc}") from exc
        if response.status_code == 401:
            raise ConfigError(f"the store at {self.base_url} rejected the token (401); "
                              f"check the variable named by --token-env")
        if response.status_code == 200:
            roots = [g.get("root_category_id") for g in response.json()
                     if g.get("id") and g.get("root_category_id")]
            root = int(roots[0]) if roots else root
        for path in paths:
            parent_path, _, name = path.rpartition("/")
            parent = ids.get(parent_path) if parent_path else root
            if parent is None:
                self._record(summary, summary.categories, f"category {path}: no parent")
                continue
            try:
                ids[path] = await self._category(client, name, parent, summary)
            except _Failed as exc:
                self._record(summary, summary.categories, str(exc))
        return ids

    async def _category(self, client: httpx.AsyncClient, name: str, parent: int,
                        summary: SeedSummary) -> int:
        group = "searchCriteria[filter_groups][{}][filters][0]"
        params = {group.format(0) + "[field]": "name", group.format(0) + "[value]": name,
                  group.format(1) + "[field]": "parent_id",
                  group.format(1) + "[value]": str(parent)}
        response = await self._call(client, "GET", "/rest/all/V1/categories/list",
                                    params=params, idempotent=True)
        if response.status_code == 200 and response.json().get("items"):
            summary.categories.skipped += 1
            return int(response.json()["items"][0]["id"])
        response = await self._call(client, "POST", "/rest/all/V1/categories", {
            "category": {"name": name, "parent_id": parent, "is_active": True,
                         "include_in_menu": True}}, idempotent=False)
        if response.status_code != 200:
            raise _Failed(self._failure(response, f"category {name}"))
        summary.categories.created += 1
        return int(response.json()["id"])

    async def _products(self, client: httpx.AsyncClient, products: Sequence[ProductFixture],
                        existing: set[str] | None, summary: SeedSummary,
                        categories: dict[str, int]) -> None:
        def job(product: ProductFixture) -> Callable[[], Awaitable[None]]:
            async def run() -> None:
                path = f"/rest/all/V1/products/{quote(product.sku, safe='')}"
                try:
                    body = product_body(product, categories.get(product.category))
                    response = await self._call(client, "PUT", path, body, idempotent=True)
                except _Failed as exc:
                    return self._record(summary, summary.products, str(exc))
                if response.status_code != 200:
                    return self._record(summary, summary.products,
                                        self._failure(response, f"product {product.sku}"))
                if existing is not None and product.sku not in existing:
                    summary.products.created += 1
                else:
                    summary.products.updated += 1
            return run

        await self._fan_out("products", [job(p) for p in products], len(products))

    async def _stock(self, client: httpx.AsyncClient, products: Sequence[ProductFixture],
                     summary: SeedSummary) -> None:
        def job(chunk: Sequence[ProductFixture]) -> Callable[[], Awaitable[None]]:
            async def run() -> None:
                try:
                    response = await self._call(client, "POST", "/rest/all/V1/inventory/"
                                                "source-items", source_items_body(chunk),
                                                idempotent=True)
                except _Failed as exc:
                    return self._record(summary, summary.stock, str(exc), len(chunk))
                if response.status_code != 200:
                    what = f"source items {chunk[0].sku}..{chunk[-1].sku}"
                    return self._record(summary, summary.stock,
                                        self._failure(response, what), len(chunk))
                summary.stock.updated += len(chunk)  # absolute quantities: set, not created
            return run

        chunks = list(batched(products, SOURCE_ITEMS_PER_CALL))
        await self._fan_out("stock", [job(c) for c in chunks], len(products),
                            [len(c) for c in chunks])

    async def _customers(self, client: httpx.AsyncClient,
                         customers: Sequence[CustomerFixture], summary: SeedSummary) -> None:
        def job(customer: CustomerFixture) -> Callable[[], Awaitable[None]]:
            async def run() -> None:
                try:
                    response = await self._call(client, "POST", "/rest/V1/customers",
                                                customer_body(customer), idempotent=False)
                except _Failed as exc:
                    return self._record(summary, summary.customers, str(exc))
                if response.status_code == 200:
                    summary.customers.created += 1
                elif response.status_code == 400 and _CUSTOMER_EXISTS in response.text:
                    summary.customers.skipped += 1  # seeding twice is not an error
                else:
                    self._record(summary, summary.customers,
                                 self._failure(response, f"customer {customer.email}"))
            return run

        await self._fan_out("customers", [job(c) for c in customers], len(customers))

    def _record(self, summary: SeedSummary, kind: KindSummary, error: str,
                count: int = 1) -> None:
        kind.failed += count
        log.warning("seeding failed: %s", error)
        if len(summary.errors) < _MAX_ERRORS_KEPT:
            summary.errors.append(error)
