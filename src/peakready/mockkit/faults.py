"""HTTP fault rules and the switch that picks which ones hit a request.

A rule matches by path glob (``*`` spans slashes) or regex and by method, fires with a seeded
probability, and says what to do; ``fault_kinds`` executes it. Rules are plain JSON so the
chaos timeline, a test or a human with curl can set them (``PUT /__admin/faults``)::

    {"rules": [{"id": "erp-503", "path": "/api/orders*", "methods": ["POST"],
                "status": 503, "rate": 0.5, "retry_after": 5, "expires_in": 30}]}

Fields (all optional but one action): ``status`` (+ ``body``, ``retry_after``, ``headers``),
``delay_ms`` (a number or ``{"distribution": "uniform"|"normal"|"exponential", ...}``),
``slow_body`` (``{"bytes_per_second": n, "chunk_size": n}``), ``truncate`` (``{"bytes": n}``),
``close`` (true: drop the connection without a response); ``rate`` (0..1, default 1),
``expires_in`` seconds or ``expires_at`` epoch seconds, ``max_hits``, ``seed``.
Several rules may fire on one request: delays add up; the first ``close``/``status`` and the
first body modifier win.
"""

from __future__ import annotations

import fnmatch
import itertools
import json
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Delay", "FaultError", "FaultRule", "FaultSwitch", "Firing", "parse_rule"]

_DISTRIBUTIONS = ("fixed", "uniform", "normal", "exponential")
_KNOWN = frozenset({
    "id", "path", "path_regex", "methods", "method", "status", "body", "headers", "retry_after",
    "delay_ms", "slow_body", "truncate", "close", "rate", "expires_in", "expires_at",
    "max_hits", "seed",
})


class FaultError(ValueError):
    """A rule is malformed; the admin API answers 400 with this message."""


@dataclass(frozen=True)
class Delay:
    distribution: str = "fixed"
    a: float = 0.0          # fixed ms | uniform min | normal mean | exponential mean
    b: float = 0.0          # uniform max | normal stddev

    def draw_ms(self, rng: random.Random) -> float:
        if self.distribution == "uniform":
            return rng.uniform(self.a, self.b)
        if self.distribution == "normal":
            return max(0.0, rng.gauss(self.a, self.b))
        if self.distribution == "exponential":
            return rng.expovariate(1.0 / self.a) if self.a > 0 else 0.0
        return self.a

    def to_json(self) -> Any:
        if self.distribution == "fixed":
            return self.a
        names = {"uniform": ("min", "max"), "normal": ("mean", "stddev"),
                 "exponential": ("mean", "")}[self.distribution]
        out: dict[str, Any] = {"distribution": self.distribution, names[0]: self.a}
        if names[1]:
            out[names[1]] = self.b
        return out


@dataclass
class FaultRule:
    id: str
    path: str = "*"
    path_regex: str | None = None
    methods: frozenset[str] | None = None
    status: int | None = None
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    retry_after: float | None = None
    delay: Delay | None = None
    slow_body_bps: float | None = None
    slow_body_chunk: int = 1
    truncate_bytes: int | None = None
    close: bool = False
    rate: float = 1.0
    expires_at: float | None = None      # wall clock, so the journal can show it
    max_hits: int | None = None
    seed: int | None = None
    hits: int = 0
    _regex: re.Pattern[str] = field(default=re.compile(".*"), repr=False)
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def matches(self, method: str, path: str) -> bool:
        return (self.methods is None or method in self.methods) and \
            self._regex.fullmatch(path) is not None

    def expired(self, now: float) -> bool:
        return (self.expires_at is not None and now >= self.expires_at) or \
            (self.max_hits is not None and self.hits >= self.max_hits)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "path": self.path, "rate": self.rate,
                               "hits": self.hits}
        optional: dict[str, Any] = {
            "path_regex": self.path_regex,
            "methods": sorted(self.methods) if self.methods else None,
            "status": self.status, "body": self.body, "headers": self.headers or None,
            "retry_after": self.retry_after,
            "delay_ms": self.delay.to_json() if self.delay else None,
            "slow_body": {"bytes_per_second": self.slow_body_bps,
                          "chunk_size": self.slow_body_chunk} if self.slow_body_bps else None,
            "truncate": {"bytes": self.truncate_bytes} if self.truncate_bytes is not None
            else None,
            "close": self.close or None, "expires_at": self.expires_at,
            "max_hits": self.max_hits, "seed": self.seed,
        }
        out.update({k: v for k, v in optional.items() if v is not None})
        return out


def _num(spec: dict[str, Any], key: str, *, low: float = 0.0, high: float | None = None,
         integer: bool = False) -> float | None:
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or \
            (integer and not isinstance(value, int)):
        kind = "an integer" if integer else "a number"
        raise FaultError(f"{key}: must be {kind}, got {value!r}")
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        raise FaultError(f"{key}: must be {bound}, got {value!r}")
    return float(value)


def _parse_delay(value: Any) -> Delay | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value < 0:
            raise FaultError(f"delay_ms: must be >= 0, got {value!r}")
        return Delay("fixed", float(value))
    if not isinstance(value, dict):
        raise FaultError(f"delay_ms: must be a number or an object, got {value!r}")
    dist = value.get("distribution", "fixed")
    if dist not in _DISTRIBUTIONS:
        raise FaultError(f"delay_ms.distribution: must be one of {_DISTRIBUTIONS}, got {dist!r}")
    names = {"fixed": ("ms", None), "uniform": ("min", "max"), "normal": ("mean", "stddev"),
             "exponential": ("mean", None)}[dist]
    a = _num(value, names[0])
    if a is None:
        raise FaultError(f"delay_ms.{names[0]}: required for distribution {dist!r}")
    b = _num(value, names[1]) if names[1] else 0.0
    if names[1] and b is None:
        raise FaultError(f"delay_ms.{names[1]}: required for distribution {dist!r}")
    if dist == "uniform" and b is not None and b < a:
        raise FaultError("delay_ms: max must be >= min")
    return Delay(dist, a, b or 0.0)


def parse_rule(spec: Any, default_id: str, seed: int, now: float | None = None) -> FaultRule:
    """Validate one JSON rule; raises :class:`FaultError` naming the field and the reason."""
    if not isinstance(spec, dict):
        raise FaultError(f"a rule must be a JSON object, got {spec!r}")
    unknown = sorted(set(spec) - _KNOWN)
    if unknown:
        raise FaultError(f"unknown field(s) {unknown}; known: {sorted(_KNOWN)}")
    now = time.time() if now is None else now
    rule_id = spec.get("id", default_id)
    path = spec.get("path", "*")
    if not isinstance(rule_id, str) or not rule_id:
        raise FaultError(f"id: must be a non-empty string, got {rule_id!r}")
    if not isinstance(path, str):
        raise FaultError(f"path: must be a glob string, got {path!r}")
    regex_src = spec.get("path_regex")
    try:
        regex = re.compile(regex_src if regex_src is not None else fnmatch.translate(path))
    except (re.error, TypeError) as exc:
        raise FaultError(f"path_regex: not a valid regular expression: {exc}") from None
    methods = spec.get("methods", spec.get("method"))
    if isinstance(methods, str):
        methods = [methods]
    if methods is not None and (not isinstance(methods, list)
                                or not all(isinstance(m, str) for m in methods)):
        raise FaultError(f"methods: must be a list of strings, got {methods!r}")
    method_set = None if not methods or "*" in methods else frozenset(m.upper() for m in methods)
    status = _num(spec, "status", low=100, high=599, integer=True)
    body = spec.get("body")
    if body is not None and not isinstance(body, str | dict | list):
        raise FaultError(f"body: must be a string or JSON value, got {body!r}")
    headers = spec.get("headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise FaultError(f"headers: must be an object of strings, got {headers!r}")
    slow = spec.get("slow_body")
    slow_bps, slow_chunk = None, 1
    if slow is not None:
        if not isinstance(slow, dict):
            raise FaultError(f"slow_body: must be an object, got {slow!r}")
        slow_bps = _num(slow, "bytes_per_second", low=1e-3)
        if slow_bps is None:
            raise FaultError("slow_body.bytes_per_second: required")
        slow_chunk = int(_num(slow, "chunk_size", low=1, integer=True) or 1)
    truncate = spec.get("truncate")
    truncate_bytes = None
    if truncate is not None:
        if isinstance(truncate, int) and not isinstance(truncate, bool):
            truncate = {"bytes": truncate}
        if not isinstance(truncate, dict):
            raise FaultError(f"truncate: must be an object like {{'bytes': 10}}, got {truncate!r}")
        truncate_bytes = int(_num(truncate, "bytes", integer=True) or 0)
    close = spec.get("close", False)
    if not isinstance(close, bool):
        raise FaultError(f"close: must be true or false, got {close!r}")
    delay = _parse_delay(spec.get("delay_ms"))
    if status is None and delay is None and slow_bps is None and truncate is None and not close:
        raise FaultError("a rule needs an action: status, delay_ms, slow_body, truncate or close")
    rate = _num(spec, "rate", high=1.0)
    expires_in = _num(spec, "expires_in")
    expires_at = _num(spec, "expires_at")
    if expires_in is not None:
        expires_at = now + expires_in
    max_hits = _num(spec, "max_hits", low=1, integer=True)
    rule_seed = spec.get("seed")
    if rule_seed is not None and (isinstance(rule_seed, bool) or not isinstance(rule_seed, int)):
        raise FaultError(f"seed: must be an integer, got {rule_seed!r}")
    rule = FaultRule(
        id=rule_id, path=path, path_regex=regex_src, methods=method_set,
        status=int(status) if status is not None else None,
        body=body if isinstance(body, str) or body is None else _json_text(body),
        headers=dict(headers), retry_after=_num(spec, "retry_after"), delay=delay,
        slow_body_bps=slow_bps, slow_body_chunk=slow_chunk, truncate_bytes=truncate_bytes,
        close=close, rate=1.0 if rate is None else rate, expires_at=expires_at,
        max_hits=int(max_hits) if max_hits is not None else None, seed=rule_seed,
    )
    rule._regex = regex
    # One generator per rule, seeded from (mock seed, rule id): a rule's draws do not depend on
    # what other rules or other routes consumed, so a rerun with the same seed hits the same
    # request numbers.
    rule._rng = random.Random(f"{seed if rule_seed is None else rule_seed}:{rule_id}")
    return rule


def _json_text(value: Any) -> str:
    return json.dumps(value)


@dataclass
class Firing:
    """What the fired rules ask for on one request, combined."""

    rule_ids: tuple[str, ...]
    delay_ms: float = 0.0
    close: bool = False
    status_rule: FaultRule | None = None
    slow_rule: FaultRule | None = None
    truncate_rule: FaultRule | None = None


class FaultSwitch:
    """The live rule set of one mock. ``check`` is on the hot path: with no rules it is one
    attribute read."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.rules: list[FaultRule] = []
        self._ids = itertools.count(1)

    def _next_id(self) -> str:
        return f"rule-{next(self._ids)}"

    def parse(self, spec: Any) -> list[FaultRule]:
        """Accept ``{"rules": [...]}``, a list of rules or one rule object."""
        if isinstance(spec, dict) and "rules" in spec:
            extra = sorted(set(spec) - {"rules"})
            if extra:
                raise FaultError(f"unknown field(s) {extra} beside 'rules'")
            spec = spec["rules"]
        items = spec if isinstance(spec, list) else [spec]
        rules = [parse_rule(item, self._next_id(), self.seed) for item in items]
        ids = [r.id for r in rules]
        if len(set(ids)) != len(ids):
            raise FaultError(f"duplicate rule ids in {ids}")
        return rules

    def replace(self, rules: list[FaultRule]) -> None:
        self.rules = list(rules)

    def add(self, rules: list[FaultRule]) -> None:
        new_ids = {r.id for r in rules}
        self.rules = [r for r in self.rules if r.id not in new_ids] + list(rules)

    def remove(self, rule_id: str) -> bool:
        before = len(self.rules)
        self.rules = [r for r in self.rules if r.id != rule_id]
        return len(self.rules) != before

    def clear(self) -> None:
        self.rules = []

    def active(self) -> list[FaultRule]:
        now = time.time()
        self.rules = [r for r in self.rules if not r.expired(now)]
        return list(self.rules)

    def check(self, method: str, path: str) -> Firing | None:
        if not self.rules:
            return None
        now = time.time()
        fired: list[FaultRule] = []
        expired = False
        for rule in self.rules:
            if rule.expired(now):
                expired = True
                continue
            if not rule.matches(method, path):
                continue
            if rule.rate < 1.0 and rule._rng.random() >= rule.rate:
                continue
            rule.hits += 1
            fired.append(rule)
        if expired:
            self.rules = [r for r in self.rules if not r.expired(now)]
        if not fired:
            return None
        firing = Firing(tuple(r.id for r in fired))
        for rule in fired:
            if rule.delay is not None:
                firing.delay_ms += rule.delay.draw_ms(rule._rng)
            if rule.close and not firing.close and firing.status_rule is None:
                firing.close = True
            elif rule.status is not None and firing.status_rule is None and not firing.close:
                firing.status_rule = rule
            if rule.slow_body_bps and firing.slow_rule is None:
                firing.slow_rule = rule
            if rule.truncate_bytes is not None and firing.truncate_rule is None:
                firing.truncate_rule = rule
        return firing
