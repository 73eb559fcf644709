"""HTTP fault rules and the switch that picks which ones hit a request.

A rule matches by path glob (``*`` spans slashes) or regex and by method, fires with a seeded
probability, and says what to do: each action field belongs to a kind in ``fault_kinds/``
(one file per kind, registered by field name). Rules are plain JSON so the
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
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any

from peakready.mockkit.fault_kinds import KINDS, FaultError, FaultKind
from peakready.mockkit.fault_kinds.base import number

__all__ = ["FaultError", "FaultRule", "FaultSwitch", "Firing", "parse_rule"]

_GENERIC = frozenset({"id", "path", "path_regex", "methods", "method", "rate", "expires_in",
                      "expires_at", "max_hits", "seed"})


def _known_fields() -> frozenset[str]:
    owned = {name for kind in KINDS.values() for name in (kind.name, *kind.fields)}
    return _GENERIC | owned


@dataclass
class FaultRule:
    id: str
    path: str = "*"
    path_regex: str | None = None
    methods: frozenset[str] | None = None
    actions: dict[str, Any] = field(default_factory=dict)   # kind name → its parameters
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
            "expires_at": self.expires_at, "max_hits": self.max_hits, "seed": self.seed,
        }
        out.update({k: v for k, v in optional.items() if v is not None})
        for name, params in self.actions.items():
            out.update(KINDS[name].to_json(params))
        return out


def parse_rule(spec: Any, default_id: str, seed: int, now: float | None = None) -> FaultRule:
    """Validate one JSON rule; raises :class:`FaultError` naming the field and the reason."""
    if not isinstance(spec, dict):
        raise FaultError(f"a rule must be a JSON object, got {spec!r}")
    known = _known_fields()
    unknown = sorted(set(spec) - known)
    if unknown:
        raise FaultError(f"unknown field(s) {unknown}; known: {sorted(known)}")
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
    actions: dict[str, Any] = {}
    for name, kind in KINDS.items():
        if name in spec:
            actions[name] = kind.parse(spec)
        else:
            stray = [f for f in kind.fields if f in spec]
            if stray:
                raise FaultError(f"{stray[0]}: only meaningful with {name!r}")
    if not actions:
        raise FaultError(f"a rule needs an action: one of {sorted(KINDS)}")
    rate = number(spec, "rate", high=1.0)
    expires_in = number(spec, "expires_in")
    expires_at = number(spec, "expires_at")
    if expires_in is not None:
        expires_at = now + expires_in
    max_hits = number(spec, "max_hits", low=1, integer=True)
    rule_seed = spec.get("seed")
    if rule_seed is not None and (isinstance(rule_seed, bool) or not isinstance(rule_seed, int)):
        raise FaultError(f"seed: must be an integer, got {rule_seed!r}")
    rule = FaultRule(
        id=rule_id, path=path, path_regex=regex_src, methods=method_set, actions=actions,
        rate=1.0 if rate is None else rate, expires_at=expires_at,
        max_hits=int(max_hits) if max_hits is not None else None, seed=rule_seed)
    rule._regex = regex
    # One generator per rule, seeded from (mock seed, rule id): a rule's draws do not depend on
    # what other rules or other routes consumed, so a rerun with the same seed hits the same
    # request numbers.
    rule._rng = random.Random(f"{seed if rule_seed is None else rule_seed}:{rule_id}")
    return rule


@dataclass
class Firing:
    """What the fired rules ask for on one request, combined by role."""

    rule_ids: tuple[str, ...]
    delay_ms: float = 0.0
    answer: tuple[FaultKind, Any, str] | None = None          # kind, params, rule id
    body: list[tuple[FaultKind, Any, str]] = field(default_factory=list)


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
            for name, params in rule.actions.items():
                kind = KINDS[name]
                if kind.role == "delay":
                    firing.delay_ms += kind.draw_ms(params, rule._rng)
                elif kind.role == "answer":
                    if firing.answer is None:
                        firing.answer = (kind, params, rule.id)
                elif all(k is not kind for k, _, _ in firing.body):
                    firing.body.append((kind, params, rule.id))
        firing.body.sort(key=lambda item: item[0].order)
        return firing
