"""Target safety: load and faults go only to loopback and to hosts the user allow-listed.

Every component that opens a listener or sends traffic asks here first. Secrets are redacted
here too, so that no log line, report or evidence file carries a token.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from peakready.errors import SafetyError

__all__ = [
    "REDACTED",
    "check_target",
    "is_loopback_host",
    "redact",
    "redact_mapping",
    "split_host_port",
]

REDACTED = "***"
_SECRET_KEY = re.compile(r"(token|secret|password|passwd|authorization|api[_-]?key)", re.I)
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.I)


def split_host_port(address: str) -> tuple[str, int]:
    """Split ``host:port`` / ``[v6]:port``; raises ValueError with Go-like wording."""
    if address.startswith("["):
        host, sep, port = address[1:].partition("]:")
        if not sep:
            raise ValueError(f"address {address}: missing port in address")
    else:
        host, sep, port = address.rpartition(":")
        if not sep:
            raise ValueError(f"address {address}: missing port in address")
        if ":" in host:
            raise ValueError(f"address {address}: too many colons in address")
    if not port.isdigit() or int(port) > 65535:
        raise ValueError(f"address {address}: invalid port")
    return host, int(port)


def is_loopback_host(host: str) -> bool:
    """True for ``localhost``, 127.0.0.0/8 and ::1 (names are not resolved: only these count)."""
    host = host.strip("[]").lower()
    if host in {"localhost", "localhost.", "ip6-localhost"}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_target(url_or_host: str, allow_hosts: Iterable[str] = (), *, what: str = "target") -> str:
    """Return the host of ``url_or_host`` if it is loopback or allow-listed, else raise."""
    if "://" in url_or_host:
        host = urlsplit(url_or_host).hostname or ""
    else:
        try:
            host = split_host_port(url_or_host)[0]
        except ValueError:
            host = url_or_host
    host = host.strip("[]").lower()
    allowed = {h.strip().strip("[]").lower() for h in allow_hosts}
    if is_loopback_host(host) or host in allowed:
        return host
    raise SafetyError(
        f"refusing to send load or faults to {what} {host!r}: it is not loopback and not in "
        f"target.allow_hosts. Add it to allow_hosts in the plan only if it is your own staging "
        f"host."
    )


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Replace known secret values and bearer tokens in free text."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return _BEARER.sub(lambda m: m.group(1) + REDACTED, text)


def redact_mapping(data: Any) -> Any:
    """Deep copy of ``data`` with the values of secret-looking keys replaced."""
    if isinstance(data, Mapping):
        return {
            k: (REDACTED if isinstance(k, str) and _SECRET_KEY.search(k) and not k.endswith("_env")
                else redact_mapping(v))
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [redact_mapping(v) for v in data]
    return data
