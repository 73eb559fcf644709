"""``peakready run PLAN --ui``: Locust's web UI, told what Start does under a plan.

::

    the form      a custom parameter "peakready" says that Start runs the plan's open-model
                  arrivals (its rates, mix and fault timeline) and that the user count and
                  ramp fields are not used (``-u 0``: every journey is an arrival)
    /peakready    a page with the plan: rates per journey, the storefront, the fault timeline
                  with each window's state as the orchestrator applies it (faults.jsonl)
    tab           "peakready" in the running test's tabs: the same rows (Locust's extended
                  tabs, filled on every stats poll)
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from peakready.config import Plan

if TYPE_CHECKING:
    from locust.env import Environment

__all__ = ["START_HELP", "install_web_ui", "plan_rows"]

START_HELP = ("Start runs the plan's open-model arrivals: its rates, mix and fault timeline. "
              "The user count and ramp above are not used (every journey is an arrival).")
_KEY = "peakready"


def _applied(run_dir: Path) -> dict[int, str]:
    """Fault index → its state as applied so far (faults.jsonl: applied, then cleared)."""
    path = run_dir / "faults.jsonl"
    states: dict[int, str] = {}
    if not path.is_file():
        return states
    for line in path.read_text("utf-8").splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue   # a line being written
        index = row.get("fault")
        if isinstance(index, int):
            outcome = row.get("outcome")
            states[index] = str(row.get("event")) + ("" if outcome in (None, "ok")
                                                     else f" ({outcome})")
    return states


def plan_rows(plan: Plan, run_dir: Path) -> list[dict[str, str]]:
    """The plan as table rows: one per journey rate, one per fault window."""
    load = plan.load
    rows = [{"what": "journey " + journey,
             "detail": f"{rate * 60:.1f}/min at 100 % ({load.storefront_for(journey)})",
             "state": ""} for journey, rate in load.journey_rates_per_second().items()]
    rows.append({"what": "shape", "detail": f"{load.shape}, {load.duration:g} s, "
                 f"{load.orders_per_minute:g} orders/min at 100 %", "state": ""})
    states = _applied(run_dir)
    for index, fault in enumerate(plan.faults):
        rows.append({"what": f"fault {fault.label}",
                     "detail": f"at {fault.at:g} s for {fault.for_:g} s on {fault.target}",
                     "state": states.get(index, "planned")})
    return rows


def install_web_ui(environment: Environment, plan: Plan, run_dir: Path) -> None:
    web_ui = environment.web_ui
    if web_ui is None:
        return
    web_ui.template_args["extended_tabs"] = [{"title": "peakready", "key": _KEY}]
    web_ui.template_args["extended_tables"] = [{"key": _KEY, "structure": [
        {"key": "what", "title": "Plan"}, {"key": "detail", "title": "Detail"},
        {"key": "state", "title": "State"}]}]
    app: Any = web_ui.app

    def _extend(response: Any) -> Any:
        from flask import request

        if request.path == "/stats/requests" and response.is_json:
            body = response.get_json()
            body["extended_stats"] = [{"key": _KEY, "data": plan_rows(plan, run_dir)}]
            response.set_data(json.dumps(body))
        return response

    app.after_request(_extend)   # every stats poll carries the tab's rows

    def page() -> str:
        rows = "".join(f"<tr><td>{html.escape(r['what'])}</td><td>{html.escape(r['detail'])}"
                       f"</td><td>{html.escape(r['state'])}</td></tr>"
                       for r in plan_rows(plan, run_dir))
        return (f"<!doctype html><title>peakready: {html.escape(plan.name)}</title>"
                f"<h1>{html.escape(plan.name)}</h1><p>{html.escape(START_HELP)}</p>"
                f"<table><tr><th>Plan</th><th>Detail</th><th>State</th></tr>{rows}</table>")

    app.add_url_rule("/peakready", "peakready_plan", page)
