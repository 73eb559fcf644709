"""Helpers for the orchestrator's tests: a stand-in Locust (fake_locust.py) behind the
prepare_locust interface, so the estate, timeline, drain and export run for real in seconds."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

FAKE_LOCUST = Path(__file__).with_name("fake_locust.py")


def fake_prepare(plan: Any, run_dir: Path, targets: Any, workers: int = 1,
                 **_: Any) -> SimpleNamespace:
    control = run_dir / "control.jsonl"
    master = [sys.executable, str(FAKE_LOCUST), str(control), str(plan.load.duration),
              targets.magento_url]
    return SimpleNamespace(master_argv=master, worker_argv=[], env={}, control_path=control,
                           web_url=None)  # headless, as LocustLaunch.web_url says


def targets_of(estate: Any) -> SimpleNamespace:
    return SimpleNamespace(magento_url=estate.magento_url, erp_url=estate.mocks["erp"],
                           crm_url=estate.mocks["crm"], flash_skus=estate.flash_skus,
                           token=estate.token)
