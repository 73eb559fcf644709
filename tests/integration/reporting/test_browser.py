"""report.html in a real headless Chromium, offline: no console errors, every chart drawn with
data points, fault windows shaded; a screenshot is kept with the test's artefacts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from peakready.reporting import finalize
from support.browser import REPORT_SELF_CHECK
from support.run_folders import RunSpec, write_run


def _report(tmp_path: Path) -> Path:
    run = write_run(tmp_path / "run", RunSpec(
        seconds=90, faults=[(20.0, 15.0, "erp down"), (50.0, 10.0, "erp latency")]))
    (run / "capacity.json").write_text(json.dumps({
        "sustainable_orders_per_minute": 120.0, "knee_orders_per_minute": 140.0,
        "target_orders_per_minute": 100.0, "headroom": 0.2, "saturated_first": "magento workers",
        "steps": [{"orders_per_minute": r, "p95_ms": p, "ok": p < 1500}
                  for r, p in ((60, 420), (90, 480), (120, 900), (180, 5200), (150, 2600))]}))
    finalize(run, console=False)
    return run / "report.html"


def test_report_renders_in_chromium(browser: Any, tmp_path: Path) -> None:
    report = _report(tmp_path)
    page = browser.open_page(report.as_uri())
    state = page.evaluate(REPORT_SELF_CHECK)
    shot = page.screenshot(tmp_path / "report.png")
    assert shot.stat().st_size > 10_000, f"screenshot at {shot}"

    assert page.errors() == [], page.errors()
    assert [u for u in page.requests if not u.startswith(("file:", "data:", "about:"))] == []
    assert state["verdict"] == "pass" and state["sheets"] == 0 and state["images"] == 0
    charts = {c["id"]: c for c in state["charts"]}
    assert set(charts) == {"capacity", "traffic", "latency", "errors", "backend", "export_lag",
                           "requests_p95"}
    for chart in charts.values():
        assert chart["width"] > 300 and chart["height"] > 50, chart["id"]
        assert chart["points"] > 0 and chart["declared"] > 0, chart["id"]
    assert charts["capacity"]["points"] >= 5 + 5          # the line through 5 steps + dots
    for name in ("traffic", "latency", "errors", "backend", "export_lag", "requests_p95"):
        bands = charts[name]["bands"]
        assert [b["label"] for b in bands] == ["erp down", "erp latency"], name
        assert all(b["width"] > 5 and b["height"] > 50 and b["text"] for b in bands), name
    # The second band is drawn narrower than the first (10 s against 15 s of the same axis).
    latency = charts["latency"]["bands"]
    assert latency[1]["width"] < latency[0]["width"]


def test_the_harness_sees_console_errors(browser: Any, tmp_path: Path) -> None:
    # A control: the same checks must catch a page that logs an error or fetches the network.
    page_file = tmp_path / "broken.html"
    page_file.write_text("<!DOCTYPE html><html><body><img src='https://cdn.example.com/x.png'>"
                         "<script>console.error('boom'); undefinedFunction();</script>"
                         "</body></html>")
    page = browser.open_page(page_file.as_uri())
    errors = page.errors()
    assert any(e.get("args") == ["boom"] for e in errors if isinstance(e, dict))
    assert page.exceptions, "the uncaught ReferenceError"
    assert any(u.startswith("https://cdn.example.com") for u in page.requests)
