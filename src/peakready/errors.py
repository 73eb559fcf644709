"""The one error tree of peakready.

::

    PeakreadyError                 base of everything the harness raises on purpose
    ├── ConfigError                bad plan or flag: names the file, key path and value   (exit 2)
    ├── SafetyError                a target outside loopback and the allow-list          (exit 2)
    ├── ContentError               scenarios/, mocks/ or fixtures/ missing or unloadable  (exit 2)
    └── HarnessError               the harness itself failed                              (exit 3)
        ├── ComponentStartError    a child process (proxy, mock, Locust) would not start
        └── FaultControlError      the fault proxy refused or could not apply a fault

Third-party errors are translated once, at the boundary that meets them
(``raise ConfigError(...) from exc``). Invariant violations found by checks are results, not
exceptions.
"""

from __future__ import annotations

__all__ = [
    "ComponentStartError",
    "ConfigError",
    "ContentError",
    "FaultControlError",
    "HarnessError",
    "PeakreadyError",
    "SafetyError",
]


class PeakreadyError(Exception):
    """Base class; ``exit_code`` is what the CLI exits with when it is raised."""

    exit_code: int = 3


class ConfigError(PeakreadyError):
    """A plan, config file or flag is invalid. The message says where and what to do."""

    exit_code = 2


class SafetyError(PeakreadyError):
    """Load or faults would reach a host that is neither loopback nor allow-listed."""

    exit_code = 2


class ContentError(PeakreadyError):
    """User content (scenarios/, mocks/, fixtures/) is missing or cannot be loaded."""

    exit_code = 2


class HarnessError(PeakreadyError):
    """The harness could not do its job (not a verdict about the system under test)."""

    exit_code = 3


class ComponentStartError(HarnessError):
    """A component of the estate did not start or did not become healthy in time."""


class FaultControlError(HarnessError):
    """The fault proxy (embedded or a real Toxiproxy) refused or failed a control request."""
