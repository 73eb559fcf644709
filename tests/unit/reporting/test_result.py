"""RunResult: exit codes (DESIGN §4), round trip, and the checked-in JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from peakready.reporting.result import SCHEMA_VERSION, RunResult, VerdictRecord
from peakready.reporting.schema import result_schema, schema_text


def _result(*statuses: str, status: str = "complete") -> RunResult:
    return RunResult(peakready_version="0", generated_at="2026-12-03T09:00:00Z",
                     plan_name="p", status=status,  # type: ignore[arg-type]
                     verdicts=[VerdictRecord(check=f"c{i}", status=s,  # type: ignore[arg-type]
                                             summary="") for i, s in enumerate(statuses)])


@pytest.mark.parametrize(("statuses", "status", "code"), [
    (("pass", "pass"), "complete", 0),
    ((), "complete", 3),                       # nothing judged is never a green gate
    (("not_judged",), "complete", 3),
    (("pass", "not_judged"), "complete", 0),   # the unjudged one is shown, not a failure
    (("fail", "not_judged"), "complete", 1),
    (("pass", "fail"), "complete", 1),
    (("fail", "error"), "complete", 1),        # a finding wins over an unjudged check
    (("pass", "error"), "complete", 3),
    (("pass",), "interrupted", 3),
    (("fail",), "interrupted", 1),
    (("pass",), "error", 3),
    (("fail",), "error", 3),                    # the harness failed: no verdict is trusted
])
def test_exit_code(statuses: tuple[str, ...], status: str, code: int) -> None:
    result = _result(*statuses, status=status)
    assert result.exit_code == code
    assert result.passed is (code == 0)


def test_gate_of_a_verdict() -> None:
    assert VerdictRecord(check="slo:checkout", status="pass", summary="").gate == "checkout"
    assert VerdictRecord(check="checkout_slo", status="pass", summary="").gate == "checkout"
    assert VerdictRecord(check="no_oversell", status="pass", summary="").gate is None


def test_round_trip_and_schema_validates(tmp_path: Path) -> None:
    result = _result("pass", "fail")
    path = result.write(tmp_path)
    data = json.loads(path.read_text())
    assert data["schema_version"] == SCHEMA_VERSION
    assert RunResult.model_validate(data) == result
    jsonschema.validate(data, result_schema())
    assert not list(tmp_path.glob("*.tmp"))


def test_unknown_keys_are_refused() -> None:
    data = json.loads(_result().to_json())
    data["surprise"] = 1
    with pytest.raises(ValueError, match="surprise"):
        RunResult.model_validate(data)


def test_checked_in_schema_is_current(repo_root: Path) -> None:
    checked_in = (repo_root / "docs" / "result-schema.json").read_text(encoding="utf-8")
    assert checked_in == schema_text(), (
        "docs/result-schema.json is stale: run "
        ".venv/bin/python -m peakready.reporting.schema docs/result-schema.json")


def test_a_not_judged_verdict_is_skipped_in_junit_with_its_reason() -> None:
    from xml.etree import ElementTree as ET

    from peakready.reporting import junit
    result = _result("pass", "not_judged")
    result.verdicts[1].summary = "not judged: no orders were placed"
    suite = ET.fromstring(junit.render(result)).find("testsuite")
    assert suite is not None and suite.get("skipped") == "1"
    skipped = suite.find("testcase[@name='c1']/skipped")
    assert skipped is not None and skipped.get("message") == "not judged: no orders were placed"
    assert suite.find("testcase[@name='c0']/skipped") is None
