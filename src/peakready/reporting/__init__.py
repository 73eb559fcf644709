"""The report: result.json (the source of truth) and what is drawn from it (DESIGN §4).

::

    reporting/
    ├── result.py     RunResult (pydantic, schema_version) and its parts; exit_code
    ├── finalize.py   finalize(run_dir): judge, measure, write result.json, render, summarise
    ├── inputs.py     what the report takes from RunEvidence (the checks' one reader)
    ├── hdr.py        latency.jsonl's HDR histograms, read sparsely and merged
    ├── stats.py      per window x request name / journey / checkout; per-second series
    ├── analysis.py   windows, faults as applied, the SLO table, fault impact, back-end series
    ├── formats.py    FORMATS registry: html → report.html, junit → junit.xml
    ├── html.py       the self-contained report; svg.py draws its charts
    ├── junit.py      one testcase per check and per SLO gate
    ├── console.py    the verdict table and the capacity line
    ├── schema.py     docs/result-schema.json from the model
    └── cli.py        ``peakready report DIR``

Renderers read only the RunResult; ``peakready report DIR`` rebuilds it from the run folder.
"""

from __future__ import annotations

from peakready.reporting.finalize import build_result, finalize, render_all
from peakready.reporting.formats import FORMATS, Format
from peakready.reporting.result import SCHEMA_VERSION, RunResult

__all__ = ["FORMATS", "SCHEMA_VERSION", "Format", "RunResult", "build_result", "finalize",
           "render_all"]
