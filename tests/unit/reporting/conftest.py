"""A synthetic run folder in the documented formats (tests/support/run_folders.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from support.run_folders import RunSpec, write_run


@pytest.fixture
def make_run(tmp_path: Path) -> Callable[..., Path]:
    def make(name: str = "run", **spec: object) -> Path:
        return write_run(tmp_path / name, RunSpec(**spec))  # type: ignore[arg-type]
    return make
