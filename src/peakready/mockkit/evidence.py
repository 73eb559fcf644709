"""The durable evidence store: what the checks read, on disk before the response goes out.

One SQLite file (``<data_dir>/evidence.sqlite3``) in WAL mode with three tables::

    events        append-only log   (id, kind, key, ts, data)   e.g. ERP "requests"
    entities      latest state       (kind, key) → (ts, data)   e.g. ERP "orders"
    idempotency   key → first response (see idempotency.py)

Writes are synchronous on the event loop and committed before the handler returns, so every
acknowledged record is in the WAL. With ``synchronous=NORMAL`` a committed transaction
survives the process being killed (``kill -9``); only an OS crash or power loss can drop the
last ones (``durability="full"`` closes that gap at the cost of an fsync per commit).
Use :meth:`EvidenceStore.batch` to group the writes of one request into one commit.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

__all__ = ["EvidenceStore"]

log = logging.getLogger("peakready.mockkit.evidence")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, key TEXT, ts REAL NOT NULL,
    data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_kind ON events(kind, id);
CREATE TABLE IF NOT EXISTS entities (
    kind TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL, ts REAL NOT NULL,
    data TEXT NOT NULL, PRIMARY KEY (kind, key));
CREATE INDEX IF NOT EXISTS entities_seq ON entities(kind, seq);
CREATE TABLE IF NOT EXISTS idempotency (
    scope TEXT NOT NULL, key TEXT NOT NULL, status INTEGER NOT NULL, headers TEXT NOT NULL,
    body BLOB NOT NULL, fingerprint TEXT, ts REAL NOT NULL, replays INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, key));
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def _dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), default=str)


class EvidenceStore:
    """Durable records of one mock. Not thread-safe: one event loop owns it."""

    def __init__(self, data_dir: Path | str | None = None, *,
                 durability: Literal["normal", "full"] = "normal") -> None:
        if data_dir is None:
            self._tmp: tempfile.TemporaryDirectory[str] | None = tempfile.TemporaryDirectory(
                prefix="peakready-evidence-")
            data_dir = self._tmp.name
        else:
            self._tmp = None
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.data_dir / "evidence.sqlite3"
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a single write outside a
        # batch is its own committed transaction.
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={'FULL' if durability == 'full' else 'NORMAL'}")
        self._db.executescript(_SCHEMA)
        self._depth = 0
        row = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM entities").fetchone()
        self._seq = int(row[0])

    @property
    def db(self) -> sqlite3.Connection:
        """The raw connection, for mock-specific queries (read-only use, please)."""
        return self._db

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db.close()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Group writes into one transaction (nested batches join the outer one)."""
        if self._depth == 0:
            self._db.execute("BEGIN")
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                self._db.execute("ROLLBACK")
            raise
        self._depth -= 1
        if self._depth == 0:
            self._db.execute("COMMIT")

    # -- events: an append-only log ---------------------------------------------------------

    def append(self, kind: str, data: dict[str, Any], *, key: str | None = None,
               ts: float | None = None) -> int:
        cur = self._db.execute("INSERT INTO events (kind, key, ts, data) VALUES (?, ?, ?, ?)",
                               (kind, key, time.time() if ts is None else ts, _dumps(data)))
        return int(cur.lastrowid or 0)

    def events(self, kind: str, *, after: int = 0, limit: int = 10_000,
               key: str | None = None) -> list[dict[str, Any]]:
        """Events of ``kind`` with id > ``after``, oldest first; each has ``id``/``ts``/``key``."""
        sql = "SELECT id, key, ts, data FROM events WHERE kind = ? AND id > ?"
        args: list[Any] = [kind, after]
        if key is not None:
            sql += " AND key = ?"
            args.append(key)
        sql += " ORDER BY id LIMIT ?"
        args.append(limit)
        return [{"id": i, "key": k, "ts": t, **json.loads(d)}
                for i, k, t, d in self._db.execute(sql, args)]

    # -- entities: latest state per key -----------------------------------------------------

    def put(self, kind: str, key: str, data: dict[str, Any], *, ts: float | None = None) -> int:
        """Insert or replace the entity; returns its change sequence number."""
        self._seq += 1
        self._db.execute(
            "INSERT INTO entities (kind, key, seq, ts, data) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(kind, key) DO UPDATE SET seq = excluded.seq, ts = excluded.ts, "
            "data = excluded.data",
            (kind, key, self._seq, time.time() if ts is None else ts, _dumps(data)))
        return self._seq

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT data FROM entities WHERE kind = ? AND key = ?",
                               (kind, key)).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def entities(self, kind: str, *, after_seq: int = 0,
                 limit: int = 10_000) -> list[dict[str, Any]]:
        """Entities of ``kind`` changed after ``after_seq``, in change order; each carries
        ``key`` and ``seq`` beside its data."""
        rows = self._db.execute(
            "SELECT key, seq, data FROM entities WHERE kind = ? AND seq > ? ORDER BY seq LIMIT ?",
            (kind, after_seq, limit))
        return [{"key": k, "seq": s, **json.loads(d)} for k, s, d in rows]

    # -- bookkeeping ------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for kind, n in self._db.execute("SELECT kind, COUNT(*) FROM events GROUP BY kind"):
            out[kind] = int(n)
        for kind, n in self._db.execute("SELECT kind, COUNT(*) FROM entities GROUP BY kind"):
            out[kind] = out.get(kind, 0) + int(n)
        return out

    def count(self, kind: str) -> int:
        events = self._db.execute("SELECT COUNT(*) FROM events WHERE kind = ?", (kind,))
        entities = self._db.execute("SELECT COUNT(*) FROM entities WHERE kind = ?", (kind,))
        return int(events.fetchone()[0]) + int(entities.fetchone()[0])

    def get_meta(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, name: str, value: str) -> None:
        self._db.execute("INSERT INTO meta (name, value) VALUES (?, ?) "
                         "ON CONFLICT(name) DO UPDATE SET value = excluded.value", (name, value))

    def clear(self) -> None:
        """Forget everything (``POST /__admin/reset``)."""
        with self.batch():
            for table in ("events", "entities", "idempotency", "meta"):
                self._db.execute(f"DELETE FROM {table}")
        self._seq = 0
