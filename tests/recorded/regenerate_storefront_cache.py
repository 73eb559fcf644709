"""Regenerate tests/recorded/storefront_cache_<case>/ from real runs of storefront_cache.yaml.

    .venv/bin/python tests/recorded/regenerate_storefront_cache.py

Each case is one ``peakready run`` (about a minute) with the built-in integration, good or with
one flag; the folder keeps what storefront_cache reads (run.json, plan.yaml, control.jsonl,
latency.jsonl, arrivals.jsonl, the evidence manifest and ``magento/page_cache.jsonl``), so it
stays small. tests/unit/checks/test_recorded_storefront_cache.py judges each folder.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PLAN = HERE / "storefront_cache.yaml"
CASES = {"good": None, "flush_cache_on_sync": "flush_cache_on_sync",
         "save_every_product": "save_every_product"}
KEEP = ("run.json", "plan.yaml", "control.jsonl", "latency.jsonl", "arrivals.jsonl",
        "faults.jsonl", "evidence/manifest.json", "evidence/magento/page_cache.jsonl")


def record(case: str, flag: str | None, scratch: Path) -> Path:
    reports = scratch / case
    argv = [sys.executable, "-m", "peakready.cli", "run", str(PLAN), "-q",
            "--reports-dir", str(reports), *(["--flag", flag] if flag else [])]
    subprocess.run(argv, check=False, timeout=600)   # a failing check exits 1: expected
    [run_dir] = [p for p in reports.iterdir() if p.is_dir()]
    target = HERE / f"storefront_cache_{case}"
    shutil.rmtree(target, ignore_errors=True)
    for name in KEEP:
        source = run_dir / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        for case, flag in CASES.items():
            print(record(case, flag, Path(scratch)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
