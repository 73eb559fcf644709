"""docs/magento-simulator.md's coverage table is the router's (generated, not hand-kept)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parents[3] / "docs" / "magento-simulator.md"
START, END = "<!-- coverage:start -->\n", "<!-- coverage:end -->"


def test_docs_table_is_the_coverage(sim: Any) -> None:
    text = DOC.read_text("utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    wanted = head + START + sim.sim_module().coverage_markdown() + END + tail
    if os.environ.get("PEAKREADY_WRITE_DOCS") == "1":
        DOC.write_text(wanted, "utf-8")
        return
    assert text == wanted, ("the coverage table is stale: run this test with "
                            "PEAKREADY_WRITE_DOCS=1")
