"""The proxies of one fault-proxy process, by name, with Toxiproxy's collection semantics.

Create, update, delete, ``/populate`` keep-or-replace and ``/reset`` behave as Toxiproxy 2.12's
``ProxyCollection`` (toxiproxy-api.md §3, §3.1, §4). Mutations that bind or close sockets run
under one lock, as Toxiproxy holds its collection lock. Toxic *expiry* (a peakready extension)
is scheduled here, so that deleting or replacing a proxy also forgets its timers.

Randomness: every proxy gets its own ``random.Random`` derived from the process seed and the
proxy's name, so draws on one proxy do not shift another's and a replaced proxy starts the
same sequence again.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter
from collections.abc import Iterable
from typing import Any

from peakready.errors import SafetyError
from peakready.faultproxy.apierror import ToxiproxyError
from peakready.faultproxy.bodies import ProxyInput, ToxicInput, ToxicUpdate
from peakready.faultproxy.proxy import ListenError, Proxy, format_address
from peakready.faultproxy.toxics import ToxicConfig
from peakready.safety import check_target, split_host_port

__all__ = ["ProxyRegistry", "normalize_listen"]

log = logging.getLogger("peakready.faultproxy.registry")


def normalize_listen(listen: str) -> str | None:
    """The listen address as it reads once bound (``localhost:7070`` → ``127.0.0.1:7070``);
    None when it can never equal a bound address (empty, ``:0``, or not ``host:port``)."""
    if not listen:
        return None
    try:
        host, port = split_host_port(listen)
    except ValueError:
        return None
    if port == 0:
        return None
    if host in ("", "localhost"):
        host = "127.0.0.1"
    return format_address(host, port)


class ProxyRegistry:
    """Every proxy of the process; the control API's only entry into the data plane."""

    def __init__(self, *, seed: int, allow_hosts: Iterable[str] = ()) -> None:
        self.seed = seed
        self.allow_hosts = tuple(allow_hosts)
        self._proxies: dict[str, Proxy] = {}
        self._lock = asyncio.Lock()
        self._expiry: dict[tuple[str, str], asyncio.TimerHandle] = {}
        self.toxics_added: Counter[str] = Counter()
        self.toxics_expired: Counter[str] = Counter()
        self.resets = 0

    # -- lookup --------------------------------------------------------------------------------
    def rng_for(self, name: str) -> random.Random:
        return random.Random(f"{self.seed}/{name}")

    def names(self) -> list[str]:
        return sorted(self._proxies)

    def proxies(self) -> list[Proxy]:
        return [self._proxies[n] for n in self.names()]

    def get(self, name: str) -> Proxy:
        proxy = self._proxies.get(name)
        if proxy is None:
            raise ToxiproxyError.proxy_not_found()
        return proxy

    # -- proxies -------------------------------------------------------------------------------
    def _check_listen(self, listen: str) -> None:
        if not listen:
            return
        try:
            host = split_host_port(listen)[0]
        except ValueError:
            return  # binding reports Go's "missing port in address" text
        if not host:
            return  # ":7070" binds loopback here (resolve_listen), never all interfaces
        try:
            check_target(host, self.allow_hosts, what="proxy listen address")
        except SafetyError as exc:
            raise ToxiproxyError(
                403, f"{exc} (start peakready proxy with --allow-host {host})") from None

    async def _start(self, proxy: Proxy) -> None:
        self._check_listen(proxy.listen)
        try:
            await proxy.start()
        except ListenError as exc:
            raise ToxiproxyError.internal(str(exc)) from None

    async def create(self, spec: ProxyInput) -> Proxy:
        async with self._lock:
            if spec.name in self._proxies:
                raise ToxiproxyError.proxy_exists()
            proxy = Proxy(spec.name, spec.listen, spec.upstream, rng=self.rng_for(spec.name))
            if spec.enabled:
                await self._start(proxy)
            self._proxies[spec.name] = proxy
            log.info("proxy %s created: %s -> %s", spec.name, proxy.listen, proxy.upstream)
            return proxy

    async def delete(self, name: str) -> None:
        async with self._lock:
            proxy = self.get(name)
            del self._proxies[name]
            self._forget_timers(name)
            await proxy.stop()
            log.info("proxy %s deleted", name)

    async def update(self, name: str, fields: dict[str, Any]) -> Proxy:
        """§4: restart on a listen/upstream change, then start or stop to match ``enabled``."""
        async with self._lock:
            proxy = self.get(name)
            listen = fields.get("listen", proxy.listen)
            upstream = fields.get("upstream", proxy.upstream)
            enabled = fields.get("enabled", proxy.enabled)
            if listen:
                try:
                    split_host_port(listen)
                except ValueError as exc:
                    raise ToxiproxyError.internal(str(exc)) from None
            if normalize_listen(listen) != proxy.listen or upstream != proxy.upstream:
                if enabled:
                    self._check_listen(listen)  # refuse before dropping anything
                await proxy.stop()
                proxy.listen, proxy.upstream = listen, upstream
            if enabled and not proxy.enabled:
                await self._start(proxy)
            elif not enabled and proxy.enabled:
                await proxy.stop()
            return proxy

    async def populate(self, specs: list[ProxyInput]) -> tuple[list[Proxy], ToxiproxyError | None]:
        """§3.1; the caller has validated every entry. Stops at the first failure."""
        done: list[Proxy] = []
        async with self._lock:
            for spec in specs:
                existing = self._proxies.get(spec.name)
                if existing is not None:
                    if spec.listen:
                        try:  # 2.12 resolves the listen to compare it: a bad one is an error
                            split_host_port(spec.listen)
                        except ValueError as exc:
                            return done, ToxiproxyError.internal(str(exc))
                    if (normalize_listen(spec.listen) == existing.listen
                            and spec.upstream == existing.upstream):
                        done.append(existing)  # untouched: toxics, state and connections kept
                        continue
                    await existing.stop()
                proxy = Proxy(spec.name, spec.listen, spec.upstream, rng=self.rng_for(spec.name))
                if spec.enabled:
                    try:
                        await self._start(proxy)
                    except ToxiproxyError as exc:
                        return done, exc
                self._forget_timers(spec.name)
                self._proxies[spec.name] = proxy
                done.append(proxy)
        return done, None

    async def reset(self) -> None:
        """Enable every proxy and remove every toxic (§3.2). Stops at a proxy that won't bind."""
        async with self._lock:
            for proxy in self.proxies():
                if not proxy.enabled:
                    await self._start(proxy)
                proxy.remove_all_toxics()
                self._forget_timers(proxy.name)
            self.resets += 1

    # -- toxics --------------------------------------------------------------------------------
    def add_toxic(self, proxy: Proxy, spec: ToxicInput) -> ToxicConfig:
        toxic = ToxicConfig(name=spec.name, type=spec.type, stream=spec.stream,
                            toxicity=spec.toxicity, attributes=spec.attributes)
        self._set_expiry(proxy, toxic, spec.expires_in_ms)
        proxy.add_toxic(toxic)
        self.toxics_added[proxy.name] += 1
        return toxic

    def update_toxic(self, proxy: Proxy, name: str, change: ToxicUpdate) -> ToxicConfig:
        toxic = proxy.update_toxic(name, change.attributes, change.toxicity)
        if change.expires_in_ms is not None:
            self._set_expiry(proxy, toxic, change.expires_in_ms)
        return toxic

    def remove_toxic(self, proxy: Proxy, name: str) -> None:
        if proxy.get_toxic(name) is None:
            raise ToxiproxyError.toxic_not_found()
        self._cancel_timer(proxy.name, name)
        proxy.remove_toxic(name)

    def _set_expiry(self, proxy: Proxy, toxic: ToxicConfig, ms: int | None) -> None:
        self._cancel_timer(proxy.name, toxic.name)
        if ms is None:
            return
        toxic.expires_at = time.time() + ms / 1000.0
        handle = asyncio.get_running_loop().call_later(
            ms / 1000.0, self._expire, proxy, toxic)
        self._expiry[(proxy.name, toxic.name)] = handle

    def _expire(self, proxy: Proxy, toxic: ToxicConfig) -> None:
        self._expiry.pop((proxy.name, toxic.name), None)
        # Only if that very toxic is still on that very proxy (not a same-named successor).
        if self._proxies.get(proxy.name) is proxy and proxy.get_toxic(toxic.name) is toxic:
            proxy.remove_toxic(toxic.name)
            self.toxics_expired[proxy.name] += 1
            log.info("toxic %s on proxy %s expired and was removed", toxic.name, proxy.name)

    def _cancel_timer(self, proxy_name: str, toxic_name: str) -> None:
        handle = self._expiry.pop((proxy_name, toxic_name), None)
        if handle is not None:
            handle.cancel()

    def _forget_timers(self, proxy_name: str) -> None:
        for key in [k for k in self._expiry if k[0] == proxy_name]:
            self._expiry.pop(key).cancel()

    async def close(self) -> None:
        """Stop every proxy and timer (server shutdown)."""
        async with self._lock:
            for handle in self._expiry.values():
                handle.cancel()
            self._expiry.clear()
            for proxy in self.proxies():
                await proxy.stop()
