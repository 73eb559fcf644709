"""``peakready init DIR``: the shipped content copied out, never over the user's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from peakready.cli import main
from peakready.errors import ConfigError
from peakready.project_init import KINDS, copy_content, shipped_content_dir


def test_init_copies_scenarios_mocks_and_fixtures_with_the_plans(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]
                                                                  ) -> None:
    assert main(["init", str(tmp_path / "demo")]) == 0
    demo = tmp_path / "demo"
    assert (demo / "fixtures" / "plans" / "smoke.yaml").is_file()
    assert (demo / "mocks" / "magento" / "__init__.py").is_file()
    assert sorted(p.name for p in (demo / "scenarios").glob("*.py")) == sorted(
        p.name for p in shipped_content_dir("scenarios").glob("*.py"))
    assert not list(demo.rglob("__pycache__"))
    assert f"cd {demo} && peakready run" in capsys.readouterr().out


def test_init_refuses_a_folder_that_already_has_content(tmp_path: Path) -> None:
    (tmp_path / "mocks").mkdir()
    (tmp_path / "mocks" / "erp.py").write_text("# my own ERP mock\n")
    with pytest.raises(ConfigError, match="mocks already exist"):
        copy_content(tmp_path)
    assert (tmp_path / "mocks" / "erp.py").read_text() == "# my own ERP mock\n"
    assert not (tmp_path / "scenarios").exists()  # refused before anything was copied
    assert main(["init", str(tmp_path)]) == 2


def test_every_kind_is_shipped() -> None:
    for kind in KINDS:
        assert shipped_content_dir(kind).is_dir()
