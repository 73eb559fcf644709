"""Content lookup order (explicit → [tool.peakready] → ./<kind>) and loading mocks by path."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from peakready.content import find_content_dir, load_content_module
from peakready.errors import ContentError


@pytest.fixture(autouse=True)
def _keep_loaded_content_modules() -> Iterator[None]:
    # Loading from a temporary mocks/ re-points the synthetic package; put the real one back so
    # later tests keep the module objects they already imported.
    saved = {k: v for k, v in sys.modules.items() if k.startswith("peakready_content")}
    yield
    for name in [k for k in sys.modules if k.startswith("peakready_content")]:
        del sys.modules[name]
    sys.modules.update(saved)


def test_explicit_directory_wins_and_must_exist(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    assert find_content_dir("mocks", tmp_path / "mine") == (tmp_path / "mine").resolve()
    with pytest.raises(ContentError, match="does not exist"):
        find_content_dir("mocks", tmp_path / "absent")


def test_pyproject_setting_is_used_from_a_subdirectory(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.peakready]\nmocks = "content/mocks"\n')
    (tmp_path / "content" / "mocks").mkdir(parents=True)
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    assert find_content_dir("mocks") == (tmp_path / "content" / "mocks").resolve()


def test_bad_pyproject_value_names_the_file_and_key(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.peakready]\nmocks = 3\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ContentError, match=r"pyproject.toml: tool.peakready.mocks"):
        find_content_dir("mocks")


def test_missing_content_says_where_it_looked(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ContentError, match="no scenarios/ directory found"):
        find_content_dir("scenarios")


def test_mock_package_loads_by_path_with_relative_imports(tmp_path: Path) -> None:
    package = tmp_path / "mocks" / "fakeshop"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("from .core import answer\n")
    (package / "core.py").write_text("answer = 42\n")
    module = load_content_module("mocks", "fakeshop", tmp_path / "mocks")
    assert module.answer == 42
    assert module.__name__ == "peakready_content.mocks.fakeshop"


def test_unknown_or_broken_module_is_a_content_error(tmp_path: Path) -> None:
    mocks = tmp_path / "mocks"
    mocks.mkdir()
    (mocks / "broken.py").write_text("raise RuntimeError('bad mock')\n")
    with pytest.raises(ContentError, match=r"has no nothing\.py"):
        load_content_module("mocks", "nothing", mocks)
    with pytest.raises(ContentError, match="bad mock"):
        load_content_module("mocks", "broken", mocks)
