"""Build hook: bundle the user-editable content into the wheel (DESIGN §2).

``scenarios/``, ``mocks/`` and ``fixtures/`` (plans included) live at the top of the checkout,
where users edit them. A wheel carries a copy of each under ``peakready/_bundled/``, the last
place :func:`peakready.content.find_content_dir` looks, so an installed ``peakready`` works in
an empty folder and ``peakready init DIR`` can copy the content out for editing. Everything
else is in pyproject.toml; an editable install needs no copy (the checkout is found first).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

CONTENT = ("scenarios", "mocks", "fixtures")
ROOT = Path(__file__).resolve().parent


class BuildPyWithContent(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        bundled = Path(self.build_lib) / "peakready" / "_bundled"
        for kind in CONTENT:
            target = bundled / kind
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(ROOT / kind, target,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))


setup(cmdclass={"build_py": BuildPyWithContent})
