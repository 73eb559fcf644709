"""Toxic types, one file each, registered by name on import (toxiproxy-api.md §6).

::

    base.py        ToxicConfig (what the API creates and lists) · ToxicType · REGISTRY
    <type>.py      one ToxicType subclass per toxic: type_name, attribute_names (JSON order),
                   validate() (refuse what would crash), and the behaviour:
                     pipe(stub)      move chunks from stub.input to stub.output until the stream
                                     ends (stub.close()) or the link interrupts it
                     buffer_size     capacity of its input channel (latency: 1024)
                     new_state()     per-link state that survives restarts (limit_data)
                     cleanup(stub)   on removal from a live link (timeout closes it)

An instance is one *run* of a toxic on one link, built as ``REGISTRY[type](attributes, rng)``
when the toxic starts or restarts there (after its toxicity draw); the link (``link.py``) owns
the stubs and decides when runs start, restart and stop.
"""

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
