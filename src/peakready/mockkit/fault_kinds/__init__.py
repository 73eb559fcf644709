"""HTTP fault kinds, one file each, registered by the rule field that switches them on.

::

    base.py        FaultKind (role: delay | answer | body), FaultError, transport helpers
    delay.py       delay_ms    fixed or uniform / normal / exponential milliseconds
    close.py       close       drop the connection without a response          (answer)
    status.py      status      + body, headers, retry_after                    (answer)
    truncate.py    truncate    n bytes of the body, then drop                  (body)
    slow_body.py   slow_body   dribble the body at bytes_per_second            (body)

A new kind is a new file with a :class:`FaultKind` subclass plus one line in ``KINDS``; the
rule parser (faults.py) and the middleware only talk to the registry.
"""

from __future__ import annotations

from peakready.mockkit.fault_kinds.base import (
    AnswerContext,
    ConnectionDropped,
    FaultError,
    FaultKind,
)
from peakready.mockkit.fault_kinds.close import CloseKind
from peakready.mockkit.fault_kinds.delay import DelayKind
from peakready.mockkit.fault_kinds.slow_body import SlowBodyKind
from peakready.mockkit.fault_kinds.status import StatusKind
from peakready.mockkit.fault_kinds.truncate import TruncateKind

__all__ = ["KINDS", "AnswerContext", "ConnectionDropped", "FaultError", "FaultKind"]

# Order matters where roles collide inside one rule: "close" answers before "status".
KINDS: dict[str, FaultKind] = {kind.name: kind for kind in (
    DelayKind(), CloseKind(), StatusKind(), TruncateKind(), SlowBodyKind())}
