"""The ``fault`` fixture's context manager: one fault on a named link, always cleared.

``with fault("erp", toxic="latency", attributes={"latency": 800}):`` puts a toxic on the fault
proxy's ``erp`` link; ``fault("erp", down=True)`` takes the link down; ``fault("erp",
http={"status": 503, "rate": 0.5})`` sets an HTTP fault rule on the ERP mock. The fault is a
plan fault (:class:`peakready.config.FaultPlan`, validated the same way, so a typo is a
ConfigError naming the key) applied through the same chaos targets a run uses, with an expiry:
if the test process dies inside the block, the proxy and the mock heal on their own.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator, Mapping
from typing import Any

from peakready.pytest_plugin.estate import EstateHandle

__all__ = ["FaultSwitch"]

_EXPIRES_S = 600.0
# Far from a run's peakready-fault-0.. so a session estate's names never meet a timeline's.
_INDEX = itertools.count(10_000)


class FaultSwitch:
    """Callable: ``fault(link, ...)`` is a context manager; :meth:`close` at teardown."""

    def __init__(self, handle: EstateHandle) -> None:
        self.handle = handle
        self._active: dict[int, Any] = {}
        self._mocks: Any = None
        self._proxies: Any = None

    @contextlib.contextmanager
    def __call__(self, link: str, *, toxic: str | None = None,
                 attributes: Mapping[str, Any] | None = None, down: bool = False,
                 http: Mapping[str, Any] | None = None, stream: str = "downstream",
                 toxicity: float = 1.0) -> Iterator[dict[str, Any]]:
        """Apply the fault, yield its spec as sent, clear it on the way out (always)."""
        from peakready.config import FaultPlan
        from peakready.configmodel import validate

        data: dict[str, Any] = {"at": 0, "for": _EXPIRES_S}
        if http is not None:
            data.update(mock=link, http=dict(http))
        else:
            data.update(proxy=link, down=down, stream=stream, toxicity=toxicity,
                        attributes=dict(attributes or {}))
            if toxic is not None:
                data["toxic"] = toxic
        plan = validate(FaultPlan, data, source=f"fault({link!r})", what="fault")
        index = next(_INDEX)
        target = self._target(plan)
        spec = self.handle.call(target.apply(index, plan, _EXPIRES_S))
        self._active[index] = plan
        try:
            yield spec
        finally:
            self._clear(index)

    def _target(self, plan: Any) -> Any:
        from peakready.chaos import MockFaults, ProxyFaults

        estate = self.handle.estate
        if plan.mock is not None:
            if self._mocks is None:
                self._mocks = MockFaults({**estate.mocks, "magento": estate.magento_direct})
            return self._mocks
        if self._proxies is None:
            self._proxies = ProxyFaults(estate.control, estate.proxy_names)
        return self._proxies

    def _clear(self, index: int) -> None:
        plan = self._active.pop(index, None)
        if plan is not None:
            self.handle.call(self._target(plan).clear(index, plan))

    def close(self) -> None:
        """Teardown: every fault still on is cleared (a test that never left its block)."""
        try:
            for index in list(self._active):
                self._clear(index)
        finally:
            if self._mocks is not None:
                self.handle.call(self._mocks.aclose())
