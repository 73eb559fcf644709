"""prepare_locust's preflight child: broken scenario and shape files are ConfigErrors before
any request is sent (the child imports locust; the test process does not)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from peakready.errors import ConfigError
from peakready.scenario.launch import LoadTargets, prepare_locust

TARGETS = LoadTargets(magento_url="http://127.0.0.1:9")

GOOD_SHAPE = '''
from locust import LoadTestShape

class Ramp(LoadTestShape):
    def tick(self):
        t = self.get_run_time()
        return (min(100, 10 * t), 1) if t < 8 else None
'''
NONSENSE_SHAPE = '''
from locust import LoadTestShape

class Broken(LoadTestShape):
    def tick(self):
        return (-5, 1) if self.get_run_time() >= 3 else (50, 1)
'''


def prepare(tmp_path: Path, kit: Any, **load: Any) -> None:
    plan = kit.plan_for({"duration": 10, **load})
    prepare_locust(plan, tmp_path / "run", TARGETS, workers=0, plan_dir=tmp_path,
                   scenarios_dir=kit.repo / "scenarios", fixtures_dir=kit.repo / "fixtures")


def test_a_scenario_file_that_fails_to_import(tmp_path: Path, kit: Any) -> None:
    (tmp_path / "mine.py").write_text("import peakready.scenario.plugin\n1 / 0\n", "utf-8")
    with pytest.raises(ConfigError, match=r"mine\.py: scenario file fails to import: "
                                          r"ZeroDivisionError"):
        prepare(tmp_path, kit, scenarios=["mine.py"])


def test_a_shape_file_that_returns_nonsense(tmp_path: Path, kit: Any) -> None:
    (tmp_path / "shape.py").write_text(NONSENSE_SHAPE, "utf-8")
    with pytest.raises(ConfigError, match=r"shape\.py: load\.shape: tick\(\) at t = 3s "
                                          r"returned users = -5"):
        prepare(tmp_path, kit, shape="shape.py")


def test_a_load_test_shape_file_is_sampled(tmp_path: Path, kit: Any) -> None:
    (tmp_path / "shape.py").write_text(GOOD_SHAPE, "utf-8")
    prepare(tmp_path, kit, shape="shape.py")
    # the sampling the master does, in a fresh interpreter (it imports locust)
    code = ("from pathlib import Path; from peakready.scenario.shape_file import "
            f"sample_shape_file; print(sample_shape_file(Path({str(tmp_path / 'shape.py')!r}), "
            "10)['samples'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    assert out.strip() == "[0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 0.0, 0.0]"
