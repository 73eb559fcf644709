"""A healthy synthetic run folder in the documented format (docs/run-folder.md), to mutate.

``run = HealthyRun()`` holds every file's records as plain lists and dicts; a test changes what
its check must notice (drops an ERP order, adds a duplicate, slows a second) and calls
``run.write(tmp_path)``. The healthy run: 60 s of load, one ERP HTTP 503 fault at 20-30 s,
20 orders every 2.5 s over five SKUs, each in the ERP once; 8 of them retried with backoff and
jitter (gaps doubling over four attempts); Magento's stock equal to the ERP's; one customer
changed and synced to the CRM. After the order: every order authorized at the payment mock;
the first ``lifecycle`` (10) shipped by the ERP 5 s after placement (tracking ``1Z<i>``) and
invoiced 3 s later, both recorded in Magento (its documents) and the invoice captured.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from hdrh.histogram import HdrHistogram

__all__ = ["T0", "HealthyRun", "hdr", "magento_time"]

T0 = 1_796_300_000.0
SKUS = [f"SKU-{n}" for n in range(1, 6)]


def hdr(values_ms: list[float]) -> str:
    hist = HdrHistogram(1, 3_600_000_000, 3)
    for value in values_ms:
        hist.record_value(max(1, int(value * 1000)))
    encoded = hist.encode()
    return encoded.decode() if isinstance(encoded, bytes) else str(encoded)


def magento_time(wall: float) -> str:
    return datetime.fromtimestamp(wall, UTC).strftime("%Y-%m-%d %H:%M:%S")


class HealthyRun:
    def __init__(self, *, orders: int = 20, seconds: int = 60,
                 fault: tuple[float, float] | None = (20.0, 10.0), lifecycle: int = 10) -> None:
        self.lifecycle = lifecycle
        self.payments: list[dict[str, Any]] = []
        self.payment_operations: list[dict[str, Any]] = []
        self.seconds = seconds
        self.plan: dict[str, Any] = {"name": "synthetic", "load": {"duration": seconds},
                                     "checks": ["no_oversell"], "faults": []}
        self.run: dict[str, Any] = {"schema_version": 1, "plan": "synthetic",
                                    "status": "complete", "test_start_wall": T0,
                                    "test_stop_wall": T0 + seconds,
                                    "ended_at": None, "error": None}
        self.control = [{"event": "test_start", "wall": T0, "workers": 1},
                        {"event": "test_stop", "wall": T0 + seconds}]
        self.faults: list[dict[str, Any]] = []
        if fault is not None:
            self.add_fault(fault[0], fault[1], "erp http 503", "mock:erp",
                           {"mock": "erp", "http": {"status": 503, "rate": 0.5}})
        self.checkouts: list[dict[str, Any]] = []
        self.magento_orders: list[dict[str, Any]] = []
        self.erp_orders: list[dict[str, Any]] = []
        self.erp_requests: list[dict[str, Any]] = []
        self.reservations: list[dict[str, Any]] = []
        sold = dict.fromkeys(SKUS, 0)
        for i in range(1, orders + 1):
            self._order(i, sold)
        self.erp_requests.sort(key=lambda r: r["ts"])
        for n, request in enumerate(self.erp_requests, 1):
            request["id"] = n
        self.stock_history = [{"id": 1, "key": "SKU-1", "ts": T0 + 5, "sku": "SKU-1",
                               "delta": 10, "requested": 10, "qty_after": 110,
                               "reason": "receipt", "at": "", "seq": 6}]
        self.erp_stock = [{"sku": s, "qty": 110 if s == "SKU-1" else 100,
                           "updated_at": T0 + 5 if s == "SKU-1" else T0 - 100, "seq": 1}
                          for s in SKUS]
        self.source_items = [{"sku": s["sku"], "source_code": "default", "quantity": s["qty"],
                              "status": 1} for s in self.erp_stock]
        self.salable = {s["sku"]: s["qty"] - sold[s["sku"]] for s in self.erp_stock}
        self.snapshot = {"wall": T0 - 1, "magento": {"source": dict.fromkeys(SKUS, 100),
                                                     "salable": dict.fromkeys(SKUS, 100)},
                         "erp": {"on_hand": dict.fromkeys(SKUS, 100)}, "crm": {"contacts": 3},
                         "flash_skus": []}
        self.customers = [
            {"id": n, "email": f"c{n}@example.com", "firstname": f"First{n}",
             "lastname": f"Last{n}", "created_at": magento_time(T0 - 3600),
             "updated_at": magento_time(T0 + 30 if n == 2 else T0 - 3600)} for n in (1, 2, 3)]
        self.contacts = [
            {"key": f"C{n}", "seq": n, "contact_id": f"C{n}", "email": f"c{n}@example.com",
             "firstname": f"First{n}", "lastname": f"Last{n}", "marketing_consent": True,
             "segment": "vip", "lead_score": 50,
             "updated_at": T0 + 40 if n == 2 else T0 - 3600} for n in (1, 2, 3)]
        self.overwrites: list[dict[str, Any]] = []
        self.erp_journal: dict[str, Any] = {"mock": "erp", "routes": {
            "/api/stock": {"GET": {"200": 6}}, "/api/orders": {"POST": {"201": orders}}}}
        self.magento_journal: dict[str, Any] | None = None
        self.timeline = [{"wall": T0 + t, "t": float(t), "phase": "load",
                          "stock_divergent_skus": 0 if t >= 34 else 1}
                         for t in range(0, seconds + 10, 2)]
        self.latency: list[dict[str, Any]] = []
        self.arrivals: list[dict[str, Any]] = []
        for t in range(seconds):
            slow = 1.5 if any(f["t"] <= t < f["t"] + f["planned_for"] for f in self.faults
                              if f["event"] == "applied") else 1.0
            for journey in ("guest_checkout", "customer_checkout"):
                self.latency.append({"t": t, "wall": T0 + t, "kind": "journey", "name": journey,
                                     "count": 2, "errors": 0,
                                     "hdr": hdr([300 * slow, 400 * slow])})
                self.arrivals.append({"t": t, "wall": T0 + t, "journey": journey,
                                      "offered": 2, "started": 2, "dropped": 0})
            self.latency.append({"t": t, "wall": T0 + t, "kind": "request",
                                 "name": "GET /V1/products/[sku]", "count": 10, "errors": 0,
                                 "hdr": hdr([20.0] * 10)})
        self.exported_at = T0 + seconds + 10
        self.manifest_overrides: dict[str, Any] = {}
        self.omit: set[str] = set()

    # ---------------------------------------------------------------------------- parts
    def add_fault(self, at: float, length: float, label: str, target: str,
                  spec: dict[str, Any], *, cleared: bool = True) -> None:
        index = len({f["fault"] for f in self.faults})
        common = {"fault": index, "label": label, "target": target, "planned_at": at,
                  "planned_for": length, "spec": spec, "outcome": "ok"}
        self.faults.append({"wall": T0 + at, "t": at, "event": "applied", **common})
        if cleared:
            self.faults.append({"wall": T0 + at + length, "t": at + length, "event": "cleared",
                                **common})
        self.plan["faults"].append({"at": at, "for": length, **spec})

    def _order(self, i: int, sold: dict[str, int]) -> None:
        placed = T0 + 2.5 * i - 1.0
        increment = f"{i:09d}"
        sku = SKUS[i % len(SKUS)]
        sold[sku] += 1
        self.checkouts.append({
            "journey": "guest_checkout" if i % 2 else "customer_checkout",
            "intended_ts": placed - 0.3, "start_ts": placed - 0.3, "end_ts": placed,
            "latency_ms": 300.0, "ok": True, "status": 200, "error": None, "step": None,
            "cart_id": f"cart{i}", "quote_id": i, "order_id": i, "increment_id": increment,
            "customer_email": f"o{i}@example.com", "items": [{"sku": sku, "qty": 1}],
            "edge_case": False, "flash_sale": False, "worker": "w1"})
        self.magento_orders.append({
            "entity_id": i, "increment_id": increment, "quote_id": i, "state": "new",
            "status": "pending", "created_at": magento_time(placed),
            "customer_email": f"o{i}@example.com", "grand_total": 10.0,
            "items": [{"sku": sku, "qty_ordered": 1, "qty_shipped": 0, "qty_refunded": 0,
                       "qty_canceled": 0, "price": 10.0}]})
        self.reservations.append({"reservation_id": i, "stock_id": 1, "sku": sku,
                                  "quantity": -1, "metadata": {"event_type": "order_placed"}})
        times = [placed + 0.2]
        statuses = [201]
        if i % 2 == 0 and i <= 16:       # 8 orders retried: gaps doubling, jitter per order
            first = 0.2 + 0.07 * i
            times = [placed + 0.2 + first * k for k in (0, 1, 3, 7)]
            statuses = [503, 503, 503, 201]
        for ts, status in zip(times, statuses, strict=True):
            self.erp_requests.append({
                "key": increment, "ts": ts, "method": "POST", "path": "/api/orders",
                "status": status, "faults": ["erp-503"] if status == 503 else [],
                "request_id": f"r{i}-{ts}", "idempotency_key": increment,
                "increment_id": increment, "retry_after": None,
                **({"outcome": "created", "erp_order_id": f"SO-{i}"} if status == 201 else {})})
        self.erp_orders.append({
            "key": f"SO-{i}", "seq": i, "erp_order_id": f"SO-{i}", "increment_id": increment,
            "idempotency_key": increment, "attempts": 1, "received_ts": times[-1],
            "status": "received", "items": [{"sku": sku, "qty": 1}],
            "status_history": [{"status": "received", "at": times[-1]}], "shipments": [],
            "cancel_requests": [], "cancelled_at": None, "credit_memos": []})
        self.magento_orders[-1].update(payment_method="peakready_card", total_invoiced=0.0,
                                       total_paid=0.0, total_refunded=0.0, documents=[])
        self.payments.append({"key": f"PAY-{i}", "payment_id": f"PAY-{i}",
                              "order_id": increment, "status": "authorized", "amount": 10.0,
                              "captured_amount": 0.0, "refunded_amount": 0.0})
        self.payment_operations.append({"payment_id": f"PAY-{i}", "order_id": increment,
                                        "op": "authorize", "amount": 10.0,
                                        "outcome": "authorized", "ts": placed,
                                        "idempotency_key": f"quote-{i}"})
        if i <= self.lifecycle:
            self.ship_and_invoice(i, placed + 5.0, placed + 8.0)

    def ship_and_invoice(self, i: int, shipped: float, invoiced: float) -> None:
        """The ERP ships order ``i`` whole and invoices it; Magento records both; the invoice
        is captured."""
        erp, mine = self.erp_orders[i - 1], self.magento_orders[i - 1]
        lines = [dict(line) for line in erp["items"]]
        erp["shipments"] = [{"shipment_id": f"SH-{i}-1", "at": shipped, "carrier": "UPS",
                             "tracking_number": f"1Z{i}", "items": lines}]
        erp.update(status="invoiced", carrier="UPS", tracking_number=f"1Z{i}",
                   invoice_id=f"INV-{i}")
        erp["status_history"] += [{"status": "shipped", "at": shipped},
                                  {"status": "invoiced", "at": invoiced}]
        mine.update(state="processing", status="processing", total_invoiced=10.0,
                    total_paid=10.0)
        mine["documents"] = [
            {"kind": "shipment", "id": i, "ts": shipped + 1.0, "items": lines,
             "tracks": [{"track_number": f"1Z{i}", "carrier_code": "ups", "title": "UPS"}]},
            {"kind": "invoice", "id": i, "ts": invoiced + 1.0, "amount": 10.0,
             "items": lines}]
        self.payments[i - 1].update(status="captured", captured_amount=10.0)
        self.payment_operations.append({"payment_id": f"PAY-{i}", "order_id": f"{i:09d}",
                                        "op": "capture", "amount": 10.0,
                                        "outcome": "captured", "ts": invoiced + 1.5,
                                        "idempotency_key": f"capture-{i:09d}-{i}"})

    # ---------------------------------------------------------------------------- write
    def evidence_files(self) -> dict[str, Any]:
        files: dict[str, Any] = {
            "snapshot_before.json": self.snapshot,
            "magento/orders.jsonl": self.magento_orders,
            "magento/source_items.jsonl": self.source_items,
            "magento/salable.json": self.salable,
            "magento/reservations.jsonl": self.reservations,
            "magento/customers.jsonl": self.customers,
            "erp/orders.jsonl": self.erp_orders, "erp/requests.jsonl": self.erp_requests,
            "erp/stock_history.jsonl": self.stock_history, "erp/stock.jsonl": self.erp_stock,
            "erp/journal.json": self.erp_journal,
            "crm/contacts.jsonl": self.contacts, "crm/overwrites.jsonl": self.overwrites,
            "payment/payments.jsonl": self.payments,
            "payment/operations.jsonl": self.payment_operations}
        if self.magento_journal is not None:
            files["magento/journal.json"] = self.magento_journal
        return files

    def write(self, root: Path, name: str = "run") -> Path:
        run_dir = root / name
        run_dir.mkdir(parents=True)
        (run_dir / "evidence").mkdir()
        top = {"run.json": self.run, "plan.yaml": self.plan, "control.jsonl": self.control,
               "checkouts.jsonl": self.checkouts, "latency.jsonl": self.latency,
               "arrivals.jsonl": self.arrivals, "faults.jsonl": self.faults,
               "timeline.jsonl": self.timeline}
        for rel, data in top.items():
            if rel not in self.omit:
                _write(run_dir / rel, data)
        counts: dict[str, int] = {}
        for rel, data in self.evidence_files().items():
            if rel in self.omit:
                continue
            _write(run_dir / "evidence" / rel, data)
            if rel.endswith(".jsonl"):
                counts[rel] = len(data)
        manifest = {"complete": True, "exported_at": self.exported_at, "files": counts,
                    "errors": [], **self.manifest_overrides}
        if "manifest.json" not in self.omit:
            _write(run_dir / "evidence" / "manifest.json", manifest)
        return run_dir

    def copy(self) -> HealthyRun:
        return copy.deepcopy(self)


def _write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in data), encoding="utf-8")
    elif path.suffix == ".yaml":
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
    else:
        path.write_text(json.dumps(data), encoding="utf-8")
