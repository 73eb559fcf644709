"""report.html: self-contained, every chart with data, fault windows shaded, text escaped."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from peakready.reporting import FORMATS, finalize
from peakready.reporting.result import RunResult, Series, VerdictRecord, WindowRecord
from peakready.reporting.svg import line_chart


def test_formats_are_registered() -> None:
    assert FORMATS.names() == ("html", "junit")
    assert FORMATS["html"].filename == "report.html"


def test_report_is_self_contained_with_charts_and_bands(make_run: Callable[..., Path]) -> None:
    run = make_run(faults=[(10.0, 5.0, "erp down"), (30.0, 10.0, "erp latency")])
    finalize(run, console=False)
    html = (run / "report.html").read_text()
    # Nothing to fetch: no scripts, no external stylesheets, images or fonts.
    assert "<script" not in html
    assert not re.search(r'(src|href)\s*=\s*"(?!#)', html)
    assert re.findall(r"https?://[^\s\"']+", html) == ["http://www.w3.org/2000/svg"] * \
        html.count("<svg")
    charts = re.findall(r'<svg class="chart" id="chart-([\w-]+)"[^>]*data-points="(\d+)"', html)
    assert {name for name, _ in charts} >= {"traffic", "latency", "errors", "backend",
                                            "export_lag", "requests_p95"}
    assert all(int(points) > 0 for _, points in charts)
    bands = re.findall(r'<g class="fault-band" data-label="([^"]+)"', html)
    assert set(bands) == {"erp down", "erp latency"}
    assert len(bands) == 2 * len(charts)
    assert 'data-verdict="pass"' in html
    for heading in ("Checks", "SLO per window", "Fault impact", "Faults as applied"):
        assert f"<h2>{heading}</h2>" in html


def test_failed_checks_show_their_examples() -> None:
    result = RunResult(peakready_version="0", generated_at="now", plan_name="p", verdicts=[
        VerdictRecord(check="no_oversell", status="fail", summary="2 SKUs oversold <b>",
                      figures={"oversold": 2},
                      examples=[{"sku": "PR-000001", "sold": 51, "stock": 50},
                                {"sku": "PR-000002", "order_id": 42}])])
    html = FORMATS["html"].render(result)
    assert 'data-verdict="fail"' in html
    block = html[html.index('class="failed-check"'):]
    assert "PR-000001" in block and "PR-000002" in block and "<th>order_id</th>" in block
    assert "&lt;b&gt;" in html and "oversold <b>" not in html


def test_a_failed_checks_figures_read_as_text_and_tables_not_python_literals() -> None:
    windows = {"baseline": {"p95_ms": 812.25, "ok": True, "limits": {"p95_ms": 2000.0}},
               "erp down": {"p95_ms": 18792.4, "ok": False, "limits": None}}
    result = RunResult(peakready_version="0", generated_at="now", plan_name="p", verdicts=[
        VerdictRecord(check="checkout_slo", status="fail", summary="over the gate",
                      figures={"count": 111, "error_rate": 0.0125, "judged": False,
                               "windows": windows, "skus": ["A", "B"]})])
    block = FORMATS["html"].render(result).split('class="failed-check"', 1)[1]
    block = block[:block.index("</details>")]
    assert "{" not in block and "[" not in block and "True" not in block and "None" not in block
    assert "error_rate: <strong>0.0125</strong>" in block
    assert "skus: <strong>A, B</strong>" in block and "judged: <strong>no</strong>" in block
    # The per-window mapping is a table: one row per window, one column per figure.
    assert "<th>windows</th><th>p95_ms</th><th>ok</th><th>limits</th>" in block
    assert "<td>erp down</td><td>1.879e+04</td><td>no</td><td>n/a</td>" in block.replace(
        "\n", "")


def test_lines_break_at_gaps_and_long_series_are_downsampled() -> None:
    t = [float(i) for i in range(3600)]
    values: list[float | None] = [float(i % 100) for i in range(3600)]
    values[100:200] = [None] * 100
    svg = line_chart("x", "x", Series(t=t, values={"v": values}), max_points=600)
    [path] = re.findall(r'<path class="series"[^>]*d="([^"]+)"', svg)
    assert path.count("M") == 2                       # the gap splits the line in two
    points = int(re.search(r'data-points="(\d+)"', svg).group(1))  # type: ignore[union-attr]
    assert 500 <= points <= 600
    # The per-bucket maximum survives downsampling (a spike is not averaged away).
    spiky: list[float | None] = [1.0] * 3600
    spiky[1234] = 500.0
    tall = line_chart("y", "y", Series(t=t, values={"v": spiky}), max_points=300)
    [d] = re.findall(r'<path class="series"[^>]*d="([^"]+)"', tall)
    ys = [float(y) for y in re.findall(r"[ML][\d.]+ ([\d.]+)", d)]
    assert min(ys) < 100 < 200 < max(ys)   # the 500 drawn near the top, the 1s at the bottom


def test_unmeasured_windows_render() -> None:
    result = RunResult(peakready_version="0", generated_at="now", plan_name="p",
                       status="error", error="Locust died",
                       windows=[WindowRecord(name="whole", kind="whole", start_t=0, end_t=1)])
    html = FORMATS["html"].render(result)
    assert 'data-verdict="error"' in html and "Locust died" in html
    assert "No per-second samples were recorded." in html


def test_a_lone_point_between_gaps_is_drawn_as_a_dot() -> None:
    svg = line_chart("z", "z", Series(t=[0.0, 1.0, 2.0, 3.0, 4.0],
                                      values={"v": [None, 5.0, None, 6.0, 7.0]}))
    [d] = re.findall(r'<path class="series"[^>]*d="([^"]+)"', svg)
    assert d.count("M") == 2 and d.count("l0.01 0") == 1     # the 5 alone, then 6 → 7
    assert 'data-points="3"' in svg


def test_below_the_lowest_step_shows_the_numbers_not_a_figure() -> None:
    from peakready.reporting.console import capacity_line
    from peakready.reporting.result import CapacityResult, CapacityStep

    capacity = CapacityResult(sustainable_orders_per_minute=None, below_lowest_step=True,
                              target_orders_per_minute=1200, summary="below the lowest step",
                              steps=[CapacityStep(orders_per_minute=600, p95_ms=8200, ok=False,
                                                  reasons=["p95 8200 ms > 2000 ms"])])
    line = capacity_line(capacity)
    assert line == ("capacity  below the lowest step: 600 orders/min already broke it "
                    "(p95 8200 ms > 2000 ms)")
    html = FORMATS["html"].render(RunResult(peakready_version="0", generated_at="now",
                                            plan_name="p", capacity=capacity))
    assert "below the lowest step (600 orders/min: p95 8200 ms &gt; 2000 ms)" in html
    assert "headroom</span><b><span class=\"na\">n/a" in html
