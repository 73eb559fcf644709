"""The journeys' transports inside Locust: every call is in Locust's stats (its request event).

::

    LocustTransport(session)        a closed-model user's own FastHttpSession (plain locust -f)
    Connection(url, request_event)  the engine's: one keep-alive connection on geventhttpclient's
                                    HTTPClient (what FastHttpSession wraps), firing the request
                                    event with the arguments FastHttpSession gives it
    ConnectionPool(factory)         each journey leases one Connection for its whole run, as a
      .lease()                      shopper holds their connection; idle ones are reused, so
                                    there are never more than the journeys in flight

Why the engine does not go through FastHttpSession: its UserAgent layer (URL re-parsing, cookie
jar, redirects, a compatibility request and response per call) costs more CPU per request than
the whole open-model engine around it (measured: benchmarks/load_generator_cost.py). The
journeys speak Magento REST with bearer tokens: no cookies, no redirects. A connection accepts
gzip and deflate as a storefront does, and decodes them.

A non-2xx answer, a connection error or a 2xx that is not JSON is marked failed in Locust (with
its status and first bytes) and handed to the client as a Reply; nothing raises.
"""

from __future__ import annotations

import contextlib
import functools
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import gevent
import gevent.ssl
import orjson
from gevent.timeout import Timeout
from geventhttpclient import HTTPClient
from geventhttpclient._parser import HTTPParseError
from locust.contrib.fasthttp import FastHttpSession
from locust.exception import CatchResponseError

from peakready.scenario.client import Reply, wants_html

__all__ = ["Connection", "ConnectionPool", "LocustTransport", "session_for"]

#: What a failed connection raises inside geventhttpclient (Locust's own list, less its
#: UserAgent-only types; socket, SSL and timeout errors are OSErrors): each is a recorded
#: status-0 failure, never a crash of the journey.
_CONNECTION_ERRORS = (OSError, Timeout, HTTPParseError)


def session_for(environment: Any, base_url: str, *, concurrency: int, timeout: float,
                user: Any = None) -> FastHttpSession:
    """A FastHttpSession firing ``environment.events.request`` (a closed-model user's ERP or
    CRM session)."""
    return FastHttpSession(base_url, environment.events.request, user, insecure=True,
                           concurrency=concurrency, network_timeout=timeout,
                           connection_timeout=min(timeout, 10.0), max_retries=0)


def _judge(status: int, body: bytes, *, html: bool = False) -> tuple[Reply, str | None]:
    """The Reply for an answer, and the failure Locust records for it (None: a success)."""
    if not 200 <= status < 300:
        return Reply(status, body), f"{status} {body[:120].decode('utf-8', 'replace')}"
    if html:  # a page: its HTML is the answer
        return Reply(status, body), None
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        head = body[:120].decode("utf-8", "replace")
        return Reply(status, body), f"{status} not JSON: {head}"
    return Reply(status, body, value=value, parsed=True), None


class LocustTransport:
    def __init__(self, session: FastHttpSession) -> None:
        self.session = session

    def request(self, method: str, path: str, *, name: str, json: Any = None,
                headers: Mapping[str, str] | None = None, data: bytes | None = None
                ) -> Reply:
        with self.session.request(method, path, name=name, json=json,
                                  data=data.decode("latin-1") if data is not None else None,
                                  headers=dict(headers) if headers else None,
                                  catch_response=True) as resp:
            status = int(resp.status_code or 0)
            if status == 0:
                error = str(getattr(resp, "error", None) or "connection failed")
                resp.failure(error)
                return Reply(0, b"", error)
            reply, failure = _judge(status, resp.content or b"", html=wants_html(headers))
            if failure is None:
                resp.success()
            else:
                resp.failure(failure)
            return reply


class Connection:
    """One keep-alive connection to a target; ``request`` answers a Reply and fires Locust's
    request event (request_type, name, response_time ms, response_length, exception, ...)."""

    _BASE_HEADERS = {"Accept": "application/json", "Accept-Encoding": "gzip, deflate"}
    _JSON_HEADERS = {**_BASE_HEADERS, "Content-Type": "application/json"}

    def __init__(self, base_url: str, request_event: Any, *, timeout: float) -> None:
        parts = urlsplit(base_url)
        self.base_url = base_url.rstrip("/")
        #: a target under a path (https://staging.example.com/shop) keeps it on every request
        self.prefix = parts.path.rstrip("/")
        self.fire = request_event.fire
        https = parts.scheme == "https"
        self._new_client = functools.partial(
            HTTPClient, parts.hostname or "127.0.0.1", parts.port or (443 if https else 80),
            ssl=https, insecure=True,
            # a staging store's certificate is often self-signed (FastHttpUser's default)
            ssl_context_factory=gevent.ssl._create_unverified_context if https else None,
            concurrency=1, network_timeout=timeout, connection_timeout=min(timeout, 10.0))
        self.client = self._new_client()

    def request(self, method: str, path: str, *, name: str, json: Any = None,
                headers: Mapping[str, str] | None = None, data: bytes | None = None
                ) -> Reply:
        if data is not None:
            body, sent = data, self._BASE_HEADERS
        elif json is None:
            body, sent = b"", self._BASE_HEADERS
        else:
            body, sent = orjson.dumps(json), self._JSON_HEADERS
        if headers:
            sent = {**sent, **headers}
        start_time = time.time()
        started = time.perf_counter()
        try:
            response = self.client.request(method, self.prefix + path, body, sent)
            try:
                answer = bytes(response.read())
                encoding = response.get("content-encoding")
            finally:
                response.release()
            status = response.status_code
            if encoding in ("gzip", "deflate"):
                # wbits 47: zlib or gzip header, detected (servers mislabel deflate as either)
                answer = zlib.decompress(answer, 47)
        except (*_CONNECTION_ERRORS, zlib.error) as exc:
            error = str(exc) or type(exc).__name__
            self._report(method, name, path, started, start_time, 0, exc)
            return Reply(0, b"", error)
        except BaseException:
            # The journey's time ran out mid-request (its timeout is raised into the greenlet):
            # a socket caught while sending is never handed back to the client's pool, so the
            # next journey would wait on it forever. Start over on a new connection.
            self.client.close()
            self.client = self._new_client()
            raise
        reply, failure = _judge(status, answer, html=wants_html(headers))
        self._report(method, name, path, started, start_time, len(answer),
                     CatchResponseError(failure) if failure is not None else None, reply)
        return reply

    def _report(self, method: str, name: str, path: str, started: float, start_time: float,
                length: int, exception: BaseException | None, reply: Reply | None = None) -> None:
        self.fire(request_type=method, name=name,
                  response_time=(time.perf_counter() - started) * 1000.0,
                  response_length=length, response=reply, context={}, exception=exception,
                  start_time=start_time, url=self.base_url + path)


class ConnectionPool:
    """A Transport whose requests go through a connection leased for the current journey
    (taken at its first request to this target, given back when the journey ends)."""

    def __init__(self, factory: Callable[[], Connection]) -> None:
        self.factory = factory
        self.idle: list[Connection] = []
        self.leased: dict[int, Connection | None] = {}

    @contextlib.contextmanager
    def lease(self) -> Iterator[None]:
        key = id(gevent.getcurrent())
        self.leased[key] = None
        try:
            yield
        finally:
            connection = self.leased.pop(key, None)
            if connection is not None:
                self.idle.append(connection)

    def request(self, method: str, path: str, *, name: str, json: Any = None,
                headers: Mapping[str, str] | None = None, data: bytes | None = None
                ) -> Reply:
        key = id(gevent.getcurrent())
        if key not in self.leased:  # outside a journey: a lease for this one request
            with self.lease():
                return self.request(method, path, name=name, json=json, headers=headers,
                                    data=data)
        connection = self.leased[key]
        if connection is None:
            connection = self.leased[key] = self.idle.pop() if self.idle else self.factory()
        return connection.request(method, path, name=name, json=json, headers=headers,
                                  data=data)

