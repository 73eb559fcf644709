"""The durable evidence store: what the checks read, on disk before the response goes out.

One SQLite file (``<data_dir>/evidence.sqlite3``) in WAL mode with three tables::

    events        append-only log   (id, kind, key, ts, data)   e.g. ERP "requests"

Every write touches exactly one B-tree (no secondary indexes, no AUTOINCREMENT bookkeeping,
``WITHOUT ROWID`` keyed tables): B-tree pages are most of the write cost per request. Event
ids only grow (rows are never deleted but by ``clear``); reads page forward by id or seq.
    entities      latest state       (kind, key) → (ts, data)   e.g. ERP "orders"
    idempotency   key → first response (see idempotency.py)

Group commit: writes are synchronous statements, but on a running event loop they join one
open transaction that is committed at the end of the current loop iteration; the mock
middleware awaits :meth:`EvidenceStore.flush` before it lets a response start, so every
acknowledged record is committed first, and the ~100 us a commit costs is shared by all the
requests handled in that iteration. Off the loop (startup, tests) each write commits at once.
With ``synchronous=NORMAL`` a committed transaction survives the process being killed
(``kill -9``); only an OS crash or power loss can drop the last ones (``durability="full"``
closes that gap at the cost of an fsync per commit).

:meth:`EvidenceStore.batch` makes a group of writes all-or-nothing. Do not ``await`` inside
a batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Generator, Iterator
from pathlib import Path
from typing import Any, Literal

import orjson

from peakready.errors import HarnessError

__all__ = ["EvidenceStore"]

log = logging.getLogger("peakready.mockkit.evidence")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, key TEXT, ts REAL NOT NULL,
    data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entities (
    kind TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL, ts REAL NOT NULL,
    data TEXT NOT NULL, PRIMARY KEY (kind, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS idempotency (
    scope TEXT NOT NULL, key TEXT NOT NULL, status INTEGER NOT NULL, headers TEXT NOT NULL,
    body BLOB NOT NULL, fingerprint TEXT, ts REAL NOT NULL, replays INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class _Committed:
    """An awaitable that is already done (flush with nothing pending costs no future)."""

    def __await__(self) -> Generator[Any, None, None]:
        return
        yield


_COMMITTED = _Committed()


def _dumps(data: Any) -> str:
    return orjson.dumps(data, default=str).decode()


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
        # Checkpoint every ~40 MB instead of 4 MB: the hot pages (the tail of each table and
        # index) are copied back once per checkpoint, so rarer checkpoints cost less CPU.
        self._db.execute("PRAGMA wal_autocheckpoint=10000")
        self._db.executescript(_SCHEMA)
        self._depth = 0
        self.generation = 0     # bumped by clear(), so caches over the store can tell
        self._pending: asyncio.Future[None] | None = None   # the open group transaction
        row = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM entities").fetchone()
        self._seq = int(row[0])

    @property
    def db(self) -> sqlite3.Connection:
        """The raw connection, for mock-specific queries (read-only use, please)."""
        return self._db

    def close(self) -> None:
        """Commit what is pending (e.g. arrival records written after their response) and
        close."""
        pending, self._pending = self._pending, None
        with contextlib.suppress(sqlite3.Error):
            if pending is not None:
                self._db.execute("COMMIT")
                if not pending.done():
                    pending.set_result(None)
            self._db.close()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def _group(self) -> bool:
        """Open the group transaction if we are on an event loop; True if writes are grouped."""
        if self._pending is not None:
            return True
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        self._db.execute("BEGIN")
        self._pending = loop.create_future()
        loop.call_soon(self._commit)
        return True

    def _write(self, sql: str, args: Any = ()) -> sqlite3.Cursor:
        """Run a write: inside the group transaction on a loop, else its own transaction."""
        if self._depth == 0:
            self._group()
        return self._db.execute(sql, args)

    def _commit(self) -> None:
        pending = self._pending
        if pending is None:
            return
        if self._depth > 0:  # a batch is open (it must not await, but be safe)
            asyncio.get_running_loop().call_soon(self._commit)
            return
        self._pending = None
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            log.error("evidence commit failed: %s", exc)
            self._fail(pending, exc)
            return
        if not pending.done():
            pending.set_result(None)

    def _fail(self, pending: asyncio.Future[None], exc: BaseException) -> None:
        """Roll the group back: every request waiting on it fails, none is acknowledged."""
        with contextlib.suppress(sqlite3.Error):
            self._db.execute("ROLLBACK")
        if not pending.done():
            pending.set_exception(HarnessError(f"evidence transaction rolled back: {exc!r}"))
            pending.exception()  # mark retrieved: waiters, if any, still get it

    @property
    def committed(self) -> bool:
        """Whether every write so far is committed (a flush would return at once)."""
        return self._pending is None

    def flush(self) -> Awaitable[None]:
        """``await store.flush()`` returns once every write made before the call is committed
        (the group commit barrier). The group is taken at call time, so a waiter learns if
        that group is rolled back later."""
        pending = self._pending
        if pending is None:
            return _COMMITTED
        return asyncio.shield(pending)

    def write(self, sql: str, args: Any = ()) -> sqlite3.Cursor:
        """A raw write statement that takes part in group commit (for mock-specific tables)."""
        return self._write(sql, args)

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Make the writes inside all-or-nothing (nested batches join the outer one).

        On a loop the batch joins the group transaction without a savepoint (two statements
        saved per request); if it raises, the whole group is rolled back and every request
        waiting on it fails unacknowledged, so nothing acknowledged is ever half-written.
        """
        if self._depth > 0:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        grouped = self._group()
        if not grouped:
            self._db.execute("BEGIN")
        self._depth = 1
        try:
            yield
        except BaseException as exc:
            self._depth = 0
            if grouped and self._pending is not None:
                pending, self._pending = self._pending, None
                self._fail(pending, exc)
            elif not grouped:
                self._db.execute("ROLLBACK")
            raise
        self._depth = 0
        if not grouped:
            self._db.execute("COMMIT")

    # -- events: an append-only log ---------------------------------------------------------

    def append(self, kind: str, data: dict[str, Any], *, key: str | None = None,
               ts: float | None = None) -> int:
        cur = self._write("INSERT INTO events (kind, key, ts, data) VALUES (?, ?, ?, ?)",
                               (kind, key, time.time() if ts is None else ts, _dumps(data)))
        return int(cur.lastrowid or 0)

    def events(self, kind: str, *, after: int = 0, limit: int = 10_000,
               key: str | None = None, since: float | None = None) -> list[dict[str, Any]]:
        """Events of ``kind`` with id > ``after`` (and ``ts`` >= ``since``), oldest first; each
        has ``id``/``ts``/``key``."""
        sql = "SELECT id, key, ts, data FROM events WHERE kind = ? AND id > ?"
        args: list[Any] = [kind, after]
        if key is not None:
            sql += " AND key = ?"
            args.append(key)
        if since is not None:
            sql += " AND ts >= ?"
            args.append(since)
        sql += " ORDER BY id LIMIT ?"
        args.append(limit)
        return [{"id": i, "key": k, "ts": t, **orjson.loads(d)}
                for i, k, t, d in self._db.execute(sql, args)]

    # -- entities: latest state per key -----------------------------------------------------

    def put(self, kind: str, key: str, data: dict[str, Any], *, ts: float | None = None) -> int:
        """Insert or replace the entity; returns its change sequence number."""
        self._seq += 1
        self._write(
            "INSERT INTO entities (kind, key, seq, ts, data) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(kind, key) DO UPDATE SET seq = excluded.seq, ts = excluded.ts, "
            "data = excluded.data",
            (kind, key, self._seq, time.time() if ts is None else ts, _dumps(data)))
        return self._seq

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT data FROM entities WHERE kind = ? AND key = ?",
                               (kind, key)).fetchone()
        return None if row is None else dict(orjson.loads(row[0]))

    def entities(self, kind: str, *, after_seq: int = 0, limit: int = 10_000,
                 since: float | None = None) -> list[dict[str, Any]]:
        """Entities of ``kind`` changed after ``after_seq`` (with ``ts`` >= ``since``), in
        change order; each carries ``key`` and ``seq`` beside its data."""
        rows = self._db.execute(
            "SELECT key, seq, data FROM entities WHERE kind = ? AND seq > ? AND ts >= ? "
            "ORDER BY seq LIMIT ?",
            (kind, after_seq, float("-inf") if since is None else since, limit))
        return [{"key": k, "seq": s, **orjson.loads(d)} for k, s, d in rows]

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
        self._write("INSERT INTO meta (name, value) VALUES (?, ?) "
                         "ON CONFLICT(name) DO UPDATE SET value = excluded.value", (name, value))

    def clear(self) -> None:
        """Forget everything (``POST /__admin/reset``)."""
        with self.batch():
            for table in ("events", "entities", "idempotency", "meta"):
                self._write(f"DELETE FROM {table}")
        self._seq = 0
        self.generation += 1
