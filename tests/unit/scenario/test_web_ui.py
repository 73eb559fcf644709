"""``--ui``: the form says what Start does, and the plan (rates, mix, faults as applied) is
shown at /peakready and in a peakready tab, on Locust's own Flask app."""

from __future__ import annotations

import html
import json
from pathlib import Path
from types import SimpleNamespace

from flask import Flask, jsonify

from peakready.config import parse_plan
from peakready.scenario.launch import LoadTargets, prepare_locust
from peakready.scenario.web_ui import START_HELP, install_web_ui, plan_rows

PLAN = parse_plan({"name": "ui", "load": {"duration": 60, "orders_per_minute": 60,
                                          "storefront": "pages"},
                   "faults": [{"at": 10, "for": 5, "proxy": "erp", "down": True},
                              {"at": 30, "for": 5, "mock": "erp",
                               "http": {"status": 503}}]})


def _faults(run_dir: Path) -> None:
    lines = [{"event": "applied", "fault": 0, "outcome": "ok"},
             {"event": "cleared", "fault": 0, "outcome": "ok"},
             {"event": "applied", "fault": 1, "outcome": "error: refused"}]
    (run_dir / "faults.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))


def test_the_rows_say_rates_storefront_and_each_faults_state(tmp_path: Path) -> None:
    _faults(tmp_path)
    rows = plan_rows(PLAN, tmp_path)
    browse = next(r for r in rows if r["what"] == "journey browse")
    assert browse["detail"].endswith("(pages)")
    faults = [r for r in rows if r["what"].startswith("fault")]
    assert [r["state"] for r in faults] == ["cleared", "applied (error: refused)"]
    assert [r["state"] for r in plan_rows(PLAN, tmp_path / "none")
            if r["what"].startswith("fault")] == ["planned", "planned"]


def test_the_page_and_the_tab_are_served_from_locusts_app(tmp_path: Path) -> None:
    app = Flask("peakready_web_ui_test")   # not "locust": Flask imports the named module
    app.add_url_rule("/stats/requests", "stats", lambda: jsonify({"stats": []}))
    web_ui = SimpleNamespace(template_args={}, app=app)
    install_web_ui(SimpleNamespace(web_ui=web_ui), PLAN, tmp_path)  # type: ignore[arg-type]
    assert web_ui.template_args["extended_tabs"] == [{"title": "peakready", "key": "peakready"}]
    client = app.test_client()
    page = client.get("/peakready").get_data(as_text=True)
    assert html.escape(START_HELP) in page and "erp down" in page
    stats = client.get("/stats/requests").get_json()
    assert stats["stats"] == []
    assert stats["extended_stats"][0]["key"] == "peakready"
    assert any(r["what"] == "fault erp down" for r in stats["extended_stats"][0]["data"])


def test_with_ui_the_master_serves_the_web_ui_and_the_launch_knows_where(tmp_path: Path) -> None:
    targets = LoadTargets("http://127.0.0.1:8280")
    ui = prepare_locust(PLAN, tmp_path, targets, 0, ui=True, web_port=8123, preflight=False)
    headless = prepare_locust(PLAN, tmp_path, targets, 0, preflight=False)
    assert ui.web_url == "http://127.0.0.1:8123" and "--headless" not in ui.master_argv
    assert headless.web_url is None and "--headless" in headless.master_argv
