"""HTTP fault kinds, one file each, registered by the rule field that switches them on.

::

    base.py        FaultKind (role: delay | answer | body), FaultError, transport helpers
    delay.py       delay_ms    fixed or uniform / normal / exponential milliseconds
    close.py       close       drop the connection without a response          (answer)
    status.py      status      + body, headers, retry_after                    (answer)
    truncate.py    truncate    n bytes of the body, then drop                  (body)
    slow_body.py   slow_body   dribble the body at bytes_per_second            (body)
    error_in_200.py       error_in_200       the vendor's error inside an HTTP 200    (mark)
    concurrency_limit.py  concurrency_limit  refuse above N requests in flight        (mark)
    session_expiry.py     session_expiry     sessions/tokens issued before expire     (mark)
    stale_lookup.py       stale_lookup       lookups by external reference miss       (mark)
    api_limit.py          api_limit          the API-call allocation is used up       (mark)

A ``mark`` kind does not answer itself: the mock's business layer (the ERP dialects) reads
``scope[MARKS_SCOPE_KEY]`` and misbehaves in its vendor's own shape.

A new kind is a new file with a :class:`FaultKind` subclass plus one entry below; the rule
parser (faults.py) and the middleware only talk to the registry. ``FAULT_KINDS`` is a
:class:`peakready.registry.Registry` (a field name taken twice is refused); ``KINDS`` is its
read-only listing, field name → kind, in registration order.
"""

from __future__ import annotations

from collections.abc import Mapping

from peakready.mockkit.fault_kinds.api_limit import ApiLimitKind
from peakready.mockkit.fault_kinds.base import (
    MARKS_SCOPE_KEY,
    AnswerContext,
    ConnectionDropped,
    FaultError,
    FaultKind,
    MarkKind,
)
from peakready.mockkit.fault_kinds.close import CloseKind
from peakready.mockkit.fault_kinds.concurrency_limit import ConcurrencyLimitKind
from peakready.mockkit.fault_kinds.delay import DelayKind
from peakready.mockkit.fault_kinds.error_in_200 import ErrorIn200Kind
from peakready.mockkit.fault_kinds.session_expiry import SessionExpiryKind
from peakready.mockkit.fault_kinds.slow_body import SlowBodyKind
from peakready.mockkit.fault_kinds.stale_lookup import StaleLookupKind
from peakready.mockkit.fault_kinds.status import StatusKind
from peakready.mockkit.fault_kinds.truncate import TruncateKind
from peakready.registry import Registry

__all__ = ["FAULT_KINDS", "KINDS", "MARKS_SCOPE_KEY", "AnswerContext", "ConnectionDropped",
           "FaultError", "FaultKind", "MarkKind"]

FAULT_KINDS: Registry[FaultKind] = Registry("fault kind")
# Order matters where roles collide inside one rule: "close" answers before "status".
for _kind in (DelayKind(), CloseKind(), StatusKind(), TruncateKind(), SlowBodyKind(),
              ErrorIn200Kind(), ConcurrencyLimitKind(), SessionExpiryKind(), StaleLookupKind(),
              ApiLimitKind()):
    FAULT_KINDS.register(_kind.name, _kind)
KINDS: Mapping[str, FaultKind] = FAULT_KINDS.items()
