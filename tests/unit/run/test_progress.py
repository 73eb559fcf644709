"""Progress: plain lines (CI) every 10 s and on phase changes; quiet prints nothing."""

from __future__ import annotations

import io

from peakready.run.progress import ProgressState, make_progress


def test_plain_progress_prints_on_phase_change_and_not_every_update() -> None:
    out = io.StringIO()
    progress = make_progress("auto", out)   # StringIO is not a TTY: plain lines
    state = ProgressState(plan="smoke", phase="load", elapsed_s=3, total_s=120,
                          offered_per_s=5.0, achieved_per_s=4.9, checkout_p95_ms=420,
                          errors=2, faults=[("erp down", 12.4)], erp_backlog=17,
                          stock_divergent=3)
    progress.update(state)
    progress.update(state)
    state.phase = "drain"
    progress.update(state)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert "erp down (12s left)" in lines[0] and "ERP backlog 17" in lines[0]
    assert "stock differs on 3 SKUs" in lines[0]
    assert "p95 420 ms" in lines[0] and "5.0 offered 4.9 achieved" in lines[0]
    assert lines[1].startswith("[smoke] drain")


def test_quiet_progress_prints_nothing() -> None:
    out = io.StringIO()
    progress = make_progress("quiet", out)
    progress.update(ProgressState(plan="smoke"))
    progress.note("hello")
    assert out.getvalue() == ""
