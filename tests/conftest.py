"""Markers are applied by folder (DESIGN §7): tests/integration → integration, tests/e2e → e2e."""

from __future__ import annotations

from pathlib import Path

import pytest

_TESTS = Path(__file__).resolve().parent
_FOLDER_MARKERS = {"integration": pytest.mark.integration, "e2e": pytest.mark.e2e}

REPO_ROOT = _TESTS.parent
# ../shared sits beside the checkout (and beside CI's clone); it holds the specs tests read.
SHARED_DIR = REPO_ROOT.parent / "shared"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        try:
            folder = Path(item.path).resolve().relative_to(_TESTS).parts[0]
        except ValueError:
            continue
        marker = _FOLDER_MARKERS.get(folder)
        if marker is not None:
            item.add_marker(marker)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return SHARED_DIR
