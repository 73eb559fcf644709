"""``junit.xml``: one testcase per check and per SLO gate, so CI shows what broke and by how much.

::

    <testsuites>
      <testsuite name="peakready.<plan>.checks">   one <testcase> per check
      <testsuite name="peakready.<plan>.slo">      one <testcase> per SLO gate (slo:<name>),
                                                   each window's numbers and limits in it
      <testsuite name="peakready.<plan>.run">      only when the run itself did not complete
    fail → <failure message="summary">figures and examples</failure>
    error (could not judge) → <error message=...>: never a pass
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from xml.etree import ElementTree as ET

from peakready.reporting.result import RunResult, SloRow, VerdictRecord

__all__ = ["render"]


def _fmt(value: float | None, metric: str) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2%}" if metric == "error_rate" else f"{value:g} ms"


def _verdict_case(suite: ET.Element, verdict: VerdictRecord, classname: str,
                  windows: list[str]) -> None:
    case = ET.SubElement(suite, "testcase", name=verdict.check, classname=classname, time="0")
    if verdict.status == "pass":
        ET.SubElement(case, "system-out").text = "\n".join([verdict.summary, *windows])
        return
    if verdict.status == "not_judged":   # CI shows it as skipped, with the reason
        ET.SubElement(case, "skipped", message=verdict.summary)
        return
    tag = "failure" if verdict.status == "fail" else "error"
    element = ET.SubElement(case, tag, message=verdict.summary,
                            type="verdict" if tag == "failure" else "could-not-judge")
    detail = [verdict.summary, *windows]
    if verdict.figures:
        detail.append("figures: " + json.dumps(verdict.figures, sort_keys=True, default=str))
    for example in verdict.examples:
        detail.append("example: " + json.dumps(example, sort_keys=True, default=str))
    element.text = "\n".join(detail)


def _state(row: SloRow) -> str:
    if not row.judged:
        return "not judged"
    return "not measured" if row.ok is None else "ok" if row.ok else "OVER"


def _gate_lines(rows: list[SloRow]) -> list[str]:
    return [f"{r.window}: {r.metric} {_fmt(r.measured, r.metric)} (limit "
            f"{_fmt(r.threshold, r.metric)}) {_state(r)}" for r in rows]


def _suite(root: ET.Element, name: str, verdicts: list[VerdictRecord], stamp: str,
           rows: Mapping[str, list[SloRow]]) -> None:
    suite = ET.SubElement(root, "testsuite", name=name, tests=str(len(verdicts)),
                          failures=str(sum(v.status == "fail" for v in verdicts)),
                          errors=str(sum(v.status == "error" for v in verdicts)),
                          skipped=str(sum(v.status == "not_judged" for v in verdicts)),
                          timestamp=stamp)
    for verdict in verdicts:
        gate = verdict.gate
        _verdict_case(suite, verdict, name, _gate_lines(rows.get(gate, [])) if gate else [])


def render(result: RunResult) -> str:
    root = ET.Element("testsuites", name=f"peakready {result.plan_name}")
    prefix = f"peakready.{result.plan_name}"
    gate_rows: dict[str, list[SloRow]] = defaultdict(list)
    for row in result.slo:
        gate_rows[row.gate].append(row)
    gates = [v for v in result.verdicts if v.gate is not None]
    checks = [v for v in result.verdicts if v.gate is None]
    _suite(root, f"{prefix}.checks", checks, result.generated_at, gate_rows)
    _suite(root, f"{prefix}.slo", gates, result.generated_at, gate_rows)
    if result.status != "complete" or result.error:
        run = ET.SubElement(root, "testsuite", name=f"{prefix}.run", tests="1", failures="0",
                            errors="1", skipped="0")
        case = ET.SubElement(run, "testcase", name="run", classname=f"{prefix}.run")
        ET.SubElement(case, "error", message=f"run {result.status}: {result.error or ''}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") \
        + "\n"
