"""The run folder: unique names, a redacted plan, an atomic run.json."""

from __future__ import annotations

import json
from pathlib import Path

from peakready.config import parse_plan
from peakready.run.folder import RunRecord, new_run_dir, write_plan


def test_two_runs_in_the_same_second_get_two_folders(tmp_path: Path) -> None:
    first, second = new_run_dir(tmp_path, "smoke"), new_run_dir(tmp_path, "smoke")
    assert first != second and first.is_dir() and second.is_dir()
    assert first.name.endswith("-smoke") and second.name.endswith("-smoke-2")


def test_plan_yaml_is_the_resolved_plan_with_secrets_redacted(tmp_path: Path) -> None:
    plan = parse_plan({"name": "x", "target": {"connector": {
        "command": ["my-connector"], "env": {"API_TOKEN": "s3cr3t-value", "MODE": "fast"}},
        "integration": "none"}})
    write_plan(tmp_path, plan, secrets=["s3cr3t-value"])
    text = (tmp_path / "plan.yaml").read_text()
    assert "s3cr3t-value" not in text
    assert "MODE: fast" in text and "duration: 120.0" in text


def test_run_json_carries_the_contract_keys_and_redacts_known_secrets(tmp_path: Path) -> None:
    record = RunRecord(plan="smoke", status="interrupted", error="token tok-123 refused")
    record.write(tmp_path, secrets=["tok-123"])
    data = json.loads((tmp_path / "run.json").read_text())
    assert {"schema_version", "plan", "status", "peakready_version", "started_at",
            "test_start_wall", "test_stop_wall", "drain", "ended_at", "workers",
            "worker_losses", "components", "error"} <= set(data)
    assert data["status"] == "interrupted" and "tok-123" not in data["error"]
    assert not list(tmp_path.glob("*.tmp"))
