"""How long a 1-hour run takes to report, and how big report.html gets.

A synthetic run folder in the documented formats (tests/support/run_folders.py): 3,600 seconds,
20 request names + 4 journeys of per-second HDR histograms, two fault windows, witness samples
every 2 s, one order every second. Baseline, measured in the same run: the same for 60 s.

Prints, for both: finalize (judge + stats + result.json + every format), the render of the
formats alone from result.json (what ``peakready report`` redraws), report.html and result.json
sizes; then the 1-hour figures against their targets (render <= 5 s, report.html <= 5 MB).

    .venv/bin/python benchmarks/report_render.py [--seconds 3600] [--names 20]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from peakready.reporting import FORMATS, RunResult, finalize
from support.run_folders import RunSpec, write_run

RENDER_TARGET_S = 5.0
SIZE_TARGET_MB = 5.0


def measure(root: Path, seconds: int, names: int) -> dict[str, float]:
    spec = RunSpec(seconds=seconds, request_names=names, per_second=10, checkouts_per_second=1,
                   faults=[(seconds * 0.3, seconds * 0.1, "erp down"),
                           (seconds * 0.6, seconds * 0.05, "erp latency")])
    started = time.perf_counter()
    run = write_run(root / f"run-{seconds}", spec)
    written = time.perf_counter() - started
    started = time.perf_counter()
    finalize(run, console=False)
    finalized = time.perf_counter() - started
    started = time.perf_counter()
    result = RunResult.model_validate_json((run / "result.json").read_text())
    for fmt in FORMATS.items().values():
        fmt.render(result)
    rendered = time.perf_counter() - started
    return {"write_s": written, "finalize_s": finalized, "render_s": rendered,
            "html_mb": (run / "report.html").stat().st_size / 1e6,
            "result_mb": (run / "result.json").stat().st_size / 1e6,
            "latency_mb": (run / "latency.jsonl").stat().st_size / 1e6}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=3600)
    parser.add_argument("--names", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = measure(Path(tmp), 60, args.names)
        big = measure(Path(tmp), args.seconds, args.names)
    print(f"{'run':>8} {'finalize s':>11} {'render s':>9} {'html MB':>8} {'result MB':>10} "
          f"{'latency.jsonl MB':>17}")
    for label, m in (("60 s", base), (f"{args.seconds} s", big)):
        print(f"{label:>8} {m['finalize_s']:11.2f} {m['render_s']:9.3f} {m['html_mb']:8.2f} "
              f"{m['result_mb']:10.2f} {m['latency_mb']:17.1f}")
    scale = args.seconds / 60
    print(f"render time {args.seconds} s / 60 s = {big['render_s'] / base['render_s']:.1f}x "
          f"for {scale:.0f}x the data; finalize {big['finalize_s'] / base['finalize_s']:.1f}x")
    render_ok = big["render_s"] <= RENDER_TARGET_S
    size_ok = big["html_mb"] <= SIZE_TARGET_MB
    print(f"1-hour report: rendered in {big['render_s']:.2f} s / {RENDER_TARGET_S:g} s target "
          f"= {big['render_s'] / RENDER_TARGET_S:.2f} ({'ok' if render_ok else 'MISSED'}); "
          f"report.html {big['html_mb']:.2f} MB / {SIZE_TARGET_MB:g} MB = "
          f"{big['html_mb'] / SIZE_TARGET_MB:.2f} ({'ok' if size_ok else 'MISSED'}); "
          f"finalize from the run folder {big['finalize_s']:.1f} s")
    return 0 if render_ok and size_ok else 1


if __name__ == "__main__":
    sys.exit(main())
