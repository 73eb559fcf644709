"""prepare_locust as the orchestrator calls it (no Locust started: the argv, env and files)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from peakready.config import parse_plan
from peakready.errors import ConfigError, SafetyError
from peakready.scenario.launch import TOKEN_ENV, LoadTargets, prepare_locust

TARGETS = LoadTargets(magento_url="http://127.0.0.1:18280", erp_url="http://127.0.0.1:8281",
                      crm_url="http://127.0.0.1:8282", flash_skus=["PR-HOT-01"],
                      token="s3cret-token")


def test_master_and_workers_argv_env_and_launch_file(tmp_path: Path, repo_root: Path) -> None:
    plan = parse_plan({"load": {"duration": "2m", "journey_timeout": 30}})
    launch = prepare_locust(plan, tmp_path / "run", TARGETS, workers=2, preflight=False,
                            scenarios_dir=repo_root / "scenarios")
    master, worker = launch.master_argv, launch.worker_argv
    assert master[1:3] == ["-m", "locust"] and "--master" in master and "--headless" in master
    assert master[master.index("-u") + 1] == "0"
    assert master[master.index("-t") + 1] == "165s"           # duration + journey_timeout + 15
    assert master[master.index("--expect-workers") + 1] == "2"
    assert master[master.index("--csv") + 1] == str(tmp_path / "run" / "locust")
    port = str(launch.master_port)
    assert master[master.index("--master-bind-port") + 1] == port
    assert worker[-4:] == ["--master-host", "127.0.0.1", "--master-port", port]
    files = master[master.index("-f") + 1].split(",")
    assert [Path(f).name for f in files] == ["storefront.py", "flash_sale.py", "sync.py"]
    # the token travels only in env
    assert launch.env == {TOKEN_ENV: "s3cret-token"}
    assert all("s3cret" not in arg for arg in master + worker)
    written = launch.launch_path.read_text("utf-8")
    assert "s3cret" not in written
    data = json.loads(written)
    assert data["targets"]["flash_skus"] == ["PR-HOT-01"] and data["workers"] == 2
    assert launch.control_path == tmp_path / "run" / "control.jsonl"


def test_zero_workers_is_one_local_process(tmp_path: Path, repo_root: Path) -> None:
    launch = prepare_locust(parse_plan({}), tmp_path, TARGETS, workers=0, preflight=False,
                            scenarios_dir=repo_root / "scenarios")
    assert "--master" not in launch.master_argv and launch.worker_argv == []
    assert launch.master_port is None


def test_the_web_ui_replaces_headless(tmp_path: Path, repo_root: Path) -> None:
    launch = prepare_locust(parse_plan({}), tmp_path, TARGETS, workers=0, preflight=False,
                            scenarios_dir=repo_root / "scenarios", ui=True, web_port=8123)
    assert "--headless" not in launch.master_argv and "-t" not in launch.master_argv
    assert launch.master_argv[launch.master_argv.index("--web-port") + 1] == "8123"


def test_a_target_outside_loopback_and_the_allow_list_is_refused(tmp_path: Path) -> None:
    remote = LoadTargets(magento_url="https://shop.example.com")
    with pytest.raises(SafetyError, match=r"shop\.example\.com"):
        prepare_locust(parse_plan({}), tmp_path, remote, workers=0, preflight=False)
    allowed = parse_plan({"target": {"allow_hosts": ["shop.example.com"]}})
    with pytest.raises(SafetyError, match=r"erp\.example\.com"):
        prepare_locust(allowed, tmp_path, LoadTargets(magento_url="https://shop.example.com",
                                                      erp_url="http://erp.example.com"),
                       workers=0, preflight=False)


def test_a_broken_csv_shape_is_refused_before_anything_starts(tmp_path: Path,
                                                               repo_root: Path) -> None:
    (tmp_path / "peak.csv").write_text("0, 10\n30, minus\n", "utf-8")
    plan = parse_plan({"load": {"shape": "peak.csv"}})
    with pytest.raises(ConfigError, match=r"peak.csv: load.shape: line 2"):
        prepare_locust(plan, tmp_path / "run", TARGETS, workers=0, plan_dir=tmp_path,
                       preflight=False, scenarios_dir=repo_root / "scenarios")


def test_a_missing_extra_scenario_file_is_named(tmp_path: Path, repo_root: Path) -> None:
    plan = parse_plan({"load": {"scenarios": ["mine.py"]}})
    with pytest.raises(ConfigError, match=r"load.scenarios.0 = 'mine.py'"):
        prepare_locust(plan, tmp_path, TARGETS, workers=0, plan_dir=tmp_path,
                       preflight=False, scenarios_dir=repo_root / "scenarios")


@pytest.mark.parametrize(("load", "message"), [
    ({"mix": {"browse": 50, "checkout": 10}}, r"load.mix.*unknown journey 'checkout'"),
    ({"orders_per_minute": -5}, r"load.orders_per_minute = -5"),
    ({"sync": {"crm_upserts_per_minute": -1}}, r"load.sync.crm_upserts_per_minute = -1"),
    ({"shape": "wave"}, r"load.shape = 'wave'"),
])
def test_bad_load_keys_are_config_errors_naming_key_and_value(load: dict[str, object],
                                                               message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        parse_plan({"load": load}, source="plans/peak.yaml")
    assert str(caught.value).startswith("plans/peak.yaml")
