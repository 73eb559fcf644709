"""``peakready report DIR``: re-judges and redraws from the files; refuses what it cannot read."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from peakready.cli import main
from peakready.reporting import SCHEMA_VERSION, finalize


def test_report_redraws_a_finished_run(make_run: Callable[..., Path],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    run = make_run()
    finalize(run, console=False)
    (run / "report.html").unlink()
    (run / "junit.xml").unlink()
    assert main(["report", str(run)]) == 0
    assert (run / "report.html").is_file() and (run / "junit.xml").is_file()
    assert "peakready synthetic: PASS" in capsys.readouterr().out


def test_report_re_judges_with_the_plan_on_disk(make_run: Callable[..., Path]) -> None:
    run = make_run()
    finalize(run, console=False)
    plan = run / "plan.yaml"
    plan.write_text(plan.read_text().replace("p95_ms: 1500", "p95_ms: 100"))
    assert main(["report", "-q", str(run)]) == 1
    result = json.loads((run / "result.json").read_text())
    assert any(v["check"] == "slo:checkout" and v["status"] == "fail"
               for v in result["verdicts"])


def test_missing_result_json_names_the_file_and_version(
        make_run: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    run = make_run()
    assert main(["report", str(run)]) == 2
    err = capsys.readouterr().err
    assert f"{run / 'result.json'}: missing" in err
    assert f"schema_version {SCHEMA_VERSION}" in err


def test_older_result_json_is_refused(make_run: Callable[..., Path],
                                      capsys: pytest.CaptureFixture[str]) -> None:
    run = make_run()
    finalize(run, console=False)
    data = json.loads((run / "result.json").read_text())
    data["schema_version"] = SCHEMA_VERSION - 1
    (run / "result.json").write_text(json.dumps(data))
    assert main(["report", str(run)]) == 2
    err = capsys.readouterr().err
    assert f"schema_version {SCHEMA_VERSION - 1}" in err and "an older peakready" in err
    assert json.loads((run / "result.json").read_text())["schema_version"] == \
        SCHEMA_VERSION - 1     # refused, not overwritten


@pytest.mark.parametrize("remove", ["run.json", "evidence"])
def test_missing_evidence_is_refused(make_run: Callable[..., Path], remove: str,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    run = make_run()
    finalize(run, console=False)
    target = run / remove
    shutil.rmtree(target) if target.is_dir() else target.unlink()
    assert main(["report", str(run)]) == 2
    assert f"{target}: missing" in capsys.readouterr().err


def test_not_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(tmp_path / "nope")]) == 2
    assert "no such run folder" in capsys.readouterr().err
