"""``peakready init DIR``: copy the shipped content out of the package, for editing.

::

    installed wheel:  site-packages/peakready/_bundled/{scenarios,mocks,fixtures}
    editable install: the checkout's own scenarios/, mocks/, fixtures/   (no bundled copy)
                          │ copied (no caches)
                          ▼
    DIR/scenarios  DIR/mocks  DIR/fixtures (plans/, profiles/)

Afterwards ``cd DIR && peakready run`` finds the copies in the working directory before the
bundled ones (peakready.content's lookup order), so edits there take effect. A folder that
already holds one of them is refused before anything is copied: init never overwrites edits.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import peakready
from peakready.content import ContentKind
from peakready.errors import ConfigError, ContentError

__all__ = ["KINDS", "copy_content", "init_main", "shipped_content_dir"]

KINDS: tuple[ContentKind, ...] = ("scenarios", "mocks", "fixtures")
_PACKAGE = Path(peakready.__file__).resolve().parent


def shipped_content_dir(kind: ContentKind) -> Path:
    """The content that came with this peakready: the wheel's bundled copy, or the checkout's."""
    for candidate in (_PACKAGE / "_bundled" / kind, _PACKAGE.parents[1] / kind):
        if candidate.is_dir():
            return candidate
    raise ContentError(f"this peakready installation ships no {kind}/ (looked in "
                       f"{_PACKAGE / '_bundled' / kind}); reinstall it from the wheel")


def copy_content(destination: Path) -> list[Path]:
    """Copy every kind of content into ``destination``; returns the folders created."""
    taken = [destination / kind for kind in KINDS if (destination / kind).exists()]
    if taken:
        raise ConfigError(f"{destination}: {', '.join(p.name for p in taken)} already "
                          f"exist(s); init never overwrites: remove them or choose an empty "
                          f"folder")
    sources = {kind: shipped_content_dir(kind) for kind in KINDS}
    destination.mkdir(parents=True, exist_ok=True)
    created = []
    for kind, source in sources.items():
        shutil.copytree(source, destination / kind,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        created.append(destination / kind)
    return created


def init_main(args: argparse.Namespace) -> int:
    destination = Path(args.directory)
    created = copy_content(destination)
    for folder in created:
        print(f"created {folder}/")
    print(f"next: cd {destination} && peakready run   (the smoke plan is "
          f"fixtures/plans/smoke.yaml; scenarios/ and mocks/ are yours to edit)")
    return 0
