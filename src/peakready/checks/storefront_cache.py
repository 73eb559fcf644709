"""storefront_cache: a sync keeps the full-page cache; shoppers' pages stay cached and fast.

Guarantee: an integration that moves stock and prices into Magento empties only the cached
pages its changes make stale. It must not purge every page each cycle (a full product save of
every product, a full cache flush per batch): the storefront then renders every page again in
PHP, right at peak.

Witnesses: the simulator's full-page cache (``evidence/magento/page_cache.jsonl``: per wall
second, hits, misses, the misses of pages a clean or flush had removed (``purge_misses``),
entries purged, cleans, flushes, their causes) and the shoppers' own latencies of cacheable
requests (pages and GraphQL GETs, ``latency.jsonl``). After the warm-up (``cache_warmup``):

* baseline: the hit ratio the same requests would have had without the purges,
  ``(hits + purge_misses) / lookups``; the syncs' cost: the hit ratio they had,
  ``hits / lookups``. Fail when the cache served less than ``min_cache_hit_ratio_kept`` of the
  hits it would have served (``hits / (hits + purge_misses)``);
* sync windows: each second the cache lost entries, and the ``sync_window`` seconds after it
  (the windows are listed, with their hit ratios); fail too when the cacheable requests' p95
  in them exceeds ``max_page_p95_ratio`` times the p95 of the other seconds (and by more than
  250 ms).

Not judged without the cache's evidence (a real store: its Varnish is no witness here), without
pages or GraphQL traffic in the plan, or with too few lookups on either side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from peakready.checks.verdict import CHECKS, Verdict
from peakready.measure.hdr import Latency

if TYPE_CHECKING:
    from peakready.checks.evidence import RunEvidence
    from peakready.config import Plan
    from peakready.measure.latency import Samples

__all__ = ["storefront_cache"]

_MIN_LOOKUPS = 20
_P95_FLOOR_MS = 250.0
_MAX_EXAMPLES = 20


@dataclass
class _Side:
    hits: int = 0
    misses: int = 0
    seconds: int = 0

    @property
    def lookups(self) -> int:
        return self.hits + self.misses

    @property
    def ratio(self) -> float | None:
        return self.hits / self.lookups if self.lookups else None


def _cacheable_names(samples: Samples) -> list[str]:
    """Request names of page GETs and GraphQL GETs (what the full-page cache can answer)."""
    return [name for name in samples.names("request")
            if name.startswith("GET /") and not name.startswith("GET /rest")
            and not name.startswith(("GET /customer", "GET /checkout"))]


def _p95(samples: Samples, names: list[str], walls: set[int]) -> float | None:
    merged: Latency | None = None
    for sec in samples.merged("request", names).values():
        if int(sec.wall) in walls and sec.latency.counts:
            merged = Latency(sec.latency.params, dict(sec.latency.counts)) if merged is None \
                else merged.merge(sec.latency)
    return None if merged is None else merged.percentiles_ms([95.0])[0]


@CHECKS.add("storefront_cache")
def storefront_cache(evidence: RunEvidence, plan: Plan) -> Verdict:
    name = "storefront_cache"
    limits = plan.thresholds
    if not (plan.load.storefronts & {"pages", "graphql"}):
        return Verdict.not_judged(name, "the plan has no pages or GraphQL traffic "
                                  "(load.storefront is rest): nothing the full-page cache serves")
    if not evidence.has("magento/page_cache.jsonl"):
        return Verdict.not_judged(name, "no full-page cache evidence (a real store's Varnish "
                                  "is not a witness here)")
    start = int(evidence.test_start + limits.cache_warmup)
    stop = int(evidence.test_stop)
    rows = {int(r["t"]): r for r in evidence.records("magento/page_cache.jsonl")
            if start <= int(r.get("t") or 0) < stop}
    settle = int(limits.sync_window)
    purge_seconds = sorted(t for t, r in rows.items()
                           if int(r.get("purged") or 0) > 0 or int(r.get("flushes") or 0) > 0)
    spans: list[tuple[int, int]] = []
    for t in purge_seconds:
        end = t + 1 + settle
        if spans and t <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((t, end))
    in_sync = {t for a, b in spans for t in range(a, b)}
    total, sync, base = _Side(), _Side(), _Side()
    purge_misses = 0
    for t, row in rows.items():
        for side in (total, sync if t in in_sync else base):
            side.hits += int(row.get("hits") or 0)
            side.misses += int(row.get("misses") or 0)
            side.seconds += 1
        purge_misses += int(row.get("purge_misses") or 0)
    samples = evidence.samples()
    names = _cacheable_names(samples)
    p95_base = _p95(samples, names, {t for t in rows if t not in in_sync})
    p95_sync = _p95(samples, names, in_sync)
    purged = sum(int(r.get("purged") or 0) for r in rows.values())
    flushes = sum(int(r.get("flushes") or 0) for r in rows.values())
    causes: dict[str, int] = {}
    for row in rows.values():
        for cause, count in (row.get("causes") or {}).items():
            causes[cause] = causes.get(cause, 0) + int(count)
    would = (total.hits + purge_misses) / total.lookups if total.lookups else None
    kept = total.hits / (total.hits + purge_misses) if total.hits + purge_misses else None
    figures: dict[str, Any] = {
        "hit_ratio": _round(total.ratio), "hit_ratio_without_purges": _round(would),
        "hits_kept": _round(kept), "lookups": total.lookups, "purge_misses": purge_misses,
        "sync_windows": len(purge_seconds), "sync_seconds": sync.seconds,
        "sync_hit_ratio": _round(sync.ratio), "outside_hit_ratio": _round(base.ratio),
        "entries_purged": purged, "flushes": flushes, "purge_causes": causes,
        "page_p95_ms_outside": _round(p95_base, 1), "page_p95_ms_sync": _round(p95_sync, 1),
        "limit_hits_kept": limits.min_cache_hit_ratio_kept,
        "limit_p95_ratio": limits.max_page_p95_ratio}
    if total.lookups < _MIN_LOOKUPS:
        return Verdict.not_judged(name, f"only {total.lookups} cache lookups after the "
                                  f"warm-up ({_MIN_LOOKUPS} needed)", **figures)
    # One window per purge (the purge second and the settle after it), the worst first: a sync
    # that purges every few seconds merges into one long span, which says less.
    worst = sorted(purge_seconds, key=lambda t: -int(rows[t].get("purged") or 0))
    examples = [_example(rows, t, t + 1 + settle) for t in sorted(worst[:_MAX_EXAMPLES])]
    problems = []
    if kept is not None and kept < limits.min_cache_hit_ratio_kept:
        problems.append(
            f"hit ratio {_pct(total.ratio)} where {_pct(would)} would have been served without "
            f"the purges: {purge_misses} of {total.lookups} lookups missed pages a sync had "
            f"purged, in {len(purge_seconds)} sync windows (hit ratio {_pct(sync.ratio)} in them, "
            f"{_pct(base.ratio)} outside; {purged} cached pages purged, {flushes} full "
            f"flushes; causes: {_causes(causes)})")
    if p95_base and p95_sync and p95_sync > p95_base * limits.max_page_p95_ratio \
            and p95_sync - p95_base > _P95_FLOOR_MS:
        problems.append(f"cacheable requests' p95 {p95_sync:.0f} ms in the sync windows "
                        f"against {p95_base:.0f} ms outside them")
    if problems:
        return Verdict(name, "fail", "; ".join(problems), figures, examples, ["whole"])
    return Verdict(name, "pass", f"hit ratio {_pct(total.ratio)} over {total.lookups} lookups "
                   f"({_pct(would)} without any purge); {purge_misses} misses after "
                   f"{len(purge_seconds)} "
                   f"sync windows ({purged} pages purged)", figures, examples, ["whole"])


def _example(rows: dict[int, dict[str, Any]], start: int, end: int) -> dict[str, Any]:
    side = _Side()
    purged = flushes = 0
    for t in range(start, end):
        row = rows.get(t) or {}
        side.hits += int(row.get("hits") or 0)
        side.misses += int(row.get("misses") or 0)
        purged += int(row.get("purged") or 0)
        flushes += int(row.get("flushes") or 0)
    return {"window_start": start, "window_end": end, "hit_ratio": _round(side.ratio),
            "lookups": side.lookups, "purged": purged, "flushes": flushes}


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _causes(causes: dict[str, int]) -> str:
    return ", ".join(f"{c} x{n}" for c, n in sorted(causes.items(), key=lambda kv: -kv[1])) \
        or "none"
