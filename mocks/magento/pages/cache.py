"""The full-page cache model (Varnish or Magento's built-in FPC): entries by URL and store,
tagged as Magento tags them, cleaned by tag or flushed whole, with per-second evidence.

::

    key = (store code, method, path, sorted query[, GraphQL Store/Content-Currency headers])
    get(key) ─► Entry | None          counted per second as a hit or a miss
    put(key, Entry(status, headers, body, tags))
    clean(tags, cause) ─► entries purged (Varnish's ban on X-Magento-Tags, spec §6)
    flush(cause) ─► every entry purged (cache:flush, Admin "Flush Magento Cache")
    seconds() ─► [{t, hits, misses, purge_misses, purged, cleans, flushes, causes}] per second

``purge_misses``: misses of a page the cache held until a clean or flush removed it (the first
miss after the purge); ``hits + purge_misses`` is what the cache would have served had nothing
been purged, so a check can tell the misses the syncs caused from the cold ones.

Bounded: at most ``max_entries`` pages (the oldest stored is evicted first, as an LRU-less
Varnish with a full storage would nuke one) and ``max_seconds`` seconds of evidence.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CacheKey", "Entry", "PageCache"]

CacheKey = tuple[str, ...]


@dataclass(frozen=True)
class Entry:
    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    tags: frozenset[str]


@dataclass
class _Second:
    t: int
    hits: int = 0
    misses: int = 0
    purge_misses: int = 0
    purged: int = 0
    cleans: int = 0
    flushes: int = 0
    causes: dict[str, int] = field(default_factory=dict)

    def out(self) -> dict[str, Any]:
        return {"t": self.t, "hits": self.hits, "misses": self.misses,
                "purge_misses": self.purge_misses, "purged": self.purged,
                "cleans": self.cleans, "flushes": self.flushes, "causes": dict(self.causes)}


class PageCache:
    def __init__(self, *, max_entries: int = 50_000, max_seconds: int = 86_400,
                 clock: Callable[[], float] = time.time) -> None:
        self.max_entries = max_entries
        self.clock = clock
        self.entries: OrderedDict[CacheKey, Entry] = OrderedDict()
        self.by_tag: dict[str, set[CacheKey]] = {}
        self._seconds: deque[_Second] = deque(maxlen=max_seconds)
        # keys a clean or flush removed, until looked up again (bounded like the entries)
        self._purged_keys: OrderedDict[CacheKey, None] = OrderedDict()
        self.totals = {"hits": 0, "misses": 0, "purge_misses": 0, "purged": 0, "cleans": 0,
                       "flushes": 0}

    def _now(self) -> _Second:
        sec = int(self.clock())
        if not self._seconds or self._seconds[-1].t != sec:
            self._seconds.append(_Second(sec))
        return self._seconds[-1]

    def get(self, key: CacheKey) -> Entry | None:
        entry = self.entries.get(key)
        kind = "hits" if entry is not None else "misses"
        second = self._now()
        setattr(second, kind, getattr(second, kind) + 1)
        self.totals[kind] += 1
        if entry is None and key in self._purged_keys:
            del self._purged_keys[key]
            second.purge_misses += 1
            self.totals["purge_misses"] += 1
        return entry

    def put(self, key: CacheKey, entry: Entry) -> None:
        self._drop(key)
        self._purged_keys.pop(key, None)
        self.entries[key] = entry
        for tag in entry.tags:
            self.by_tag.setdefault(tag, set()).add(key)
        while len(self.entries) > self.max_entries:
            self._drop(next(iter(self.entries)))

    def _drop(self, key: CacheKey) -> bool:
        entry = self.entries.pop(key, None)
        if entry is None:
            return False
        for tag in entry.tags:
            keys = self.by_tag.get(tag)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self.by_tag[tag]
        return True

    def _count(self, kind: str, purged: int, cause: str) -> None:
        second = self._now()
        setattr(second, kind, getattr(second, kind) + 1)
        second.purged += purged
        second.causes[cause] = second.causes.get(cause, 0) + 1
        self.totals[kind] += 1
        self.totals["purged"] += purged

    def clean(self, tags: Iterable[str], cause: str) -> int:
        """Purge every entry carrying one of ``tags``; returns how many."""
        keys = set().union(*(self.by_tag.get(tag, set()) for tag in tags))
        gone = [key for key in keys if self._drop(key)]
        self._remember(gone)
        self._count("cleans", len(gone), cause)
        return len(gone)

    def _remember(self, keys: Iterable[CacheKey]) -> None:
        for key in keys:
            self._purged_keys[key] = None
        while len(self._purged_keys) > self.max_entries:
            self._purged_keys.popitem(last=False)

    def flush(self, cause: str) -> int:
        purged = len(self.entries)
        self._remember(self.entries)
        self.entries.clear()
        self.by_tag.clear()
        self._count("flushes", purged, cause)
        return purged

    def seconds(self) -> list[dict[str, Any]]:
        return [second.out() for second in self._seconds]

    def summary(self) -> dict[str, Any]:
        lookups = self.totals["hits"] + self.totals["misses"]
        ratio = self.totals["hits"] / lookups if lookups else None
        return {"entries": len(self.entries), **self.totals, "hit_ratio": ratio}
