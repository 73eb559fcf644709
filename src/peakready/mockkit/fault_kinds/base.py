"""What a fault kind is, and the helpers kinds share.

A kind owns one rule field that switches it on (``name``) and maybe a few more it reads
(``fields``), and plays one role on a request:

* ``delay``  - adds milliseconds before anything else happens (several add up);
* ``answer`` - answers in place of the mock (a status, or dropping the connection); the first
  answering rule wins;
* ``body``   - wraps ``send`` around whatever answers (dribble, truncate); the first of each
  kind wins, wrapped in ``order`` (lowest closest to the wire);
* ``mark``   - tells the mock's business layer to misbehave as its vendor does (an error
  inside a 200, a concurrency limit, an expired session, a stale lookup): the middleware puts
  ``{kind name: (params, rule id)}`` in ``scope["peakready.marks"]`` and the mock (an ERP
  dialect) answers in its own vendor's shape; the first of each kind wins.
"""

from __future__ import annotations

import asyncio
import random
from abc import ABC
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from starlette.types import Send

__all__ = ["MARKS_SCOPE_KEY", "AnswerContext", "ConnectionDropped", "FaultError", "FaultKind",
           "MarkKind", "drop_transport", "number", "transport_of"]

# Where the middleware leaves the fired marks for the business app: {name: (params, rule id)}.
MARKS_SCOPE_KEY = "peakready.marks"

Role = Literal["delay", "answer", "body", "mark"]


class FaultError(ValueError):
    """A rule is malformed; the admin API answers 400 with this message."""


class ConnectionDropped(ConnectionError):
    """Raised in-process where no transport can be closed (the fault's stand-in for a reset)."""


@dataclass
class AnswerContext:
    send: Send          # send, wrapped by the body kinds that fired
    raw_send: Send      # the server's own send (to find the connection)
    request_id: str
    rule_id: str


class FaultKind(ABC):
    name: ClassVar[str]
    fields: ClassVar[tuple[str, ...]] = ()
    role: ClassVar[Role]
    order: ClassVar[int] = 0

    def parse(self, spec: dict[str, Any]) -> Any:
        """Validate ``spec[name]`` (and ``fields``); returns this kind's parameters."""
        raise NotImplementedError

    def to_json(self, params: Any) -> dict[str, Any]:
        """The rule fields that reproduce ``params`` (for GET /__admin/faults)."""
        raise NotImplementedError

    def draw_ms(self, params: Any, rng: random.Random) -> float:  # role "delay"
        raise NotImplementedError

    async def answer(self, params: Any, ctx: AnswerContext) -> int:  # role "answer"
        """Answer the request; returns the status sent (0: no response)."""
        raise NotImplementedError

    def wrap(self, params: Any, rule_id: str, send: Send) -> Send:  # role "body"
        raise NotImplementedError


class MarkKind(FaultKind):
    """A ``mark`` kind whose rule field is ``true`` or an object of its own settings."""

    role = "mark"
    defaults: ClassVar[dict[str, float]] = {}

    def parse(self, spec: dict[str, Any]) -> dict[str, float]:
        value = spec[self.name]
        if value is True:
            value = {}
        if isinstance(value, int | float) and not isinstance(value, bool) and self.defaults:
            value = {next(iter(self.defaults)): value}
        if not isinstance(value, dict):
            raise FaultError(f"{self.name}: must be true or an object of "
                             f"{sorted(self.defaults) or 'nothing'}, got {value!r}")
        unknown = sorted(set(value) - set(self.defaults))
        if unknown:
            raise FaultError(f"{self.name}.{unknown[0]}: unknown; known: "
                             f"{sorted(self.defaults) or 'none'}")
        params = dict(self.defaults)
        for key in self.defaults:
            got = number(value, key, label=f"{self.name}.{key}")
            if got is not None:
                params[key] = got
        return params

    def to_json(self, params: dict[str, float]) -> dict[str, Any]:
        return {self.name: dict(params) if params else True}


def number(spec: dict[str, Any], key: str, *, low: float = 0.0, high: float | None = None,
           integer: bool = False, label: str | None = None) -> float | None:
    """``spec[key]`` as a number within bounds, None if absent; FaultError naming the field."""
    value = spec.get(key)
    label = label or key
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or \
            (integer and not isinstance(value, int)):
        kind = "an integer" if integer else "a number"
        raise FaultError(f"{label}: must be {kind}, got {value!r}")
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        raise FaultError(f"{label}: must be {bound}, got {value!r}")
    return float(value)


def transport_of(send: Send) -> Any:
    """The asyncio transport behind a server's ``send`` (uvicorn's bound method), or None."""
    return getattr(getattr(send, "__self__", None), "transport", None)


async def drop_transport(send: Send, message: str) -> None:
    """Close the client connection now (or raise ConnectionDropped in-process)."""
    transport = transport_of(send)
    if transport is None:
        raise ConnectionDropped(message)
    transport.close()
    # Let connection_lost run, so the server marks the request disconnected and does not
    # write a response of its own onto the closing socket.
    for _ in range(3):
        await asyncio.sleep(0)
