"""The journeys' transport inside Locust: FastHttpSessions, so every call is in Locust's stats.

::

    LocustTransport(session)      one session (a closed-model user's own client)
    SessionPool(factory)          the engine's: each journey leases one keep-alive session for
      .lease()                    its whole run, as a user would hold its connection; idle
                                  sessions are reused, so there are never more than the
                                  journeys in flight (measured: a pool shared by all greenlets
                                  costs ~10 % more CPU per request than one session each)

A non-2xx answer, a connection error or a 2xx that is not JSON is marked failed in Locust
(with its status and first bytes) and handed to the client as a Reply; nothing raises.
"""

from __future__ import annotations

import contextlib
import json as jsonlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import gevent
from locust.contrib.fasthttp import FastHttpSession

from peakready.scenario.client import Reply

__all__ = ["LocustTransport", "SessionPool", "session_for"]


def session_for(environment: Any, base_url: str, *, concurrency: int, timeout: float,
                user: Any = None) -> FastHttpSession:
    """A FastHttpSession firing ``environment.events.request`` (user-less for the engine)."""
    return FastHttpSession(base_url, environment.events.request, user, insecure=True,
                           concurrency=concurrency, network_timeout=timeout,
                           connection_timeout=min(timeout, 10.0), max_retries=0)


class LocustTransport:
    def __init__(self, session: FastHttpSession) -> None:
        self.session = session

    def request(self, method: str, path: str, *, name: str, json: Any = None,
                headers: Mapping[str, str] | None = None) -> Reply:
        return send(self.session, method, path, name=name, json=json, headers=headers)


class SessionPool:
    """A Transport whose requests go through a session leased for the current journey (taken
    at its first request to this target, given back when the journey ends)."""

    def __init__(self, factory: Callable[[], FastHttpSession]) -> None:
        self.factory = factory
        self.idle: list[FastHttpSession] = []
        self.leased: dict[int, FastHttpSession | None] = {}

    @contextlib.contextmanager
    def lease(self) -> Iterator[None]:
        key = id(gevent.getcurrent())
        self.leased[key] = None
        try:
            yield
        finally:
            session = self.leased.pop(key, None)
            if session is not None:
                self.idle.append(session)

    def request(self, method: str, path: str, *, name: str, json: Any = None,
                headers: Mapping[str, str] | None = None) -> Reply:
        key = id(gevent.getcurrent())
        if key not in self.leased:  # outside a journey: a lease for this one request
            with self.lease():
                return self.request(method, path, name=name, json=json, headers=headers)
        session = self.leased[key]
        if session is None:
            session = self.leased[key] = self.idle.pop() if self.idle else self.factory()
        return send(session, method, path, name=name, json=json, headers=headers)


def send(session: FastHttpSession, method: str, path: str, *, name: str, json: Any = None,
         headers: Mapping[str, str] | None = None) -> Reply:
    """One request; the answer as a Reply, marked failed in Locust unless 2xx JSON."""
    with session.request(method, path, name=name, json=json,
                         headers=dict(headers) if headers else None,
                         catch_response=True) as resp:
        status = int(resp.status_code or 0)
        body = resp.content or b""
        if status == 0:
            error = str(getattr(resp, "error", None) or "connection failed")
            resp.failure(error)
            return Reply(0, b"", error)
        if not 200 <= status < 300:
            resp.failure(f"{status} {body[:120].decode('utf-8', 'replace')}")
            return Reply(status, body)
        try:
            value = jsonlib.loads(body)
        except ValueError:
            resp.failure(f"{status} not JSON: {body[:120].decode('utf-8', 'replace')}")
            return Reply(status, body)
        resp.success()
        return Reply(status, body, value=value, parsed=True)
