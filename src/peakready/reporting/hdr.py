"""Moved to :mod:`peakready.measure.hdr` (the one measurements module); this name stays so
code written against it keeps working."""

from __future__ import annotations

from peakready.measure.hdr import HdrDecodeError, Latency, decode

__all__ = ["HdrDecodeError", "Latency", "decode"]
