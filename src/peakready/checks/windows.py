"""Moved to :mod:`peakready.measure.windows` (the one measurements module); this name stays
so code written against it keeps working."""

from __future__ import annotations

from peakready.measure.windows import Window, WindowKind, build_windows

__all__ = ["Window", "WindowKind", "build_windows"]
