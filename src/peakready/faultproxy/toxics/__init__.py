"""Toxic types, one file each, registered by name on import."""

from __future__ import annotations

from peakready.faultproxy.toxics import (  # noqa: F401  (imported for registration)
    bandwidth,
    latency,
    limit_data,
    noop,
    reset_peer,
    slicer,
    slow_close,
    timeout,
)
from peakready.faultproxy.toxics.base import REGISTRY, InvalidAttributes, ToxicConfig, ToxicType

__all__ = ["REGISTRY", "InvalidAttributes", "ToxicConfig", "ToxicType"]
