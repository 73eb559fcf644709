"""A typed client for the fault proxy: peakready's embedded one or a real Toxiproxy.

toxiproxy-python keeps the server's host and port as class attributes of ``APIConsumer``
(process-wide globals), sends requests without timeouts and reports errors as bare
``ProxyExists`` / ``NotFound`` / ``InvalidToxic`` carrying the raw body. So later code never
touches it directly:

* :class:`FaultProxyClient` speaks the Toxiproxy HTTP API itself (httpx, bounded timeouts,
  errors translated once into :class:`FaultProxyRequestError`, a
  :class:`~peakready.errors.FaultControlError`), plus peakready's extensions (lease, toxic
  expiry) which a real Toxiproxy does not have;
* :meth:`FaultProxyClient.toxiproxy` lends a ``toxiproxy.Toxiproxy`` pointed at this server
  for code that wants the library's objects: the globals are set under a lock for the duration
  of the ``with`` block and restored afterwards, and its errors are translated too.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from peakready.errors import FaultControlError

__all__ = [
    "FaultProxyClient",
    "FaultProxyRequestError",
    "LeaseInfo",
    "ProxyInfo",
    "ToxicInfo",
]

log = logging.getLogger("peakready.chaos.client")

DEFAULT_URL = "http://127.0.0.1:8474"
_GLOBALS_LOCK = threading.Lock()  # guards toxiproxy-python's class-level host/port


class FaultProxyRequestError(FaultControlError):
    """The fault proxy answered with an error (``status`` > 0) or could not be reached (0)."""

    def __init__(self, operation: str, status: int, message: str) -> None:
        where = f"HTTP {status}" if status else "unreachable"
        super().__init__(f"{operation}: {where}: {message}")
        self.operation = operation
        self.status = status
        self.message = message


@dataclass(frozen=True)
class ToxicInfo:
    name: str
    type: str
    stream: str
    toxicity: float
    attributes: dict[str, int]
    expires_at: float | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ToxicInfo:
        return cls(name=data["name"], type=data["type"], stream=data["stream"],
                   toxicity=float(data["toxicity"]), attributes=dict(data.get("attributes") or {}),
                   expires_at=data.get("expires_at"))


@dataclass(frozen=True)
class ProxyInfo:
    name: str
    listen: str
    upstream: str
    enabled: bool
    toxics: list[ToxicInfo] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProxyInfo:
        return cls(name=data["name"], listen=data["listen"], upstream=data["upstream"],
                   enabled=bool(data["enabled"]),
                   toxics=[ToxicInfo.from_json(t) for t in data.get("toxics") or []])

    @property
    def port(self) -> int:
        return int(self.listen.rsplit(":", 1)[1])


@dataclass(frozen=True)
class LeaseInfo:
    holder: str
    ttl_ms: int
    expires_in_ms: int
    renewals: int

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LeaseInfo:
        return cls(holder=data["holder"], ttl_ms=int(data["ttl_ms"]),
                   expires_in_ms=int(data["expires_in_ms"]), renewals=int(data["renewals"]))


def _seg(name: str) -> str:
    return quote(name, safe="")


class FaultProxyClient:
    """``FaultProxyClient(url)``; every call raises :class:`FaultProxyRequestError` on failure."""

    def __init__(self, url: str = DEFAULT_URL, *, timeout: float = 5.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.url = url.rstrip("/")
        # A Toxiproxy client must not look like a browser (the server's CSRF guard).
        self._http = httpx.Client(base_url=self.url, timeout=timeout, transport=transport,
                                  headers={"User-Agent": "peakready-faultproxy-client"})

    @classmethod
    def from_env(cls, default: str = DEFAULT_URL, **kwargs: Any) -> FaultProxyClient:
        """``TOXIPROXY_URL`` when set (a real Toxiproxy, as its own CLI reads it), else
        ``default``."""
        return cls(os.environ.get("TOXIPROXY_URL") or default, **kwargs)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> FaultProxyClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing ------------------------------------------------------------------------------
    def _call(self, operation: str, method: str, path: str, *, json: Any = None,
              params: Mapping[str, str] | None = None) -> httpx.Response:
        try:
            resp = self._http.request(method, path, json=json, params=params)
        except httpx.HTTPError as exc:
            raise FaultProxyRequestError(operation, 0, f"{self.url}: {exc}") from exc
        if resp.status_code >= 300:
            try:
                message = str(resp.json().get("error", resp.text.strip()))
            except ValueError:
                message = resp.text.strip() or resp.reason_phrase
            raise FaultProxyRequestError(operation, resp.status_code, message)
        return resp

    # -- Toxiproxy API -------------------------------------------------------------------------
    def version(self) -> str:
        return str(self._call("version", "GET", "/version").json()["version"])

    def is_peakready(self) -> bool:
        """True when the server is peakready's embedded proxy (extensions available)."""
        return "x-peakready-version" in self._call("version", "GET", "/version").headers

    def proxies(self) -> dict[str, ProxyInfo]:
        data = self._call("list proxies", "GET", "/proxies").json()
        return {name: ProxyInfo.from_json(p) for name, p in data.items()}

    def get_proxy(self, name: str) -> ProxyInfo:
        return ProxyInfo.from_json(self._call(f"get proxy {name}", "GET",
                                              f"/proxies/{_seg(name)}").json())

    def create_proxy(self, name: str, upstream: str, listen: str = "127.0.0.1:0",
                     enabled: bool = True) -> ProxyInfo:
        body = {"name": name, "upstream": upstream, "listen": listen, "enabled": enabled}
        return ProxyInfo.from_json(self._call(f"create proxy {name}", "POST", "/proxies",
                                              json=body).json())

    def update_proxy(self, name: str, *, listen: str | None = None, upstream: str | None = None,
                     enabled: bool | None = None) -> ProxyInfo:
        body = {k: v for k, v in (("listen", listen), ("upstream", upstream),
                                  ("enabled", enabled)) if v is not None}
        # POST rather than PATCH: every Toxiproxy 2.x accepts it.
        return ProxyInfo.from_json(self._call(f"update proxy {name}", "POST",
                                              f"/proxies/{_seg(name)}", json=body).json())

    def disable(self, name: str) -> ProxyInfo:
        return self.update_proxy(name, enabled=False)

    def enable(self, name: str) -> ProxyInfo:
        return self.update_proxy(name, enabled=True)

    def delete_proxy(self, name: str) -> None:
        self._call(f"delete proxy {name}", "DELETE", f"/proxies/{_seg(name)}")

    def populate(self, proxies: Sequence[Mapping[str, Any]]) -> list[ProxyInfo]:
        """Server-side ``/populate`` (keep/replace rules of Toxiproxy 2.12)."""
        data = self._call("populate", "POST", "/populate", json=list(proxies)).json()
        return [ProxyInfo.from_json(p) for p in data.get("proxies") or []]

    def reset(self) -> None:
        self._call("reset", "POST", "/reset")

    def toxics(self, proxy: str) -> list[ToxicInfo]:
        data = self._call(f"list toxics of {proxy}", "GET", f"/proxies/{_seg(proxy)}/toxics")
        return [ToxicInfo.from_json(t) for t in data.json()]

    def add_toxic(self, proxy: str, type: str, *, name: str | None = None,
                  stream: str = "downstream", toxicity: float = 1.0,
                  attributes: Mapping[str, int] | None = None,
                  expires_in_ms: int | None = None) -> ToxicInfo:
        """``expires_in_ms`` is a peakready extension; a real Toxiproxy ignores it."""
        body: dict[str, Any] = {"type": type, "stream": stream, "toxicity": toxicity,
                                "attributes": dict(attributes or {})}
        if name is not None:
            body["name"] = name
        if expires_in_ms is not None:
            body["expires_in_ms"] = expires_in_ms
        data = self._call(f"add toxic {type} to {proxy}", "POST",
                          f"/proxies/{_seg(proxy)}/toxics", json=body).json()
        return ToxicInfo.from_json(data)

    def update_toxic(self, proxy: str, name: str, *, attributes: Mapping[str, int] | None = None,
                     toxicity: float | None = None,
                     expires_in_ms: int | None = None) -> ToxicInfo:
        body: dict[str, Any] = {}
        if attributes is not None:
            body["attributes"] = dict(attributes)
        if toxicity is not None:
            body["toxicity"] = toxicity
        if expires_in_ms is not None:
            body["expires_in_ms"] = expires_in_ms
        data = self._call(f"update toxic {name} on {proxy}", "POST",
                          f"/proxies/{_seg(proxy)}/toxics/{_seg(name)}", json=body).json()
        return ToxicInfo.from_json(data)

    def remove_toxic(self, proxy: str, name: str) -> None:
        self._call(f"remove toxic {name} from {proxy}", "DELETE",
                   f"/proxies/{_seg(proxy)}/toxics/{_seg(name)}")

    # -- peakready extensions ------------------------------------------------------------------
    def take_lease(self, holder: str, ttl_ms: int) -> LeaseInfo:
        data = self._call(f"take lease for {holder}", "POST", "/peakready/lease",
                          json={"holder": holder, "ttl_ms": ttl_ms}).json()
        return LeaseInfo.from_json(data)

    def renew_lease(self, holder: str, ttl_ms: int | None = None) -> LeaseInfo:
        body: dict[str, Any] = {"holder": holder}
        if ttl_ms is not None:
            body["ttl_ms"] = ttl_ms
        return LeaseInfo.from_json(self._call(f"renew lease of {holder}", "POST",
                                              "/peakready/lease/renew", json=body).json())

    def release_lease(self, holder: str | None = None) -> None:
        params = {"holder": holder} if holder is not None else None
        self._call("release lease", "DELETE", "/peakready/lease", params=params)

    def lease(self) -> LeaseInfo | None:
        try:
            return LeaseInfo.from_json(self._call("get lease", "GET", "/peakready/lease").json())
        except FaultProxyRequestError as exc:
            if exc.status == 404:
                return None
            raise

    @contextlib.contextmanager
    def holding_lease(self, holder: str, ttl_ms: int,
                      renew_every_ms: int | None = None) -> Iterator[LeaseInfo]:
        """Hold the dead-man lease for the block, renewing it from a background thread
        (every ``ttl_ms / 3`` by default); release it at the end. If this process dies or
        hangs, renewals stop and the proxy resets itself once the TTL passes."""
        lease = self.take_lease(holder, ttl_ms)
        interval = (renew_every_ms or max(1, ttl_ms // 3)) / 1000.0
        stop = threading.Event()

        def renew() -> None:
            # Its own connection pool: the caller keeps using this client meanwhile.
            with FaultProxyClient(self.url, timeout=max(interval, 0.5)) as own:
                while not stop.wait(interval):
                    try:
                        own.renew_lease(holder)
                    except FaultControlError as exc:
                        log.warning("renewing the fault-proxy lease of %s failed: %s",
                                    holder, exc)

        thread = threading.Thread(target=renew, daemon=True, name=f"lease-{holder}")
        thread.start()
        try:
            yield lease
        finally:
            stop.set()
            thread.join(5)
            with contextlib.suppress(FaultControlError):
                self.release_lease(holder)

    # -- toxiproxy-python, safely --------------------------------------------------------------
    @contextlib.contextmanager
    def toxiproxy(self) -> Iterator[Any]:
        """A ``toxiproxy.Toxiproxy`` aimed at this server for the duration of the block.

        Other threads using this method wait for the block to end (the library's host/port
        are process-wide); its exceptions come out as :class:`FaultProxyRequestError`.
        """
        import requests
        from toxiproxy import Toxiproxy
        from toxiproxy.api import APIConsumer
        from toxiproxy.exceptions import InvalidToxic, NotFound, ProxyExists

        parts = urlsplit(self.url)
        statuses = {ProxyExists: 409, NotFound: 404, InvalidToxic: 400}
        with _GLOBALS_LOCK:
            saved = APIConsumer.host, APIConsumer.port
            APIConsumer.host, APIConsumer.port = parts.hostname, parts.port or 80
            try:
                yield Toxiproxy()
            except (ProxyExists, NotFound, InvalidToxic) as exc:
                raise FaultProxyRequestError("toxiproxy-python", statuses[type(exc)],
                                             _text(exc)) from exc
            except requests.RequestException as exc:
                raise FaultProxyRequestError("toxiproxy-python", 0, str(exc)) from exc
            finally:
                APIConsumer.host, APIConsumer.port = saved


def _text(exc: Exception) -> str:
    raw = exc.args[0] if exc.args else ""
    return raw.decode("utf-8", "replace").strip() if isinstance(raw, bytes) else str(raw)
