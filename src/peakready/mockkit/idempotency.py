"""Idempotency keys: the first response to a key is stored durably and replayed on repeats.

::

    async def create_order(request):
        key = request.headers.get("idempotency-key")
        if key is None:
            return make_order()                       # no key: every call creates
        outcome = kit.idempotency.run(key, fingerprint(body), make_order)
        return outcome.response                       # outcome.replayed tells a repeat

``make_order`` runs synchronously inside one evidence transaction, so a concurrent repeat can
never create a second record. A repeat whose body differs from the first
(``fingerprint``) still gets the first response (that is what the key promises) and is counted
in ``mismatches``, so the evidence shows an integration reusing keys across payloads.
Only 2xx and 4xx answers are remembered: a 5xx means "try again", so a retry runs anew.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import orjson
from starlette.responses import Response

from peakready.mockkit.evidence import EvidenceStore

__all__ = ["IdempotencyStore", "Outcome", "fingerprint"]

REPLAY_HEADER = "idempotent-replayed"
_SKIP_HEADERS = frozenset({"content-length", "x-request-id", REPLAY_HEADER})


def fingerprint(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=12).hexdigest()


@dataclass
class Outcome:
    response: Response
    replayed: bool
    mismatch: bool = False


class IdempotencyStore:
    """Key → first response, in the evidence store's ``idempotency`` table (so it survives a
    restart on the same data directory). ``scope`` separates endpoints sharing a store."""

    def __init__(self, evidence: EvidenceStore, scope: str = "default") -> None:
        self.evidence = evidence
        self.scope = scope
        self.mismatches = 0
        # Keys seen, so a first-time key (the common case) costs no SELECT.
        self._known: set[str] = set()
        self._known_generation = -1

    def _known_keys(self) -> set[str]:
        if self._known_generation != self.evidence.generation:
            self._known = {str(row[0]) for row in self.evidence.db.execute(
                "SELECT key FROM idempotency WHERE scope = ?", (self.scope,))}
            self._known_generation = self.evidence.generation
        return self._known

    def lookup(self, key: str) -> tuple[int, list[tuple[str, str]], bytes, str | None] | None:
        if key not in self._known_keys():
            return None
        row = self.evidence.db.execute(
            "SELECT status, headers, body, fingerprint FROM idempotency "
            "WHERE scope = ? AND key = ?", (self.scope, key)).fetchone()
        if row is None:
            return None
        headers = [(str(k), str(v)) for k, v in orjson.loads(row[1])]
        return int(row[0]), headers, bytes(row[2]), row[3]

    def remember(self, key: str, response: Response, fp: str | None = None) -> None:
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.raw_headers
                   if k.decode("latin-1").lower() not in _SKIP_HEADERS]
        self.evidence.write(
            "INSERT OR IGNORE INTO idempotency (scope, key, status, headers, body, fingerprint, "
            "ts) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (self.scope, key, response.status_code, orjson.dumps(headers).decode(),
             bytes(response.body), fp, time.time()))
        self._known_keys().add(key)

    def replays(self, key: str) -> int:
        row = self.evidence.db.execute(
            "SELECT replays FROM idempotency WHERE scope = ? AND key = ?",
            (self.scope, key)).fetchone()
        return 0 if row is None else int(row[0])

    def _replay(self, key: str, fp: str | None) -> Outcome | None:
        stored = self.lookup(key)
        if stored is None:
            return None
        status, headers, body, first_fp = stored
        self.evidence.write(
            "UPDATE idempotency SET replays = replays + 1 WHERE scope = ? AND key = ?",
            (self.scope, key))
        mismatch = fp is not None and first_fp is not None and fp != first_fp
        if mismatch:
            self.mismatches += 1
        response = Response(body, status_code=status)
        for name, value in headers:
            response.headers.append(name, value)
        response.headers[REPLAY_HEADER] = "true"
        return Outcome(response, replayed=True, mismatch=mismatch)

    def run(self, key: str, fp: str | None, produce: Callable[[], Response]) -> Outcome:
        """Replay the stored answer for ``key``, or produce, remember and return a new one.

        ``produce`` is synchronous on purpose: nothing can interleave between the lookup and
        the remember, so two concurrent first requests cannot both create, and the new state
        and the remembered response commit in one transaction (with ``produce``'s writes).
        """
        with self.evidence.batch():
            replay = self._replay(key, fp)
            if replay is not None:
                return replay
            response = produce()
            if response.status_code < 500:
                self.remember(key, response, fp)
            return Outcome(response, replayed=False)

    def reset(self) -> None:
        self.mismatches = 0
