"""The CI examples' own commands, run here (not on the CI service): in a project made with
`peakready init`, the GitHub Actions `run:` steps (and the GitLab script) in order, in the
shell each service uses, with the job's environment. The job's exit code must be the run's
(1 when a check fails), and the files the publishing steps name must exist afterwards.

Each needs a whole run, so they are ``-m slow`` (the default run checks that the two
examples are the same job): a short plan whose check fails through each example (exit 1),
and the `ci` plan itself through both."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

DOCS = Path(__file__).resolve().parents[3] / "docs" / "ci"
# Orders placed while the ERP is down are lost by an integration that never retries.
FAILING_PLAN = """\
name: ci-short
target: {magento: embedded, integration: {profile: good, flags: [no_retry]}}
load: {duration: 5s, orders_per_minute: 180, arrivals: uniform, workers: 1,
       mix: {guest_checkout: 50, customer_checkout: 50}}
faults: [{at: 1s, for: 3s, proxy: erp, down: true}]
checks: [no_lost_orders]
drain: {timeout: 10s}
seed: 5
"""


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    subprocess.run([sys.executable, "-m", "peakready.cli", "init", str(project)], check=True,
                   capture_output=True, timeout=60)
    (project / "short.yaml").write_text(FAILING_PLAN)
    return project


def _env(job_env: dict[str, Any], **override: str) -> dict[str, str]:
    # `peakready` is this interpreter's console script, as `pip install` puts it on PATH.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    return {**os.environ, **{k: str(v) for k, v in job_env.items()}, "PATH": path, **override}


def _github(project: Path, **override: str) -> tuple[int, dict[str, Any]]:
    job = yaml.safe_load((DOCS / "github-actions.yml").read_text())["jobs"]["resilience"]
    code = 0
    for step in job["steps"]:
        if "run" not in step or step.get("name", "").startswith("Install"):
            continue
        # GitHub's `shell: bash` for run steps: bash --noprofile --norc -eo pipefail {0}
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                               step["run"]], cwd=project, env=_env(job["env"], **override),
                              capture_output=True, text=True, timeout=900)
        code = done.returncode
        if code != 0:
            break
    return code, job


def _gitlab(project: Path, **override: str) -> tuple[int, dict[str, Any]]:
    job = yaml.safe_load((DOCS / "gitlab-ci.yml").read_text())["resilience"]
    # The runner executes the script lines in one shell that stops at the first failure.
    script = "set -e\n" + "\n".join(job["script"])
    done = subprocess.run(["bash", "-c", script], cwd=project,
                          env=_env(job["variables"], **override), capture_output=True,
                          text=True, timeout=900)
    return done.returncode, job


def _published(project: Path) -> int:
    """The run's own exit code (result.json), after checking the published files exist."""
    from peakready.reporting.result import RunResult

    reports = project / "reports"
    assert (reports / "junit.xml").is_file() and (reports / "report.html").is_file()
    run_dir = next(p for p in reports.iterdir() if p.is_dir())
    return RunResult.model_validate_json((run_dir / "result.json").read_text()).exit_code


def _github_publishes(job: dict[str, Any], project: Path) -> None:
    uses = [s for s in job["steps"] if "uses" in s and s.get("if") == "always()"]
    assert {s["uses"].split("@")[0] for s in uses} == {"mikepenz/action-junit-report",
                                                       "actions/upload-artifact"}
    for step in uses:
        for line in str(step["with"].get("report_paths", step["with"].get("path"))).split():
            assert list(project.glob(line.rstrip("/"))), line


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_github_actions_fails_the_job_when_a_check_fails(tmp_path: Path) -> None:
    project = _project(tmp_path)
    code, job = _github(project, PLAN="short.yaml")
    assert code == 1
    assert _published(project) == 1
    _github_publishes(job, project)


def test_the_examples_are_the_same_job() -> None:
    # One behaviour, two services: the same plan, report folder and commands.
    github = yaml.safe_load((DOCS / "github-actions.yml").read_text())["jobs"]["resilience"]
    gitlab = yaml.safe_load((DOCS / "gitlab-ci.yml").read_text())["resilience"]
    assert github["env"] == gitlab["variables"] == {"PLAN": "fixtures/plans/ci.yaml",
                                                    "REPORTS": "reports"}
    runs = "\n".join(s["run"] for s in github["steps"] if "run" in s)
    for line in gitlab["script"]:
        for command in ("peakready validate", "peakready run", "exit"):
            if line.lstrip().startswith(command) or f"; {command}" in line:
                assert command in runs
    assert gitlab["artifacts"]["when"] == "always"
    assert gitlab["artifacts"]["reports"]["junit"] == "reports/junit.xml"


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_gitlab_fails_the_job_when_a_check_fails(tmp_path: Path) -> None:
    project = _project(tmp_path)
    code, job = _gitlab(project, PLAN="short.yaml")
    assert code == 1 == _published(project)
    assert (project / job["artifacts"]["reports"]["junit"]).is_file()


@pytest.mark.slow
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("service", ["github", "gitlab"])
def test_the_ci_plan_through_each_example(service: str, tmp_path: Path) -> None:
    project = _project(tmp_path)
    code, _ = (_github if service == "github" else _gitlab)(project)
    # The job's verdict is the run's: 0 when every check and gate passed, else its code.
    assert code == _published(project)
