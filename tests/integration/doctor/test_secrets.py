"""The store token in no file of a run: a real load phase (Locust, a fault window, drain,
evidence export, report) on the embedded estate, whose admin token travels to the simulator
and to Locust only through their environments. Grepped: the whole run folder, the estate's
component logs and junit.xml — 0 occurrences."""

from __future__ import annotations

from pathlib import Path

from peakready.config import parse_plan
from peakready.pytest_plugin import EstateHandle
from peakready.reporting import finalize
from peakready.run import run_load_phase


def test_the_token_is_in_no_run_file_log_or_junit(peakready_estate: EstateHandle,
                                                    tmp_path: Path) -> None:
    plan = parse_plan({"name": "secrets", "seed": 4,
                       "load": {"duration": "3s", "workers": 1, "orders_per_minute": 120,
                                "sync": {"backoffice_per_minute": 60}},
                       "faults": [{"at": "1s", "for": "1s", "proxy": "erp", "down": True}],
                       "drain": {"timeout": "6s"}})
    run_dir = tmp_path / "run"
    peakready_estate.call(run_load_phase(peakready_estate.estate, run_dir, plan=plan),
                          timeout=240)
    result = finalize(run_dir, console=False)
    token = peakready_estate.token
    files = [p for root in (run_dir, peakready_estate.run_dir / "logs")
             for p in root.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"junit.xml", "result.json", "checkouts.jsonl", "locust-master.log",
            "magento.log"} <= names, names
    assert result.timings is not None and len(files) > 15
    leaked = [p for p in files if token.encode() in p.read_bytes()]
    assert leaked == []
