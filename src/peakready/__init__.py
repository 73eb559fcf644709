"""peakready: load and resilience harness for Magento / Adobe Commerce integrations.

Importing this package must stay cheap and must never pull in locust or gevent (gevent
monkey-patches the process; only :mod:`peakready.scenario` may import locust).
"""

from __future__ import annotations

from peakready.errors import (
    ConfigError,
    HarnessError,
    PeakreadyError,
    SafetyError,
)

__all__ = ["ConfigError", "HarnessError", "PeakreadyError", "SafetyError", "__version__"]

__version__ = "0.1.0"
