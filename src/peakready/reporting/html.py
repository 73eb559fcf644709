"""``report.html``: one self-contained file (inline CSS and SVG, no script, no network).

::

    banner          PASS / FAIL / ERROR, plan, load, faults, verdict counts
    capacity        sustainable orders/min, knee, headroom vs target, curve (when searched)
    verdicts        every check; the failed ones with their examples (order ids, SKUs)
    SLO table       gate x metric per window, as the gates judged them
    fault impact    per fault: Δp95, Δerror rate, orders delayed, export lag, backlog, recovery
    charts          arrivals & throughput, checkout p50/p95/p99, errors, ERP backlog and stock
                    divergence, export lag, p95 per request name — fault windows shaded
    tables          faults as applied, stats per request name and journey, notes
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

from peakready.reporting.result import (
    CapacityResult,
    LatencyStats,
    RunResult,
    VerdictRecord,
)
from peakready.reporting.svg import Band, line_chart, xy_chart

__all__ = ["render"]

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#111827;
background:#f9fafb}main{max-width:980px;margin:0 auto;padding:0 16px 48px}
h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
.banner{padding:18px 16px;color:#fff;font-size:15px}.banner b{font-size:24px;margin-right:12px}
.banner.pass{background:#15803d}.banner.fail{background:#b91c1c}.banner.error{background:#92400e}
.facts{display:flex;flex-wrap:wrap;gap:8px 24px;margin:10px 0}.facts div{min-width:140px}
.facts span{display:block;color:#6b7280;font-size:12px}.facts b{font-size:18px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px;margin:6px 0}
th,td{border:1px solid #e5e7eb;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f3f4f6}td.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#15803d}.bad{color:#b91c1c;font-weight:600}.na{color:#9ca3af}
.status{font-weight:700;text-transform:uppercase}.status.pass{color:#15803d}
.status.fail{color:#b91c1c}.status.error{color:#92400e}.status.not_judged{color:#6b7280}
.figure{margin:12px 0;background:#fff;border:1px solid #e5e7eb;padding:8px}
figcaption{font-weight:600;margin-bottom:4px}svg.chart{width:100%;height:auto}
.plot{fill:#fff;stroke:#d1d5db}.grid{stroke:#f3f4f6}.tick,.unit{font-size:11px;fill:#6b7280}
.series{fill:none;stroke-width:1.6;stroke-linecap:round;stroke-linejoin:round}
.fault-band rect{fill:#f59e0b;fill-opacity:.18}
.band-label{font-size:11px;fill:#92400e}.threshold{stroke:#b91c1c;stroke-dasharray:5 4}
.knee{stroke:#9333ea;stroke-dasharray:3 3}.sustainable{stroke:#15803d}
.point.ok{fill:#15803d}.point.bad{fill:#fff;stroke:#b91c1c;stroke-width:2}
.legend{font-size:12px;color:#374151}.key{margin-right:12px;white-space:nowrap}
.key i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
details{margin:6px 0}code{font-size:12px}.note{color:#6b7280}
"""


def _e(value: Any) -> str:
    return escape(str(value))


def _ms(value: float | None) -> str:
    return '<span class="na">n/a</span>' if value is None else f"{value:,.0f} ms"


def _pct(value: float | None) -> str:
    return '<span class="na">n/a</span>' if value is None else f"{value:.2%}"


def _num(value: float | int | None, digits: int = 0) -> str:
    return '<span class="na">n/a</span>' if value is None else f"{value:,.{digits}f}"


def _signed(value: float | None, unit: str = "") -> str:
    if value is None:
        return '<span class="na">n/a</span>'
    css = "bad" if value > 0 else "ok"
    text = f"{value:+.2%}" if unit == "%" else f"{value:+,.0f}{unit}"
    return f'<span class="{css}">{text}</span>'


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]],
           numeric: Sequence[int] = ()) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(
        f'<td class="num">{cell}</td>' if i in numeric else f"<td>{cell}</td>"
        for i, cell in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _banner(result: RunResult) -> str:
    word = {0: "pass", 1: "fail"}.get(result.exit_code, "error")
    counts = {s: sum(v.status == s for v in result.verdicts)
              for s in ("pass", "fail", "not_judged", "error")}
    faults = sum(w.kind == "fault" for w in result.windows)
    detail = (f"{_e(result.plan_name)} · {_num(result.timings.duration_s)} s load · {faults} "
              f"fault window{'s' * (faults != 1)} · {counts['pass']} passed, {counts['fail']} "
              f"failed, {counts['not_judged']} not judged, {counts['error']} could not judge · "
              f"exit {result.exit_code}")
    status = "" if result.status == "complete" else \
        f"<div>run {_e(result.status)}: {_e(result.error or '')}</div>"
    return (f'<header class="banner {word}" id="verdict" data-verdict="{word}">'
            f"<b>{word.upper()}</b>{detail}{status}</header>")


def _facts(items: Sequence[tuple[str, str]]) -> str:
    return '<div class="facts">' + "".join(f"<div><span>{_e(k)}</span><b>{v}</b></div>"
                                           for k, v in items) + "</div>"


def _capacity(result: RunResult) -> str:
    capacity: CapacityResult | None = result.capacity
    target = (result.plan.get("capacity") or {}).get("target_orders_per_minute")
    if capacity is None:
        hint = f" Peak forecast in the plan: {target:,.0f} orders/min." if target else ""
        return ("<h2>Capacity</h2><p class=\"note\">No capacity search in this run "
                f"(<code>peakready capacity PLAN</code> finds it).{hint}</p>")
    if capacity.sustainable_orders_per_minute is None:
        first = capacity.steps[0] if capacity.steps else None
        headline = "below the lowest step" + (
            f" ({first.orders_per_minute:,.0f} orders/min: {'; '.join(first.reasons)})"
            if first else "")
        sustainable = f'<span class="bad">{_e(headline)}</span>'
    else:
        sustainable = f"{capacity.sustainable_orders_per_minute:,.0f} orders/min"
    headroom = capacity.headroom
    facts = [("sustainable", sustainable),
             ("knee", _num(capacity.knee_orders_per_minute) + " orders/min"
              if capacity.knee_orders_per_minute is not None else _num(None)),
             ("target (peak forecast)", _num(capacity.target_orders_per_minute)),
             ("headroom", '<span class="na">n/a</span>' if headroom is None else
              f'<span class="{"ok" if headroom >= 0 else "bad"}">{headroom:+.0%}</span>'),
             ("saturated first", _e(capacity.saturated_first or "n/a")),
             ("model predicts", _num(capacity.predicted_orders_per_minute))]
    threshold = None
    gates = (result.plan.get("slo") or {}).get("gates") or {}
    if isinstance(gates.get("checkout"), dict):
        threshold = gates["checkout"].get("p95_ms")
    points = [(s.orders_per_minute, s.p95_ms, s.ok) for s in capacity.steps
              if s.p95_ms is not None]
    chart = xy_chart("capacity", "Throughput vs latency: checkout p95 per offered rate", points,
                     x_unit="offered orders/min", y_unit="p95 ms", threshold=threshold,
                     knee=capacity.knee_orders_per_minute,
                     sustainable=capacity.sustainable_orders_per_minute) if points else ""
    rows = [(_e(s.phase), _num(s.orders_per_minute), _num(s.achieved_orders_per_minute),
             _ms(s.p95_ms), _pct(s.error_rate), _pct(s.cache_hit_ratio),
             "yes" if s.stable else "no",
             '<span class="ok">ok</span>' if s.ok else f'<span class="bad">'
             f'{_e("; ".join(s.reasons) or "failed")}</span>') for s in capacity.steps]
    table = _table(["phase", "offered/min", "achieved/min", "p95", "errors", "cache hits",
                    "stable", "result"], rows, numeric=(1, 2, 3, 4, 5))
    below = ("<p class=\"note\">The checks, tables and charts below are those of the highest "
             "passing step's load phase (its folder is under <code>steps/</code>).</p>"
             if capacity.sustainable_orders_per_minute is not None else
             "<p class=\"note\">The checks, tables and charts below are those of the first "
             "step.</p>")
    return (f"<h2>Capacity and headroom</h2><p>{_e(capacity.summary)}</p>" + _facts(facts)
            + chart + table + below)


def _plain(value: Any) -> str:
    """A figure as a reader writes it: no Python literals (dicts, lists, True, None)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value)
    return str(value)


def _example_table(examples: Sequence[Mapping[str, Any]]) -> str:
    keys: list[str] = []
    for example in examples:
        keys.extend(k for k in example if k not in keys)
    rows = [[_e(_plain(example.get(k, ""))) for k in keys] for example in examples]
    return _table(keys, rows)


def _figures(figures: Mapping[str, Any]) -> str:
    """A check's figures: scalars on one line; a mapping of rows (per window, per SKU) as a
    table of its own."""
    tables = {k: v for k, v in figures.items() if isinstance(v, Mapping) and v
              and all(isinstance(row, Mapping) for row in v.values())}
    line = " · ".join(f"{_e(k)}: <strong>{_e(_plain(v))}</strong>" for k, v in figures.items()
                      if k not in tables)
    out = [f'<p class="figures">{line}</p>'] if line else []
    for key, rows in tables.items():
        out.append(_example_table([{key: name, **row} for name, row in rows.items()]))
    return "".join(out)


def _verdicts(verdicts: Sequence[VerdictRecord]) -> str:
    if not verdicts:
        return "<h2>Checks</h2><p class=\"note\">No checks were judged.</p>"
    rows = [(f'<span class="status {v.status}">{v.status.replace("_", " ")}</span>',
             f"<code>{_e(v.check)}</code>",
             _e(v.summary), _e(", ".join(v.windows))) for v in verdicts]
    out = ["<h2>Checks</h2>", _table(["status", "check", "summary", "windows"], rows)]
    failed = [v for v in verdicts if v.status != "pass"]
    if failed:
        out.append('<h2 id="failed">Failed and unjudged checks</h2>')
    for verdict in failed:
        out.append(f'<details open class="failed-check" data-check="{_e(verdict.check)}">'
                   f'<summary><span class="status {verdict.status}">{verdict.status}</span> '
                   f"<code>{_e(verdict.check)}</code>: {_e(verdict.summary)}</summary>"
                   + _figures(verdict.figures)
                   + (_example_table(verdict.examples) if verdict.examples else "")
                   + "</details>")
    return "".join(out)


def _slo(result: RunResult) -> str:
    if not result.slo:
        return ""
    windows = [w.name for w in result.windows if any(r.window == w.name for r in result.slo)]
    cells: dict[tuple[str, str], dict[str, str]] = {}
    for row in result.slo:
        fmt = _pct if row.metric == "error_rate" else _ms
        css = "na" if row.ok is None else "ok" if row.ok else "bad"
        limit = f"{fmt(row.threshold)}{'*' if row.during_faults else ''}" if row.judged \
            else "not judged"
        cells.setdefault((row.gate, row.metric), {})[row.window] = (
            f'<span class="{css}">{fmt(row.measured)}</span> / {limit}')
    rows = [[f"<code>{_e(g)}</code>", _e(m), *(by.get(w, "") for w in windows)]
            for (g, m), by in cells.items()]
    return ("<h2>SLO per window</h2><p class=\"note\">measured / limit, as the gates judged "
            "them; * a fault window (the plan's during_faults limit when it sets one); the "
            "whole run of a run with faults is reported, not judged.</p>"
            + _table(["gate", "metric", *windows], rows))


def _impact(result: RunResult) -> str:
    if not result.impact:
        return ""
    rows = [(_e(i.label), _ms(i.p95_ms), _signed(i.delta_p95_ms, " ms"), _pct(i.error_rate),
             _signed(i.delta_error_rate, "%"), _num(i.orders_in_window), _num(i.orders_delayed),
             _num(i.export_lag_p95_s, 1) + " s" if i.export_lag_p95_s is not None else _num(None),
             _num(i.backlog_peak),
             (_num(i.time_to_recover_s, 1) + " s") if i.time_to_recover_s is not None else
             (f'<span class="bad">not recovered: {_num(i.orders_never_exported)} orders never '
              f'reached the ERP</span>' if i.recovered is False else _num(None)))
            for i in result.impact]
    return ("<h2>Fault impact</h2><p class=\"note\">Checkout against the baseline window; "
            "orders delayed: placed in the window and exported later than the export-lag "
            "limit (or never). Backlog and recovery from the witnesses: orders acknowledged "
            "against the ERP's own receipts; recovered when every order the fault held up "
            "reached the ERP.</p>"
            + _table(["fault", "p95", "Δp95", "errors", "Δerrors", "orders", "delayed",
                      "export lag p95", "backlog peak", "time to recover"], rows,
                     numeric=tuple(range(1, 10))))


def _charts(result: RunResult) -> str:
    bands = [Band(w.start_t, w.end_t, w.label or w.name) for w in result.windows
             if w.kind == "fault"]
    specs = [("traffic", "Arrivals and throughput", "per second"),
             ("latency", "Checkout latency p50 / p95 / p99", "ms"),
             ("errors", "Errors", "per second"),
             ("backend", "ERP backlog and stock divergence", "count"),
             ("export_lag", "Export lag to the ERP, by second of checkout", "s"),
             ("requests_p95", "p95 per request name", "ms")]
    out = ["<h2>Over time</h2>"]
    end = max([w.end_t for w in result.windows] + [s.t[-1] for s in result.series.values()
                                                     if s.t] + [0.0])
    for key, title, unit in specs:
        series = result.series.get(key)
        if series is not None and series.t:
            out.append(line_chart(key, title, series, bands, y_unit=unit, x_end=end))
    if len(out) == 1:
        out.append('<p class="note">No per-second samples were recorded.</p>')
    return "".join(out)


def _faults(result: RunResult) -> str:
    if not result.faults:
        return ""
    rows = [(_e(f.fault), _e(f.label), _e(f.target), _num(f.planned_at, 1),
             _num(f.applied_t, 1), _num(f.cleared_t, 1),
             _e(f.outcome) if f.outcome == "ok" else f'<span class="bad">{_e(f.outcome)}</span>')
            for f in result.faults]
    return ("<h2>Faults as applied</h2>"
            + _table(["#", "fault", "target", "planned at s", "applied s", "cleared s",
                      "outcome"], rows, numeric=(3, 4, 5)))


def _stat_rows(items: Iterable[tuple[str, LatencyStats]]) -> list[list[str]]:
    return [[f"<code>{_e(name)}</code>", _num(s.count), _num(s.per_second, 2), _pct(s.error_rate),
             _ms(s.p50_ms), _ms(s.p95_ms), _ms(s.p99_ms), _ms(s.max_ms)]
            for name, s in items if s.count]


def _stats(result: RunResult) -> str:
    whole = result.window_stats("whole")
    if whole is None:
        return ""
    rows = _stat_rows([("checkout", whole.checkout), *sorted(whole.journeys.items()),
                       *sorted(whole.requests.items())])
    if not rows:
        return ""
    return ("<h2>Requests and journeys (whole run)</h2>"
            + _table(["name", "count", "per s", "errors", "p50", "p95", "p99", "max"], rows,
                     numeric=range(1, 8)))


def render(result: RunResult) -> str:
    notes = "".join(f"<li>{_e(n)}</li>" for n in result.notes)
    body = "".join([
        _banner(result), "<main>",
        _facts([("plan", _e(result.plan_name)), ("status", _e(result.status)),
                ("started", _e(result.timings.started_at or "n/a")),
                ("generated", _e(result.generated_at)),
                ("peakready", _e(result.peakready_version))]),
        _capacity(result), _verdicts(result.verdicts), _slo(result), _impact(result),
        _charts(result), _faults(result), _stats(result),
        f"<h2>Notes</h2><ul class=\"note\">{notes}</ul>" if notes else "",
        "</main>"])
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; img-src data:\">"
            f"<title>peakready {_e(result.plan_name)}: {_e(result.exit_code)}</title>"
            f"<style>{_CSS}</style></head><body>{body}</body></html>\n")
