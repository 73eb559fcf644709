"""Report formats, registered by name (DESIGN §2: a new format is a new file + an entry here).

::

    FORMATS["html"]  ──► report.html   (peakready.reporting.html)
    FORMATS["junit"] ──► junit.xml     (peakready.reporting.junit)

Each renderer is a pure function of the :class:`RunResult`: it reads nothing else, so
``peakready report DIR`` redraws a run from its result.json alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from peakready.registry import Registry
from peakready.reporting import html, junit
from peakready.reporting.result import RunResult

__all__ = ["FORMATS", "Format"]


@dataclass(frozen=True)
class Format:
    filename: str
    render: Callable[[RunResult], str]
    description: str = ""


FORMATS: Registry[Format] = Registry("report format")
FORMATS.register("html", Format("report.html", html.render, "self-contained HTML report"))
FORMATS.register("junit", Format("junit.xml", junit.render, "one testcase per check and gate"))
