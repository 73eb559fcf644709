"""The journeys' transport inside Locust: a FastHttpSession, so every call is in Locust's stats.

A non-2xx answer, a connection error or a 2xx that is not JSON is marked failed in Locust
(with its status and first bytes) and handed to the client as a Reply; nothing raises.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Mapping
from typing import Any

from locust.contrib.fasthttp import FastHttpSession

from peakready.scenario.client import Reply

__all__ = ["LocustTransport", "session_for"]


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
        with self.session.request(method, path, name=name, json=json,
                                  headers=dict(headers or {}), catch_response=True) as resp:
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
