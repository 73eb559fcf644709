"""Fault plan → timeline; applies toxics and mock HTTP faults; always cleans up.

::

    chaos/
    ├── timeline.py           FaultTimeline: each plan fault applied at ``at``, cleared at
    │                         ``at + for`` (t = 0 is Locust's test_start); close() on every path
    ├── targets.py            where a fault lands: ProxyFaults (toxics, down) and MockFaults
    │                         (HTTP rules on the mocks' /__admin/faults), always with an expiry
    ├── faultlog.py           faults.jsonl: each fault as applied and cleared
    └── toxiproxy_client.py   FaultProxyClient: typed Toxiproxy API client (embedded or real),
                              plus peakready's extensions (dead-man lease, toxic expiry)
"""

from __future__ import annotations

from peakready.chaos.faultlog import FaultLog
from peakready.chaos.targets import FaultTarget, MockFaults, ProxyFaults, fault_id
from peakready.chaos.timeline import FaultTimeline, WindowState
from peakready.chaos.toxiproxy_client import (
    FaultProxyClient,
    FaultProxyRequestError,
    LeaseInfo,
    ProxyInfo,
    ToxicInfo,
)

__all__ = ["FaultLog", "FaultProxyClient", "FaultProxyRequestError", "FaultTarget",
           "FaultTimeline", "LeaseInfo", "MockFaults", "ProxyFaults", "ProxyInfo", "ToxicInfo",
           "WindowState", "fault_id"]
