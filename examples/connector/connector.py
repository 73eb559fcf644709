"""An example ERP/CRM connector for peakready: Magento ↔ ERP ↔ CRM over REST only, stdlib only.

Run by ``peakready run examples/connector/plan.yaml`` (``target.integration: none`` plus
``target.connector``); peakready gives it these variables (DESIGN §10)::

    PEAKREADY_MAGENTO_URL / PEAKREADY_MAGENTO_TOKEN   the store and an admin bearer token
    PEAKREADY_ERP_URL / PEAKREADY_CRM_URL             the fault proxy's listeners: the plan's
                                                      faults sit between this process and them
    POLL_SECONDS                                      from the plan's connector env
    CONNECTOR_CRM_DIALECT                             the CRM's API: peakready (default),
                                                      salesforce, hubspot (crm_api.py)
    CONNECTOR_MISTAKES                                classic mistakes to make on purpose
                                                      (mistakes.py; default none)
    CONNECTOR_ERP_DIALECT                             the ERP's API (erp_api.py: peakready,
                                                      business-central, netsuite, odoo,
                                                      sap-b1; default peakready)

One loop, every POLL_SECONDS, each step bounded:

1. new orders   GET /V1/orders by created_at (with a look-back: orders can become visible
                out of order) → an export queue, deduplicated by increment id
2. export       the ERP adapter's create (peakready: POST {ERP}/api/orders with Idempotency-Key
                = increment id; the vendors' own ways: erp_api.py), a timeout, full-jitter
                backoff honouring Retry-After; a 4xx other than 408/425/429 is a dead letter
3. shipments    the adapter's order updates (GET {ERP}/api/order-updates; the vendors'
                shipment documents: erp_api.py) → POST
                /V1/order/{id}/ship with the update's lines and tracking number (an ERP may
                ship an order in parts), /invoice with ``capture: true`` (an online
                invoice: the store's payment method captures the authorization at the
                gateway, as a real connector's invoice does; ``capture: false`` would mark it
                paid without money moving); an order on hold waits for its release
3b. after sale  GET /V1/orders by updated_at: a cancelled order → the adapter's cancel
                (peakready: POST {ERP}/api/orders/{id}/cancel; the vendors' own ways), a
                refunded amount → the adapter's credit memo (POST {ERP}/api/orders/{id}/
                credit-memos; the vendors' credit memo documents)
4. stock        the adapter's stock changes (GET {ERP}/api/stock?updated_since=cursor) → POST
                /V1/inventory/source-items
                (absolute on-hand: the ERP owns it), after the shipments so a shipment's
                deduction and the ERP's level agree
5. customers    GET /V1/customers/search by updated_at → the CRM's upsert in its dialect
                (crm_api.py, CONNECTOR_CRM_DIALECT: peakready | salesforce | hubspot) with
                the fields Magento owns (never the CRM's consent, segment, score)

It stops cleanly on SIGTERM. Logs go to stdout (peakready keeps them in logs/connector.log).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from typing import Any

import crm_api
import erp_api
import mistakes

MISTAKES = mistakes.active()   # an unknown name stops the connector here, naming the known
MAGENTO = os.environ["PEAKREADY_MAGENTO_URL"].rstrip("/") + "/rest/V1"
TOKEN = os.environ["PEAKREADY_MAGENTO_TOKEN"]
ERP = os.environ["PEAKREADY_ERP_URL"].rstrip("/")
ERP_DIALECT = os.environ.get("CONNECTOR_ERP_DIALECT", "peakready")
CRM = os.environ["PEAKREADY_CRM_URL"].rstrip("/")
POLL = float(os.environ.get("POLL_SECONDS", "2"))
CRM_DIALECT = os.environ.get("CONNECTOR_CRM_DIALECT", "peakready")
TIMEOUT = 3.0
LOOKBACK_S = 120          # orders may become visible late: look back, dedupe by increment id
BACKOFF_BASE, BACKOFF_CAP, MAX_ATTEMPTS = 0.5, 20.0, 30
STORM_ATTEMPTS = 50       # no_backoff: retries in one go, bounded all the same
BATCH_EVERY_S = 40.0      # batch_export: the cron's period
RETRYABLE = {408, 425, 429, 500, 502, 503, 504}

stopping = False


def log(*parts: object) -> None:
    print(datetime.now(UTC).strftime("%H:%M:%S"), *parts, flush=True)


class Reply:
    def __init__(self, status: int, body: Any, headers: dict[str, str]) -> None:
        self.status, self.body, self.headers = status, body, headers


def call(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None,
         params: dict[str, Any] | None = None, *, raw: bytes | None = None,
         content_type: str = "application/json") -> Reply:
    """One HTTP call; status 0 when the connection failed or timed out."""
    if params:
        url += "?" + urllib.parse.urlencode(params)
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Content-Type": content_type, "Accept": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            raw = response.read()
            return Reply(response.status, json.loads(raw) if raw else None,
                         dict(response.headers))
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw[:200].decode(errors="replace")
        return Reply(exc.code, parsed, dict(exc.headers))
    except (OSError, ValueError) as exc:  # refused, reset, timed out, garbage
        return Reply(0, str(exc), {})


def magento(method: str, path: str, body: Any = None, **params: Any) -> Reply:
    return call(method, MAGENTO + path, body, {"Authorization": f"Bearer {TOKEN}"}, params)


def magento_time(wall: float) -> str:
    return datetime.fromtimestamp(wall, UTC).strftime("%Y-%m-%d %H:%M:%S")


def since_filter(field: str, value: str, page: int = 1) -> dict[str, Any]:
    return {"searchCriteria[filter_groups][0][filters][0][field]": field,
            "searchCriteria[filter_groups][0][filters][0][value]": value,
            "searchCriteria[filter_groups][0][filters][0][condition_type]": "gteq",
            "searchCriteria[sortOrders][0][field]": field,
            "searchCriteria[sortOrders][0][direction]": "ASC",
            "searchCriteria[pageSize]": 200, "searchCriteria[currentPage]": page}


class Connector:
    def __init__(self) -> None:
        self.started = time.time()
        self.entity_ids: dict[str, int] = {}            # increment id → Magento entity id
        self.skus: dict[str, dict[str, float]] = {}     # increment id → {sku: qty}
        self.queue: dict[str, dict[str, Any]] = {}      # increment id → export state
        self.exported: set[str] = set()
        self.dead: set[str] = set()
        self.shipped: set[str] = set()                  # ERP shipment ids applied
        self.lines: dict[str, dict[str, int]] = {}      # increment id → {sku: order item id}
        self.deferred: list[dict[str, Any]] = []        # updates of orders on hold
        self.cancelled: set[str] = set()                # cancellations told to the ERP
        self.credited: dict[str, float] = {}            # increment id → amount credited
        self.customers_sent: dict[str, tuple[Any, ...]] = {}
        self.stock_stalled = False
        self.full_saved_at = 0.0          # save_every_product: the last full product sync
        self.next_batch = 0.0
        self.crm = crm_api.make_adapter(CRM, CRM_DIALECT, set(MISTAKES), log)

    # 1 ------------------------------------------------------------------------------------
    def discover_orders(self) -> None:
        since = magento_time(max(self.started, time.time() - LOOKBACK_S) - 5)
        for page in range(1, 51):
            reply = magento("GET", "/orders", **since_filter("created_at", since, page))
            if reply.status != 200:
                log("orders poll failed:", reply.status)
                return
            items = reply.body.get("items") or []
            for order in items:
                increment = str(order["increment_id"])
                self.entity_ids[increment] = int(order["entity_id"])
                self.skus[increment] = {i["sku"]: float(i.get("qty_ordered", 1))
                                        for i in order.get("items", [])
                                        if not i.get("parent_item_id")}
                self.lines[increment] = {i["sku"]: int(i["item_id"])
                                         for i in order.get("items", [])
                                         if not i.get("parent_item_id") and "item_id" in i}
                if increment in self.exported or increment in self.queue \
                        or increment in self.dead:
                    continue
                self.queue[increment] = {"payload": erp_order(order), "attempts": 0,
                                         "due": 0.0}
                if "absolute_stock" in MISTAKES:
                    self.write_levels(increment)   # "refresh the stock of what just sold"
            if len(items) < 200:
                return

    # 2 ------------------------------------------------------------------------------------
    def export_due(self) -> None:
        now = time.time()
        if "batch_export" in MISTAKES:
            if now < self.next_batch:
                return
            self.next_batch = (now // BATCH_EVERY_S + 1) * BATCH_EVERY_S
        for increment, entry in list(self.queue.items()):
            if entry["due"] > now or stopping:
                continue
            entry["attempts"] += 1
            idempotent = "retry_without_key" not in MISTAKES
            reply = ERP_API.create_order(entry["payload"], idempotent)
            while "no_backoff" in MISTAKES and entry["attempts"] < STORM_ATTEMPTS and \
                    (reply.status in RETRYABLE or reply.status == 0) and not stopping:
                entry["attempts"] += 1
                reply = ERP_API.create_order(entry["payload"], idempotent)
            if 200 <= reply.status < 300:
                self.exported.add(increment)
                del self.queue[increment]
            elif "no_retry" in MISTAKES:
                log("export failed, dropped:", increment, reply.status)
                self.dead.add(increment)             # never looked at again
                del self.queue[increment]
            elif reply.status in RETRYABLE or reply.status == 0:
                delay = random.uniform(0, min(BACKOFF_CAP,
                                              BACKOFF_BASE * 2 ** (entry["attempts"] - 1)))
                retry_after = reply.headers.get("Retry-After") or reply.headers.get(
                    "retry-after")
                if retry_after and "ignore_retry_after" not in MISTAKES:
                    delay = max(delay, float(retry_after))
                entry["due"] = time.time() + delay
                if entry["attempts"] >= MAX_ATTEMPTS:
                    log("dead letter (attempts):", increment)
                    self.dead.add(increment)
                    del self.queue[increment]
            elif "no_dead_letter" in MISTAKES:
                entry["due"] = time.time() + POLL     # refused for its data: "try again"
            else:
                log("dead letter:", increment, reply.status, reply.body)
                self.dead.add(increment)
                del self.queue[increment]

    # 3 ------------------------------------------------------------------------------------
    def apply_order_updates(self) -> None:
        if "ignore_order_updates" in MISTAKES:
            return
        waiting, self.deferred = self.deferred, []
        for update in waiting:
            self.apply(update)
        for update in ERP_API.order_updates():
            self.apply(update)

    def apply(self, update: dict[str, Any]) -> None:
        increment = str(update.get("increment_id"))
        entity = self.entity_ids.get(increment)
        if entity is None:
            return
        status = update.get("status")
        shipment = str(update.get("shipment_id") or increment)
        if status in ("partially_shipped", "shipped") and shipment not in self.shipped:
            lines = self.lines.get(increment, {})
            body: dict[str, Any] = {"items": [
                {"order_item_id": lines[line["sku"]], "qty": line["qty"]}
                for line in update.get("items") or [] if line.get("sku") in lines],
                "notify": False, "arguments": {
                    "extension_attributes": {"source_code": "default"}}}
            if update.get("tracking_number"):
                body["tracks"] = [{"track_number": update["tracking_number"],
                                   "title": update.get("carrier") or "carrier",
                                   "carrier_code": str(update.get("carrier") or "custom").lower()}]
            reply = magento("POST", f"/order/{entity}/ship", body)
            if reply.status == 400 and "Not all of your products" in str(reply.body):
                # The ERP's lower level reached Magento before this shipment did: give the
                # source the units the shipment takes, ship, then the ERP's level again.
                self.write_levels(increment, extra=True)
                reply = magento("POST", f"/order/{entity}/ship", body)
            if reply.status == 200:
                self.shipped.add(shipment)
                self.write_levels(increment)   # the ERP owns on-hand: no drift below it
                log("shipped", increment)
            elif self.on_hold(entity):
                self.deferred.append(update)   # released later: ship it then
            elif "does not allow" in str(reply.body):
                # Shipped in Magento already (the back office): that shipment moved the
                # source too, so the ERP's level goes in again.
                self.shipped.add(shipment)
                self.write_levels(increment)
            else:
                log("shipment for", increment, "failed:", reply.status, reply.body)
        elif status == "invoiced":
            # Online (capture: true): the store's payment method charges the authorization.
            capture = "invoice_offline" not in MISTAKES
            reply = magento("POST", f"/order/{entity}/invoice",
                            {"capture": capture, "notify": False})
            if reply.status != 200 and self.on_hold(entity):
                self.deferred.append(update)

    def on_hold(self, entity: int) -> bool:
        reply = magento("GET", f"/orders/{entity}")
        return reply.status == 200 and isinstance(reply.body, dict) \
            and reply.body.get("state") == "holded"

    # 3b -----------------------------------------------------------------------------------
    def after_sale(self) -> None:
        """Cancellations and refunds made in Magento, told to the ERP in its dialect."""
        since = magento_time(max(self.started, time.time() - LOOKBACK_S) - 5)
        for page in range(1, 51):
            reply = magento("GET", "/orders", **since_filter("updated_at", since, page))
            if reply.status != 200:
                return
            items = reply.body.get("items") or []
            for order in items:
                increment = str(order["increment_id"])
                if order.get("state") == "canceled" and increment not in self.cancelled \
                        and "no_cancel_sync" not in MISTAKES \
                        and ERP_API.cancel_order(increment):
                    self.cancelled.add(increment)
                refunded = float(order.get("total_refunded") or 0)
                credited = self.credited.get(increment, 0.0)
                if refunded > credited + 0.005 and \
                        ERP_API.book_refund(increment, refunded, credited):
                    self.credited[increment] = refunded
            if len(items) < 200:
                return

    def write_levels(self, increment: str, *, extra: bool = False) -> None:
        """The ERP's on-hand for the order's SKUs into Magento (+ the order's qty if extra)."""
        items = []
        for sku, qty in self.skus.get(increment, {}).items():
            on_hand = ERP_API.stock_level(sku)
            if on_hand is None:
                continue
            quantity = source_quantity(sku, on_hand) + (qty if extra else 0)
            items.append({"sku": sku, "source_code": "default", "quantity": quantity,
                          "status": 1 if quantity > 0 else 0})
        if items:
            saved = magento("POST", "/inventory/source-items", {"sourceItems": items})
            if saved.status != 200:
                log("stock write after a shipment failed:", saved.status, saved.body)
        # A shipment moved Magento's source: the next stock pull writes the ERP's level for
        # these SKUs again even if the ERP's did not change (a failed or raced write heals).
        ERP_API.stock_forget(list(self.skus.get(increment, {})))

    # 4 ------------------------------------------------------------------------------------
    def pull_stock(self) -> None:
        if self.stock_stalled:
            return
        if "full_stock_sync" in MISTAKES:
            self.pull_every_sku()
            return
        items = ERP_API.stock_changes()
        if items is None:
            if "stock_sync_stalls" in MISTAKES:
                log("stock pull failed: the stock sync stops for good")
                self.stock_stalled = True
            return
        if "save_every_product" in MISTAKES:
            if items:
                self.save_products(items)
            return
        for start in range(0, len(items), 100):
            chunk = [{"sku": i["sku"], "source_code": "default",
                      "quantity": source_quantity(i["sku"], i["qty"]),
                      "status": 1 if i["qty"] > 0 else 0} for i in items[start:start + 100]]
            saved = magento("POST", "/inventory/source-items", {"sourceItems": chunk})
            if saved.status != 200:
                log("stock write failed:", saved.status, saved.body)
                ERP_API.stock_unsaved(items[start:])   # handed over again next cycle
                return

    def save_products(self, items: list[dict[str, Any]]) -> None:
        """save_every_product: stock as full product saves, and the whole catalogue saved
        again (a "full product sync") at most every 10 s."""
        for item in items:
            qty = source_quantity(item["sku"], item["qty"])
            magento("PUT", f"/products/{urllib.parse.quote(item['sku'], safe='')}", {
                "product": {"sku": item["sku"], "extension_attributes": {"stock_item": {
                    "qty": qty, "is_in_stock": qty > 0}}}})
        if time.time() - self.full_saved_at < 10:
            return
        self.full_saved_at = time.time()
        listing = magento("GET", "/products", **{"searchCriteria[pageSize]": 5000,
                                                 "fields": "items[sku,name,price,status]"})
        for product in listing.body.get("items", []) if listing.status == 200 else []:
            magento("PUT", f"/products/{urllib.parse.quote(product['sku'], safe='')}",
                    {"product": product})

    def pull_every_sku(self) -> None:
        """full_stock_sync: every SKU the ERP lists, read one by one, every cycle."""
        listing = call("GET", ERP + "/api/stock", params={"updated_since": 0, "limit": 5000})
        if listing.status != 200:
            return
        levels = []
        for item in listing.body.get("items", []):
            one = call("GET", f"{ERP}/api/stock/{urllib.parse.quote(item['sku'])}")
            if one.status == 200:
                levels.append({"sku": item["sku"], "source_code": "default",
                               "quantity": float(one.body["qty"]),
                               "status": 1 if one.body["qty"] > 0 else 0})
        for start in range(0, len(levels), 100):
            magento("POST", "/inventory/source-items", {"sourceItems": levels[start:start + 100]})

    # 5 ------------------------------------------------------------------------------------
    def push_customers(self) -> None:
        since = magento_time(self.started - 5)
        reply = magento("GET", "/customers/search", **since_filter("updated_at", since))
        if reply.status != 200:
            return
        changed: list[tuple[dict[str, Any], tuple[Any, ...]]] = []
        for customer in reply.body.get("items") or []:
            fields = {"firstname": customer.get("firstname"),
                      "lastname": customer.get("lastname"),
                      "magento_customer_id": customer.get("id")}
            telephone = next((a.get("telephone") for a in customer.get("addresses") or []
                              if a.get("telephone")), None)
            if telephone:
                fields["phone"] = telephone
            if "overwrite_crm_fields" in MISTAKES:   # Magento's blanks over the CRM's own
                fields.update(marketing_consent=False, segment="new", lead_score=0)
            email = str(customer["email"]).lower()
            signature = tuple(sorted(fields.items(), key=lambda kv: kv[0]))
            if self.customers_sent.get(email) == signature:
                continue
            changed.append(({"email": email, **fields}, signature))
        size = self.crm.batch
        for start in range(0, len(changed), size):
            chunk = changed[start:start + size]
            outcomes = self.crm.push([contact for contact, _ in chunk])
            for contact, signature in chunk:
                # Refused for good is done too: retrying cannot fix it (logged by the adapter).
                if outcomes.get(contact["email"]) in (crm_api.DONE, crm_api.REFUSED):
                    self.customers_sent[contact["email"]] = signature
            if crm_api.RETRY in outcomes.values():
                return                   # the CRM is struggling: the rest waits a cycle

    def next_due(self) -> float:
        """When the earliest queued export is due (inf: none): retries go at their own
        jittered times, not at the next poll, or every order failed in one poll would retry
        in the same instant."""
        return min((e["due"] for e in self.queue.values()), default=float("inf"))

    def cycle(self) -> None:
        for step in (self.discover_orders, self.export_due, self.apply_order_updates,
                     self.after_sale, self.pull_stock, self.push_customers):
            if stopping:
                return
            step()


def source_quantity(sku: str, on_hand: float) -> float:
    """The ERP's on-hand is Magento's source quantity: Magento's reservations come off it.
    absolute_stock adds back what Magento holds reserved, making salable = on-hand."""
    if "absolute_stock" not in MISTAKES:
        return on_hand
    quoted = urllib.parse.quote(sku, safe="")
    salable = magento("GET", f"/inventory/get-product-salable-quantity/{quoted}/1")
    source = magento("GET", "/inventory/source-items", **{
        "searchCriteria[filter_groups][0][filters][0][field]": "sku",
        "searchCriteria[filter_groups][0][filters][0][value]": sku,
        "searchCriteria[pageSize]": 1})
    if salable.status != 200 or source.status != 200 or not source.body.get("items"):
        return on_hand
    reserved = float(source.body["items"][0]["quantity"]) - float(salable.body)
    return on_hand + max(0.0, reserved)


def erp_order(order: dict[str, Any]) -> dict[str, Any]:
    return {"increment_id": str(order["increment_id"]),
            "magento_order_id": order.get("entity_id"),
            "customer_email": order.get("customer_email"),
            "created_at": order.get("created_at"),
            "items": [{"sku": i["sku"], "qty": i.get("qty_ordered", 1),
                       "price": i.get("price", 0), "name": i.get("name")}
                      for i in order.get("items", []) if not i.get("parent_item_id")],
            "totals": {"grand_total": order.get("grand_total", 0),
                       "subtotal": order.get("subtotal"),
                       "shipping": order.get("shipping_amount"),
                       "currency": order.get("order_currency_code") or "USD"},
            "billing_address": address(order.get("billing_address")),
            "shipping_address": address(shipping_address(order))}


ADDRESS_KEYS = ("firstname", "lastname", "company", "street", "city", "region", "postcode",
                "country_id", "telephone")


def address(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """An order address in the ERP's fields; the ERP validates (and may refuse) its data."""
    if not data:
        return None
    return {k: data[k] for k in ADDRESS_KEYS if data.get(k) is not None}


def shipping_address(order: dict[str, Any]) -> dict[str, Any] | None:
    for assignment in (order.get("extension_attributes") or {}).get(
            "shipping_assignments") or []:
        found = (assignment.get("shipping") or {}).get("address")
        if found:
            return dict(found)
    return None


ERP_API = erp_api.adapter(ERP_DIALECT, ERP, call, Reply, MISTAKES)


def main() -> int:
    def stop(*_: object) -> None:
        global stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    connector = Connector()
    log("connector up: magento", MAGENTO, "erp", ERP, "crm", CRM, f"({CRM_DIALECT})",
        "poll", POLL, "mistakes", ",".join(sorted(MISTAKES)) or "none")
    next_cycle = 0.0
    while not stopping:
        if time.time() >= next_cycle:
            next_cycle = time.time() + POLL
            connector.cycle()
        else:
            connector.export_due()
        wake = min(next_cycle, connector.next_due())
        time.sleep(min(POLL, max(0.01, wake - time.time())))
    log(f"stopping: {len(connector.exported)} exported, {len(connector.queue)} pending, "
        f"{len(connector.dead)} dead letters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
