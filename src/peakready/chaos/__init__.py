"""Fault plan → timeline; applies toxics and mock HTTP faults; always cleans up.

::

    chaos/
    ├── faultlog.py           faults.jsonl: each fault as applied and cleared
    └── toxiproxy_client.py   FaultProxyClient: typed Toxiproxy API client (embedded or real),
                              plus peakready's extensions (dead-man lease, toxic expiry)
"""

from __future__ import annotations

from peakready.chaos.faultlog import FaultLog
from peakready.chaos.toxiproxy_client import (
    FaultProxyClient,
    FaultProxyRequestError,
    LeaseInfo,
    ProxyInfo,
    ToxicInfo,
)

__all__ = ["FaultLog", "FaultProxyClient", "FaultProxyRequestError", "LeaseInfo", "ProxyInfo",
           "ToxicInfo"]
