"""The measurements module stands below checks and report, and the two agree on a run folder."""

from __future__ import annotations

import ast
import json
import time
from pathlib import Path

import peakready.measure
from peakready.checks import RunEvidence
from peakready.checks.no_lost_orders import acknowledged_orders
from peakready.reporting import finalize
from support.run_folders import T0, RunSpec, write_run


def test_measure_imports_neither_checks_nor_reporting() -> None:
    package = Path(peakready.measure.__file__).parent
    imported: set[str] = set()
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    assert "peakready.measure.latency" in imported      # the scan sees the package's imports
    bad = {m for m in imported if m.startswith(("peakready.checks", "peakready.reporting"))}
    assert bad == set()


def _with_drops_and_a_store_only_order(run: Path) -> None:
    """Arrivals dropped at max_concurrency in the baseline and in the fault window, and one
    order that only Magento's order list knows (placed inside the fault window)."""
    with (run / "arrivals.jsonl").open("a", encoding="utf-8") as handle:
        for t in (5, 22):
            handle.write(json.dumps({"t": t, "wall": T0 + t, "journey": "guest_checkout",
                                     "offered": 3, "started": 0, "dropped": 3}) + "\n")
    with (run / "evidence" / "magento" / "orders.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"entity_id": 9999, "increment_id": "900009999",
                                 "state": "processing", "created_at": "2026-12-03 09:00:00",
                                 "items": []}) + "\n")
    manifest = json.loads((run / "evidence" / "manifest.json").read_text("utf-8"))
    manifest["files"]["magento/orders.jsonl"] += 1
    (run / "evidence" / "manifest.json").write_text(json.dumps(manifest), "utf-8")


def test_report_and_gate_agree_on_every_window(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", RunSpec(checks=["checkout_slo", "no_lost_orders"]))
    _with_drops_and_a_store_only_order(run)
    result = finalize(run, console=False)
    [gate] = [v for v in result.verdicts if v.check == "checkout_slo"]
    judged = gate.figures["windows"]
    assert sum(row["dropped"] for name, row in judged.items() if name != "whole") == 6
    for window in result.windows:
        shown = result.window_stats(window.name)
        assert shown is not None
        row = judged[window.name]
        assert (shown.checkout.count, shown.checkout.dropped) == (row["count"], row["dropped"])
        assert shown.checkout.error_rate == round(row["error_rate"] or 0.0, 6), window.name
        assert (shown.checkout.p50_ms, shown.checkout.p95_ms, shown.checkout.p99_ms) == (
            row["p50_ms"], row["p95_ms"], row["p99_ms"]), window.name


def test_report_counts_the_orders_the_checks_count(tmp_path: Path) -> None:
    # An order only Magento's order list knows is acknowledged for no_lost_orders; the
    # report's fault impact counts the same set, not the checkouts alone.
    run = write_run(tmp_path / "run", RunSpec(checks=["export_lag"]))
    _with_drops_and_a_store_only_order(run)
    (run / "evidence" / "magento" / "orders.jsonl").write_text(
        (run / "evidence" / "magento" / "orders.jsonl").read_text("utf-8").replace(
            '"created_at": "2026-12-03 09:00:00"',
            f'"created_at": "{_stamp(T0 + 25)}"'), "utf-8")
    result = finalize(run, console=False)
    evidence = RunEvidence.load(run)
    acked, _ = acknowledged_orders(evidence)
    [impact] = result.impact
    [fault] = [w for w in evidence.windows if w.kind == "fault"]
    inside = [i for i, at in acked.items() if at is not None and fault.contains(at)]
    assert "900009999" in inside
    assert impact.orders_in_window == len(inside)


def _stamp(wall: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(wall))
