"""``/metrics``: Prometheus text exposition with live counters.

Toxiproxy's ``toxiproxy_proxy_received_bytes_total`` / ``toxiproxy_proxy_sent_bytes_total``
(labels ``direction``, ``proxy``, ``listener``, ``upstream``) are kept by name and label, but read
LIVE from the data plane (Toxiproxy adds them only when a connection closes). peakready adds its
own gauges and counters under ``peakready_``.

Every figure comes from ``Proxy.stats()`` (a typed :class:`~.proxy.ProxyStats`: finished and
open connections' bytes per direction, connections open, accepted) and the proxy's toxics.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from peakready.faultproxy.link import Direction
from peakready.faultproxy.proxy import Proxy, ProxyStats

__all__ = ["CONTENT_TYPE", "render"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_DIRECTIONS: tuple[Direction, ...] = ("upstream", "downstream")


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(**labels: str) -> str:
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items())) + "}"


def render(proxies: Iterable[Proxy], *, toxics_added: Mapping[str, int],
           toxics_expired: Mapping[str, int], resets: int, lease_lapses: int,
           lease_held: bool) -> bytes:
    proxies = list(proxies)
    out: list[str] = []

    def family(name: str, kind: str, help_text: str) -> None:
        out.append(f"# HELP {name} {help_text}")
        out.append(f"# TYPE {name} {kind}")

    stats: dict[str, ProxyStats] = {p.name: p.stats() for p in proxies}
    # Live counters: finished connections' bytes plus the open ones'.
    for key, total, help_text in (
            ("received", ProxyStats.received_total,
             "The total bytes received from a given proxy link"),
            ("sent", ProxyStats.sent_total, "The total bytes sent to a given proxy link")):
        name = f"toxiproxy_proxy_{key}_bytes_total"
        family(name, "counter", help_text)
        for p in proxies:
            for direction in _DIRECTIONS:
                labels = _labels(direction=direction, proxy=p.name, listener=p.listen,
                                 upstream=p.upstream)
                out.append(f"{name}{labels} {total(stats[p.name], direction)}")

    family("peakready_proxy_enabled", "gauge", "1 when the proxy is listening")
    for p in proxies:
        out.append(f"peakready_proxy_enabled{_labels(proxy=p.name)} {int(p.enabled)}")
    family("peakready_proxy_active_connections", "gauge", "Client connections open now")
    for p in proxies:
        out.append(f"peakready_proxy_active_connections{_labels(proxy=p.name)} "
                   f"{stats[p.name].connections}")
    family("peakready_proxy_connections_accepted_total", "counter",
           "Client connections accepted since the proxy was created")
    for p in proxies:
        out.append(f"peakready_proxy_connections_accepted_total{_labels(proxy=p.name)} "
                   f"{stats[p.name].accepted}")
    family("peakready_proxy_toxics", "gauge", "Toxics currently set on the proxy")
    for p in proxies:
        out.append(f"peakready_proxy_toxics{_labels(proxy=p.name)} {len(p.toxics)}")
    family("peakready_toxics_applied_total", "counter", "Toxics added since the process started")
    for name in sorted(toxics_added):
        out.append(f"peakready_toxics_applied_total{_labels(proxy=name)} {toxics_added[name]}")
    family("peakready_toxics_expired_total", "counter", "Toxics removed by their expiry")
    for name in sorted(toxics_expired):
        out.append(f"peakready_toxics_expired_total{_labels(proxy=name)} "
                   f"{toxics_expired[name]}")
    family("peakready_resets_total", "counter", "Resets (POST /reset and lease lapses)")
    out.append(f"peakready_resets_total {resets}")
    family("peakready_lease_lapses_total", "counter", "Dead-man leases that lapsed")
    out.append(f"peakready_lease_lapses_total {lease_lapses}")
    family("peakready_lease_held", "gauge", "1 while a controller holds the lease")
    out.append(f"peakready_lease_held {int(lease_held)}")
    return ("\n".join(out) + "\n").encode("utf-8")
