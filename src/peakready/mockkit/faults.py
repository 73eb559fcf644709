"""HTTP fault rules and the switch that picks which ones hit a request.

A rule matches by path glob (``*`` spans slashes) or regex, by method and optionally by the
request body (``match``, body_match.py), fires with a seeded probability, and says what to
do: each action field belongs to a kind in ``fault_kinds/`` (one file per kind, registered by
field name). Rules are plain JSON so the chaos timeline, a test or a human with curl can set
them (``PUT /__admin/faults``)::

    {"rules": [{"id": "erp-503", "path": "/api/orders*", "methods": ["POST"],
                "status": 503, "rate": 0.5, "retry_after": 5, "expires_in": 30},
               {"id": "refuse-one", "path": "/api/orders", "status": 422, "sticky": true,
                "match": {"json_path": "$.increment_id", "equals": "000000007"}}]}

Fields (all optional but one action): ``status`` (+ ``body``, ``retry_after``, ``headers``),
``delay_ms`` (a number or ``{"distribution": "uniform"|"normal"|"exponential", ...}``),
``slow_body`` (``{"bytes_per_second": n, "chunk_size": n}``), ``truncate`` (``{"bytes": n}``),
``close`` (true: drop the connection without a response); ``match`` (one body condition or
a list of them); ``rate`` (0..1, default 1); ``sticky`` (true: the rate is drawn once per
``Idempotency-Key``, else once per body, so a retry of a request the rule hit is hit again,
as a real back-end rejects an order for its data every time); ``expires_in`` seconds or
``expires_at`` epoch seconds, ``max_hits``, ``seed``.
Several rules may fire on one request: delays add up; the first ``close``/``status`` and the
first body modifier win.

The rule's generic fields are one ``peakready.configmodel.StrictModel`` (unknown keys refused
with the closest known one, strict booleans); each kind validates its own fields.
"""

from __future__ import annotations

import fnmatch
import hashlib
import itertools
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field, create_model

from peakready.configmodel import StrictBool, StrictModel, validate
from peakready.errors import ConfigError
from peakready.mockkit.body_match import BodyMatch, BodyMatchSpec, RequestBody
from peakready.mockkit.fault_kinds import KINDS, FaultError, FaultKind

__all__ = ["FaultError", "FaultRule", "FaultSwitch", "Firing", "RuleSpec", "parse_rule"]


class RuleSpec(StrictModel):
    """The generic fields of a rule (the kinds' own fields are added per registry)."""

    id: str | None = Field(default=None, min_length=1)
    path: str = "*"
    path_regex: str | None = None
    methods: list[str] | str | None = None
    method: list[str] | str | None = None
    rate: float = Field(default=1.0, ge=0, le=1)
    sticky: StrictBool = False
    match: BodyMatchSpec | list[BodyMatchSpec] | None = None
    expires_in: float | None = Field(default=None, ge=0)
    expires_at: float | None = Field(default=None, ge=0)
    max_hits: int | None = Field(default=None, ge=1)
    seed: int | None = None


_SPEC_CACHE: dict[tuple[str, ...], type[RuleSpec]] = {}


def _spec_model() -> type[RuleSpec]:
    """RuleSpec plus every registered kind's fields (validated by the kind itself), so an
    unknown key is refused with the closest known one, kind fields included."""
    owned = tuple(sorted({n for kind in KINDS.values() for n in (kind.name, *kind.fields)}))
    model = _SPEC_CACHE.get(owned)
    if model is None:
        extra: dict[str, Any] = {name: (Any, None) for name in owned}
        model = create_model("FaultRuleSpec", __base__=RuleSpec, **extra)
        _SPEC_CACHE[owned] = model
    return model


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
    matches_body: tuple[BodyMatch, ...] = ()
    sticky: bool = False
    hits: int = 0
    _regex: re.Pattern[str] = field(default=re.compile(".*"), repr=False)
    _rng: random.Random = field(default_factory=random.Random, repr=False)
    _salt: str = field(default="", repr=False)

    def matches(self, method: str, path: str) -> bool:
        return (self.methods is None or method in self.methods) and \
            self._regex.fullmatch(path) is not None

    def draws(self, key: str | None, body: RequestBody | None) -> bool:
        """Whether the rule fires on this (matching) request."""
        if self.rate >= 1.0:
            return True
        if not self.sticky:
            return self._rng.random() < self.rate
        # Sticky: one draw per idempotency key (else per body), recomputed from the key
        # rather than remembered, so memory stays flat and a restart draws the same.
        subject = key if key is not None else hashlib.sha256(
            body.raw if body is not None else b"").hexdigest()
        return random.Random(f"{self._salt}:{subject}").random() < self.rate

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
            "sticky": True if self.sticky else None,
            "match": [m.to_json() for m in self.matches_body] or None,
        }
        out.update({k: v for k, v in optional.items() if v is not None})
        for name, params in self.actions.items():
            out.update(KINDS[name].to_json(params))
        return out


def parse_rule(spec: Any, default_id: str, seed: int, now: float | None = None) -> FaultRule:
    """Validate one JSON rule; raises :class:`FaultError` naming the field and the reason."""
    if not isinstance(spec, dict):
        raise FaultError(f"a rule must be a JSON object, got {spec!r}")
    label = spec.get("id") if isinstance(spec.get("id"), str) else default_id
    try:
        checked = validate(_spec_model(), spec, source=f"fault rule {label!r}")
    except ConfigError as exc:
        raise FaultError(str(exc)) from None
    now = time.time() if now is None else now
    rule_id = checked.id or default_id
    try:
        regex = re.compile(checked.path_regex if checked.path_regex is not None
                           else fnmatch.translate(checked.path))
    except re.error as exc:
        raise FaultError(f"path_regex: not a valid regular expression: {exc}") from None
    methods = checked.methods if checked.methods is not None else checked.method
    if isinstance(methods, str):
        methods = [methods]
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
    expires_at = checked.expires_at
    if checked.expires_in is not None:
        expires_at = now + checked.expires_in
    conditions = checked.match if isinstance(checked.match, list) else \
        [checked.match] if checked.match is not None else []
    rule = FaultRule(
        id=rule_id, path=checked.path, path_regex=checked.path_regex, methods=method_set,
        actions=actions, rate=checked.rate, expires_at=expires_at, max_hits=checked.max_hits,
        seed=checked.seed, matches_body=tuple(BodyMatch.of(c) for c in conditions),
        sticky=checked.sticky)
    rule._regex = regex
    # One generator per rule, seeded from (mock seed, rule id): a rule's draws do not depend on
    # what other rules or other routes consumed, so a rerun with the same seed hits the same
    # request numbers.
    rule._salt = f"{seed if checked.seed is None else checked.seed}:{rule_id}"
    rule._rng = random.Random(rule._salt)
    return rule


@dataclass
class Firing:
    """What the fired rules ask for on one request, combined by role."""

    rule_ids: tuple[str, ...]
    delay_ms: float = 0.0
    answer: tuple[FaultKind, Any, str] | None = None          # kind, params, rule id
    body: list[tuple[FaultKind, Any, str]] = field(default_factory=list)
    marks: dict[str, tuple[Any, str]] = field(default_factory=dict)   # name → params, rule id


class FaultSwitch:
    """The live rule set of one mock. ``check`` is on the hot path: with no rules it is one
    attribute read."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.rules: list[FaultRule] = []
        self.needs_body = False
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

    def _set(self, rules: list[FaultRule]) -> None:
        self.rules = rules
        # The middleware buffers a request's body only while some rule reads it.
        self.needs_body = any(r.matches_body or (r.sticky and r.rate < 1.0) for r in rules)

    def replace(self, rules: list[FaultRule]) -> None:
        self._set(list(rules))

    def add(self, rules: list[FaultRule]) -> None:
        new_ids = {r.id for r in rules}
        self._set([r for r in self.rules if r.id not in new_ids] + list(rules))

    def remove(self, rule_id: str) -> bool:
        before = len(self.rules)
        self._set([r for r in self.rules if r.id != rule_id])
        return len(self.rules) != before

    def clear(self) -> None:
        self._set([])

    def active(self) -> list[FaultRule]:
        now = time.time()
        self._set([r for r in self.rules if not r.expired(now)])
        return list(self.rules)

    def check(self, method: str, path: str, *, key: str | None = None,
              body: bytes | None = None) -> Firing | None:
        """The rules that fire on this request. ``key`` is its Idempotency-Key and ``body``
        its body (both only needed while ``needs_body``)."""
        if not self.rules:
            return None
        now = time.time()
        fired: list[FaultRule] = []
        expired = False
        request_body = RequestBody(body) if body is not None else None
        for rule in self.rules:
            if rule.expired(now):
                expired = True
                continue
            if not rule.matches(method, path):
                continue
            if rule.matches_body and (request_body is None or not all(
                    m.holds(request_body) for m in rule.matches_body)):
                continue
            if not rule.draws(key, request_body):
                continue
            rule.hits += 1
            fired.append(rule)
        if expired:
            self._set([r for r in self.rules if not r.expired(now)])
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
                elif kind.role == "mark":
                    firing.marks.setdefault(name, (params, rule.id))
                elif all(k is not kind for k, _, _ in firing.body):
                    firing.body.append((kind, params, rule.id))
        firing.body.sort(key=lambda item: item[0].order)
        return firing
