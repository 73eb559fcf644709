"""Every check over the evidence of 100,000 orders and 1,000,000 ERP requests: time and peak RSS.

Generates a run folder in the documented format (docs/run-folder.md), streamed to disk: a
10-minute load with three fault windows, 100,000 checkouts and Magento orders, 100,000 ERP
orders reached through 1,000,000 ``POST /api/orders`` (each order retried with backoff and
jitter), 2,000 SKUs of stock, 20,000 customers and contacts, per-second HDR histograms for 30
request names. After the order: each order shipped by the ERP (every 5th in two parts) and
invoiced, Magento's documents mirroring it, every 50th cancelled instead, every 40th refunded
(a credit memo booked in the ERP), and the payment mock's authorization, capture and refund
for each. Then, each in a fresh child process so peak RSS is its own:

* baseline: read every file the checks read, line by line, parsing each JSON line (orjson);
* checks: ``RunEvidence.load`` + ``judge`` with every registered check and the SLO gates.

Prints both times and peak RSS, and the ratio checks / baseline. Target: checks ≤ 10 s.
With ``--compare SRC`` (another checkout's ``src``, e.g. ``git archive <commit> src`` unpacked),
the checks also run from that source on the same evidence, alternating with this one
``--rounds`` times, and the median ratio this / that is printed (a shared machine's speed
drifts; only a ratio measured in the same run means anything).
Usage: ``.venv/bin/python benchmarks/checks_evidence.py [--orders N] [--requests-per-order K]
[--compare SRC] [--rounds R]``
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
from hdrh.histogram import HdrHistogram

T0 = 1_796_300_000.0
SECONDS = 600
FAULTS = [(120.0, 60.0, "erp down", "proxy:erp", {"proxy": "erp", "down": True}),
          (300.0, 30.0, "erp http 503", "mock:erp", {"mock": "erp", "http": {"status": 503,
                                                                            "rate": 0.5}}),
          (420.0, 30.0, "shipping down", "proxy:shipping", {"proxy": "shipping", "down": True})]
TARGET_S = 10.0


class Writer:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = path.open("wb", buffering=1 << 20)
        self.count = 0

    def __call__(self, record: dict[str, Any]) -> None:
        self.handle.write(orjson.dumps(record) + b"\n")
        self.count += 1

    def close(self) -> int:
        self.handle.close()
        return self.count


def _mtime(wall: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(wall))


def generate(run_dir: Path, orders: int, per_order: int, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    ev = run_dir / "evidence"
    skus = [f"PR-{n:06d}" for n in range(2000)]
    files = {name: Writer(ev / name) for name in (
        "magento/orders.jsonl", "magento/source_items.jsonl", "magento/reservations.jsonl",
        "magento/customers.jsonl", "erp/orders.jsonl", "erp/requests.jsonl",
        "erp/stock_history.jsonl", "erp/stock.jsonl", "crm/contacts.jsonl",
        "crm/overwrites.jsonl", "payment/payments.jsonl", "payment/operations.jsonl")}
    checkouts = Writer(run_dir / "checkouts.jsonl")
    requests: list[tuple[float, bytes]] = []
    sold = dict.fromkeys(skus, 0)
    next_id = 0
    for i in range(1, orders + 1):
        placed = T0 + 1 + (SECONDS - 2) * i / orders
        increment = f"{i:09d}"
        sku = skus[i % len(skus)]
        sold[sku] += 2
        checkouts({"journey": "guest_checkout" if i % 2 else "customer_checkout",
                   "intended_ts": placed - 0.4, "start_ts": placed - 0.4, "end_ts": placed,
                   "latency_ms": 400.0, "ok": True, "status": 200, "error": None, "step": None,
                   "cart_id": f"c{i}", "quote_id": i, "order_id": i, "increment_id": increment,
                   "customer_email": f"o{i}@example.com", "items": [{"sku": sku, "qty": 2}],
                   "edge_case": False, "flash_sale": False, "worker": "w"})
        files["magento/reservations.jsonl"]({
            "reservation_id": i, "stock_id": 1, "sku": sku, "quantity": -2,
            "metadata": {"event_type": "order_placed", "object_type": "order",
                         "object_id": str(i), "object_increment_id": increment}})
        ts = placed + 0.05
        for k in range(per_order):
            last = k == per_order - 1
            next_id += 1
            record = {"id": next_id, "key": increment, "ts": ts, "method": "POST",
                      "path": "/api/orders", "status": 201 if last else 503,
                      "faults": [] if last else ["erp-503"], "request_id": f"r{next_id}",
                      "idempotency_key": increment, "increment_id": increment,
                      "retry_after": None}
            if last:
                record.update(outcome="created", erp_order_id=f"SO-{i}")
            requests.append((ts, orjson.dumps(record)))
            ts += rng.uniform(0, min(30.0, 0.02 * 2 ** k))
        erp_order, magento_docs = _lifecycle(i, sku, ts)
        files["erp/orders.jsonl"]({
            "key": f"SO-{i}", "seq": i, "erp_order_id": f"SO-{i}", "increment_id": increment,
            "idempotency_key": increment, "attempts": 1, "received_ts": ts,
            "customer_email": f"o{i}@example.com",
            "items": [{"sku": sku, "qty": 2, "price": 10.0}], **erp_order})
        _payments(files, i, increment, placed, magento_docs)
        invoiced = sum(d["amount"] for d in magento_docs if d["kind"] == "invoice")
        refunded = sum(d["amount"] for d in magento_docs if d["kind"] == "creditmemo")
        files["magento/orders.jsonl"]({
            "entity_id": i, "increment_id": increment, "quote_id": i,
            "state": "canceled" if i % 50 == 0 else "complete", "status": "pending",
            "created_at": _mtime(placed), "customer_email": f"o{i}@example.com",
            "grand_total": 20.0, "payment_method": "peakready_card",
            "total_invoiced": invoiced, "total_paid": invoiced, "total_refunded": refunded,
            "documents": magento_docs,
            "items": [{"sku": sku, "qty_ordered": 2, "qty_shipped": 0, "qty_refunded": 0,
                       "qty_canceled": 0, "price": 10.0}]})
        if len(requests) >= 100_000:
            _flush(requests, files["erp/requests.jsonl"])
    _flush(requests, files["erp/requests.jsonl"])
    for n in range(50_000):
        files["erp/stock_history.jsonl"]({"id": n + 1, "key": skus[n % 2000],
                                          "ts": T0 + n * SECONDS / 50_000, "sku": skus[n % 2000],
                                          "delta": -1, "requested": -1, "qty_after": 1000,
                                          "reason": "other_channel_sale", "seq": n + 1})
    for sku in skus:
        files["erp/stock.jsonl"]({"sku": sku, "qty": 1000, "updated_at": T0 - 100, "seq": 1})
        files["magento/source_items.jsonl"]({"sku": sku, "source_code": "default",
                                             "quantity": 1000, "status": 1})
    for n in range(20_000):
        files["magento/customers.jsonl"]({"id": n, "email": f"c{n}@example.com",
                                          "firstname": "A", "lastname": "B",
                                          "created_at": _mtime(T0 - 3600),
                                          "updated_at": _mtime(T0 + 10 if n % 10 == 0
                                                               else T0 - 3600)})
        files["crm/contacts.jsonl"]({"key": f"C{n}", "seq": n, "contact_id": f"C{n}",
                                     "email": f"c{n}@example.com", "firstname": "A",
                                     "lastname": "B", "updated_at": T0 + 20,
                                     "segment": "vip", "lead_score": 1})
    counts = {name: w.close() for name, w in files.items()}
    checkouts.close()
    _write_json(ev / "magento/salable.json", {s: 1000 - sold[s] for s in skus})
    _write_json(ev / "erp/journal.json", {"routes": {"/api/stock": {"GET": {"200": 60}}}})
    _write_json(ev / "snapshot_before.json", {"wall": T0 - 1, "magento": {
        "salable": dict.fromkeys(skus, 1000)}, "erp": {"on_hand": dict.fromkeys(skus, 1000)}})
    _write_json(ev / "manifest.json", {"complete": True, "exported_at": T0 + SECONDS + 30,
                                       "files": counts, "errors": []})
    _load_files(run_dir, rng)
    return counts


def _lifecycle(i: int, sku: str, received: float) -> tuple[dict[str, Any],
                                                           list[dict[str, Any]]]:
    """The ERP's side of order ``i`` after receipt and the documents Magento recorded."""
    if i % 50 == 0:           # cancelled in Magento first; the ERP honoured it
        return ({"status": "cancelled", "cancelled_at": received + 2,
                 "cancel_requests": [{"at": received + 2, "outcome": "cancelled"}],
                 "shipments": [], "status_history": [{"status": "received", "at": received}]},
                [{"kind": "cancel", "id": None, "ts": received + 1.5, "items": []}])
    parts = [[{"sku": sku, "qty": 1}], [{"sku": sku, "qty": 1}]] if i % 5 == 0 \
        else [[{"sku": sku, "qty": 2}]]
    shipments = [{"shipment_id": f"SH-{i}-{n}", "at": received + 5 + 5 * n,
                  "carrier": "UPS", "tracking_number": f"1Z{i:010d}{n}", "items": lines}
                 for n, lines in enumerate(parts)]
    docs: list[dict[str, Any]] = [
        {"kind": "shipment", "id": i * 2 + n, "ts": s["at"] + 1, "items": s["items"],
         "tracks": [{"track_number": s["tracking_number"], "carrier_code": "ups"}]}
        for n, s in enumerate(shipments)]
    invoiced_at = received + 20
    docs.append({"kind": "invoice", "id": i, "ts": invoiced_at + 1, "amount": 20.0})
    memos = []
    if i % 40 == 0:
        docs.append({"kind": "creditmemo", "id": i, "ts": invoiced_at + 5, "amount": 20.0})
        memos.append({"credit_memo_id": str(i), "amount": 20.0, "at": invoiced_at + 6})
    return ({"status": "invoiced", "shipments": shipments, "credit_memos": memos,
             "tracking_number": shipments[-1]["tracking_number"], "carrier": "UPS",
             "invoice_id": f"INV-{i}",
             "status_history": [{"status": "received", "at": received},
                                {"status": "shipped", "at": shipments[-1]["at"]},
                                {"status": "invoiced", "at": invoiced_at}]}, docs)


def _payments(files: dict[str, Writer], i: int, increment: str, placed: float,
              docs: list[dict[str, Any]]) -> None:
    cancelled = any(d["kind"] == "cancel" for d in docs)
    files["payment/payments.jsonl"]({
        "key": f"PAY-{i}", "payment_id": f"PAY-{i}", "order_id": increment,
        "status": "voided" if cancelled else "captured", "amount": 20.0})
    operations = [("authorize", placed, 20.0)]
    operations += [("capture" if d["kind"] == "invoice" else "refund", d["ts"] + 0.5,
                    d["amount"]) for d in docs if d["kind"] in ("invoice", "creditmemo")]
    if cancelled:
        operations.append(("void", placed + 2, 20.0))
    for op, ts, amount in operations:
        files["payment/operations.jsonl"]({
            "payment_id": f"PAY-{i}", "order_id": increment, "op": op, "amount": amount,
            "ts": ts, "idempotency_key": f"{op}-{increment}"})


def _flush(requests: list[tuple[float, bytes]], out: Writer) -> None:
    # Arrival order across orders: sort a window of recent orders (their retries interleave).
    requests.sort(key=lambda r: r[0])
    for _, line in requests:
        out.handle.write(line + b"\n")
        out.count += 1
    requests.clear()


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(data))


def _load_files(run_dir: Path, rng: random.Random) -> None:
    plan = {"name": "bench", "load": {"duration": SECONDS},
            "faults": [{"at": at, "for": length, **spec} for at, length, _, _, spec in FAULTS]}
    import yaml
    (run_dir / "plan.yaml").write_text(yaml.safe_dump(plan))
    _write_json(run_dir / "run.json", {"schema_version": 1, "status": "complete",
                                       "test_start_wall": T0, "test_stop_wall": T0 + SECONDS})
    with (run_dir / "faults.jsonl").open("w") as out:
        for index, (at, length, label, target, spec) in enumerate(FAULTS):
            for event, wall in (("applied", T0 + at), ("cleared", T0 + at + length)):
                out.write(json.dumps({"wall": wall, "event": event, "fault": index,
                                      "label": label, "target": target, "spec": spec,
                                      "outcome": "ok"}) + "\n")
    templates = []
    for scale in (1.0, 1.5):
        hist = HdrHistogram(1, 3_600_000_000, 3)
        for _ in range(200):
            hist.record_value(int(rng.lognormvariate(0, 0.5) * 300_000 * scale))
        encoded = hist.encode()
        templates.append(encoded.decode() if isinstance(encoded, bytes) else str(encoded))
    names = [("journey", "guest_checkout"), ("journey", "customer_checkout"),
             *(("request", f"GET /V1/route-{n}") for n in range(28))]
    with (run_dir / "latency.jsonl").open("w") as lat, \
            (run_dir / "arrivals.jsonl").open("w") as arr:
        for t in range(SECONDS):
            for kind, name in names:
                lat.write(json.dumps({"t": t, "wall": T0 + t, "kind": kind, "name": name,
                                      "count": 200, "errors": 0,
                                      "hdr": templates[t % 2 if kind == "journey" else 0]})
                          + "\n")
            for journey in ("guest_checkout", "customer_checkout"):
                arr.write(json.dumps({"t": t, "wall": T0 + t, "journey": journey,
                                      "offered": 100, "started": 100, "dropped": 0}) + "\n")


_CHILD = r"""
import sys, time
from pathlib import Path
run_dir = Path(sys.argv[2])
start = time.perf_counter()
if sys.argv[1] == "baseline":
    import orjson
    n = 0
    for path in sorted(run_dir.rglob("*.jsonl")):
        with path.open("rb") as handle:
            for line in handle:
                orjson.loads(line)
                n += 1
    detail = f"{n} lines"
else:
    from peakready.checks import CHECKS, RunEvidence, judge
    from peakready.config import parse_plan
    evidence = RunEvidence.load(run_dir)
    plan = parse_plan({**evidence.plan().to_json(), "checks": list(CHECKS.names())})
    verdicts = judge(evidence, plan)
    detail = ", ".join(f"{v.check} {v.status}" for v in verdicts)
elapsed = time.perf_counter() - start
# VmHWM is this process image's own peak (ru_maxrss would carry the parent's across exec).
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(f"{elapsed:.3f} {hwm / 1024:.0f} {detail}")
"""


def child(mode: str, run_dir: Path, src: Path | None = None) -> tuple[float, float, str]:
    env = None if src is None else {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run([sys.executable, "-c", _CHILD, mode, str(run_dir)], check=True,
                         capture_output=True, text=True, env=env, timeout=600).stdout.strip()
    seconds, rss, detail = out.split(" ", 2)
    return float(seconds), float(rss), detail


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--requests-per-order", type=int, default=10)
    parser.add_argument("--compare", type=Path, default=None,
                        help="another source tree (its src/) to time on the same evidence")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    ratios: list[float] = []
    with tempfile.TemporaryDirectory(prefix="peakready-bench-") as tmp:
        run_dir = Path(tmp) / "run"
        begin = time.perf_counter()
        counts = generate(run_dir, args.orders, args.requests_per_order)
        print(f"generated {counts['erp/orders.jsonl']:,} orders, "
              f"{counts['erp/requests.jsonl']:,} ERP requests in "
              f"{time.perf_counter() - begin:.1f} s")
        base_s, base_rss, base_detail = child("baseline", run_dir)
        check_s, check_rss, detail = child("checks", run_dir)
        for _ in range(args.rounds if args.compare is not None else 0):
            other_s, _, _ = child("checks", run_dir, args.compare)
            this_s, _, _ = child("checks", run_dir)
            ratios.append(this_s / other_s)
            print(f"  round: this source {this_s:.2f} s, {args.compare} {other_s:.2f} s")
    print(f"baseline (read + parse every JSONL line, {base_detail}): {base_s:.2f} s, "
          f"peak RSS {base_rss:.0f} MB")
    print(f"checks (RunEvidence.load + judge, every check + gates): {check_s:.2f} s, "
          f"peak RSS {check_rss:.0f} MB")
    print(f"  verdicts: {detail}")
    print(f"ratio checks / baseline: {check_s / base_s:.2f}x time, "
          f"{check_rss / base_rss:.2f}x peak RSS; target checks <= {TARGET_S:g} s: "
          f"{'met' if check_s <= TARGET_S else 'MISSED'}")
    if ratios:
        print(f"ratio this source / {args.compare}: median {statistics.median(ratios):.2f}x "
              f"over {len(ratios)} alternating rounds")
    return 0 if check_s <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
