"""Synthetic run folders in the documented formats (docs/run-folder.md), seeded.

``write_run(tmp_path, seconds=60, faults=[(20, 10, "erp down")])`` writes run.json, plan.yaml,
control.jsonl, latency.jsonl (real HDR histograms), arrivals.jsonl, faults.jsonl,
timeline.jsonl, checkouts.jsonl and evidence/ (manifest, ERP and Magento orders). Inside a
fault window checkout latency rises ``slow`` times and ERP exports wait until the fault clears,
so the report's fault impact has something to measure. Used by the reporting tests and
benchmarks/report_render.py.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from hdrh.histogram import HdrHistogram

__all__ = ["RunSpec", "write_run"]

T0 = 1_796_300_000.0
JOURNEYS = ("browse", "search", "guest_checkout", "customer_checkout")


@dataclass
class RunSpec:
    seconds: int = 60
    faults: list[tuple[float, float, str]] = field(default_factory=lambda: [(20.0, 10.0,
                                                                               "erp down")])
    request_names: int = 6
    per_second: int = 20           # samples per request name per second
    checkouts_per_second: int = 2
    slow: float = 4.0              # checkout latency factor inside a fault window
    seed: int = 1
    status: str = "complete"
    checks: list[str] = field(default_factory=list)
    lost_in_faults: bool = False   # orders placed in a fault window never reach the ERP


def _hist(rng: random.Random, n: int, median_us: float) -> str:
    hist = HdrHistogram(1, 3_600_000_000, 3)
    for _ in range(n):
        hist.record_value(max(1, int(rng.lognormvariate(0, 0.5) * median_us)))
    encoded = hist.encode()
    return encoded.decode() if isinstance(encoded, bytes) else str(encoded)


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def write_run(run_dir: Path, spec: RunSpec | None = None) -> Path:
    spec = spec or RunSpec()
    rng = random.Random(spec.seed)
    run_dir.mkdir(parents=True, exist_ok=True)
    stop = T0 + spec.seconds
    plan = {"name": "synthetic", "load": {"duration": spec.seconds},
            "faults": [{"at": at, "for": span, "proxy": "erp", "down": True, "name": label}
                       for at, span, label in spec.faults],
            "slo": {"checkout": {"p95_ms": 1500, "error_rate": 0.05},
                    "during_faults": {"checkout": {"p95_ms": 6000, "error_rate": 0.2}}},
            "checks": spec.checks,
            "capacity": {"target_orders_per_minute": 100}}
    (run_dir / "plan.yaml").write_text(yaml.safe_dump(plan), encoding="utf-8")
    (run_dir / "run.json").write_text(json.dumps({
        "schema_version": 1, "plan": "synthetic", "status": spec.status,
        "peakready_version": "0.1.0", "started_at": "2026-12-03T09:00:00Z",
        "test_start_wall": T0, "test_stop_wall": stop,
        "drain": {"drained": True, "waited_s": 2.0, "timeout_s": 120},
        "ended_at": "2026-12-03T09:10:00Z", "workers": 1, "worker_losses": [],
        "components": {}, "error": None}), encoding="utf-8")
    _jsonl(run_dir / "control.jsonl", [{"event": "test_start", "wall": T0, "workers": 1},
                                       {"event": "test_stop", "wall": stop}])

    def faulted(t: float) -> tuple[float, float] | None:
        return next(((at, at + span) for at, span, _ in spec.faults if at <= t < at + span),
                    None)

    latency, arrivals, checkouts, erp, magento = [], [], [], [], []
    names = [f"GET /V1/route-{i:02d}" for i in range(spec.request_names)]
    order = 0
    for t in range(spec.seconds):
        wall = T0 + t
        window = faulted(t)
        slow = spec.slow if window else 1.0
        for name in names:
            latency.append({"t": t, "wall": wall, "kind": "request", "name": name,
                            "count": spec.per_second, "errors": 1 if window else 0,
                            "hdr": _hist(rng, spec.per_second, 40_000 * slow)})
        for journey in JOURNEYS:
            n = spec.checkouts_per_second if "checkout" in journey else 3
            latency.append({"t": t, "wall": wall, "kind": "journey", "name": journey,
                            "count": n, "errors": 0,
                            "hdr": _hist(rng, n, 400_000 * (slow if "checkout" in journey
                                                            else 1.0))})
            arrivals.append({"t": t, "wall": wall, "journey": journey, "offered": n,
                             "started": n, "dropped": 0})
        for _ in range(spec.checkouts_per_second):
            order += 1
            inc = f"{order:09d}"
            end = wall + rng.random()
            checkouts.append({"journey": "guest_checkout", "intended_ts": end - 0.4,
                              "start_ts": end - 0.4, "end_ts": end, "latency_ms": 400.0,
                              "ok": True, "status": 200, "error": None, "step": None,
                              "order_id": order, "increment_id": inc,
                              "items": [{"sku": f"PR-{order % 40:06d}", "qty": 1}]})
            received = (T0 + window[1] + rng.random() * 3) if window else end + 0.5
            magento.append({"entity_id": order, "increment_id": inc, "state": "processing",
                            "created_at": time.strftime("%Y-%m-%d %H:%M:%S",
                                                        time.gmtime(int(end))),
                            "items": [{"sku": f"PR-{order % 40:06d}", "qty_ordered": 1}]})
            if not (window and spec.lost_in_faults):
                erp.append({"key": f"SO-{order:07d}", "erp_order_id": f"SO-{order:07d}",
                            "increment_id": inc, "attempts": 1, "received_ts": received})
    faults = []
    for index, (at, span, label) in enumerate(spec.faults):
        common = {"fault": index, "label": label, "target": "proxy:erp", "planned_at": at,
                  "planned_for": span, "spec": {"proxy": "erp", "down": True}, "outcome": "ok"}
        faults.append({"wall": T0 + at, "t": at, "event": "applied", **common})
        faults.append({"wall": T0 + at + span, "t": at + span, "event": "cleared", **common})
    timeline = []
    for t in range(0, spec.seconds + 10, 2):
        window = faulted(t)
        backlog = int((t - window[0]) * spec.checkouts_per_second) if window else 0
        timeline.append({"wall": T0 + t, "t": t, "phase": "load" if t < spec.seconds
                         else "drain", "magento_orders": t * spec.checkouts_per_second,
                         "erp_orders": t * spec.checkouts_per_second - backlog,
                         "erp_backlog": backlog, "stock_divergent_skus": backlog // 4})
    _jsonl(run_dir / "latency.jsonl", latency)
    _jsonl(run_dir / "arrivals.jsonl", arrivals)
    _jsonl(run_dir / "checkouts.jsonl", checkouts)
    _jsonl(run_dir / "faults.jsonl", faults)
    _jsonl(run_dir / "timeline.jsonl", timeline)
    _jsonl(run_dir / "evidence" / "erp" / "orders.jsonl", erp)
    _jsonl(run_dir / "evidence" / "magento" / "orders.jsonl", magento)
    (run_dir / "evidence" / "manifest.json").write_text(json.dumps({
        "complete": True, "exported_at": "2026-12-03T09:01:10Z",
        "files": {"erp/orders.jsonl": len(erp), "magento/orders.jsonl": len(magento)},
        "errors": []}), encoding="utf-8")
    return run_dir
