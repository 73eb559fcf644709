"""Regenerate tests/recorded/lifecycle_<case>/ from real runs of lifecycle.yaml.

    .venv/bin/python tests/recorded/regenerate_lifecycle.py [CASE ...]

Each case is one ``peakready run`` (about a minute): the built-in integration, good or with
one flag, or the example connector (``target.integration: none``), clean or with one
``CONNECTOR_MISTAKES`` switch. The folder keeps what order_lifecycle and payment_integrity
read (run.json, plan.yaml, control.jsonl, faults.jsonl, the evidence manifest, Magento's and
the ERP's orders, the payment mock's payments and operations), so it stays small.
tests/unit/checks/test_recorded_lifecycle.py judges each folder.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PLAN = HERE / "lifecycle.yaml"
CONNECTOR = REPO / "examples" / "connector" / "connector.py"
#: case → (integration, its mistake or None)
CASES: dict[str, tuple[str, str | None]] = {
    "good": ("builtin", None),
    "ignore_order_updates": ("builtin", "ignore_order_updates"),
    "no_cancel_sync": ("builtin", "no_cancel_sync"),
    "no_partial_shipments": ("builtin", "no_partial_shipments"),
    "capture_retry_without_key": ("builtin", "capture_retry_without_key"),
    "connector_good": ("connector", None),
    "connector_ignore_order_updates": ("connector", "ignore_order_updates"),
    "connector_no_cancel_sync": ("connector", "no_cancel_sync"),
}
KEEP = ("run.json", "plan.yaml", "control.jsonl", "faults.jsonl", "evidence/manifest.json",
        "evidence/magento/orders.jsonl", "evidence/erp/orders.jsonl",
        "evidence/payment/payments.jsonl", "evidence/payment/operations.jsonl")


def _plan(integration: str, mistake: str | None, scratch: Path) -> Path:
    plan: dict[str, Any] = yaml.safe_load(PLAN.read_text("utf-8"))
    if integration == "builtin":
        plan["target"]["integration"] = {"profile": "good", "flags": [mistake] if mistake
                                         else []}
    else:
        plan["target"]["integration"] = "none"
        plan["target"]["connector"] = {
            "command": [sys.executable, str(CONNECTOR)], "cwd": str(CONNECTOR.parent),
            "env": {"POLL_SECONDS": "1", "CONNECTOR_MISTAKES": mistake or ""}}
    path = scratch / f"{integration}-{mistake or 'good'}.yaml"
    path.write_text(yaml.safe_dump(plan), "utf-8")
    return path


def record(case: str, scratch: Path) -> Path:
    integration, mistake = CASES[case]
    reports = scratch / case
    argv = [sys.executable, "-m", "peakready.cli", "run", str(_plan(integration, mistake,
                                                                     scratch)),
            "-q", "--reports-dir", str(reports)]
    subprocess.run(argv, check=False, timeout=900)   # a failing check exits 1: expected
    [run_dir] = [p for p in reports.iterdir() if p.is_dir()]
    target = HERE / f"lifecycle_{case}"
    shutil.rmtree(target, ignore_errors=True)
    for name in KEEP:
        source = run_dir / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def main() -> int:
    chosen = sys.argv[1:] or list(CASES)
    unknown = [c for c in chosen if c not in CASES]
    if unknown:
        print(f"unknown case {unknown[0]!r}; cases: {', '.join(CASES)}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        for case in chosen:
            print(record(case, Path(scratch)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
