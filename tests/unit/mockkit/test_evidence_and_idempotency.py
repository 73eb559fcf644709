from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.responses import Response

from peakready.mockkit import EvidenceStore, IdempotencyStore, MockKit, RateLimiter, fingerprint


def test_events_and_entities_survive_reopening(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path)
    first = store.append("requests", {"n": 1}, key="k")
    store.append("requests", {"n": 2})
    store.put("orders", "SO-1", {"status": "received"})
    store.put("orders", "SO-1", {"status": "shipped"})
    store.put("orders", "SO-2", {"status": "received"})
    store.db.close()  # no clean shutdown: what was committed must be there

    again = EvidenceStore(tmp_path)
    assert [e["n"] for e in again.events("requests")] == [1, 2]
    assert [e["n"] for e in again.events("requests", after=first)] == [2]
    assert again.get("orders", "SO-1") == {"status": "shipped"}
    # Entities come in change order, each carrying its change sequence.
    rows = again.entities("orders")
    assert [r["key"] for r in rows] == ["SO-1", "SO-2"]
    assert again.entities("orders", after_seq=rows[0]["seq"])[0]["key"] == "SO-2"
    assert again.counts() == {"requests": 2, "orders": 2}
    assert again.put("orders", "SO-3", {}) > rows[-1]["seq"]


def test_batch_commits_once_and_rolls_back_on_error(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path)
    with store.batch():
        store.append("a", {"n": 1})
        with store.batch():
            store.append("a", {"n": 2})
    with pytest.raises(RuntimeError), store.batch():
        store.append("a", {"n": 3})
        raise RuntimeError("boom")
    assert [e["n"] for e in store.events("a")] == [1, 2]


def test_wal_mode(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path)
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_clear_forgets_everything(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path)
    store.append("a", {})
    store.put("b", "k", {})
    store.clear()
    assert store.counts() == {}


def test_idempotency_replays_the_first_response_and_creates_once(tmp_path: Path) -> None:
    store = IdempotencyStore(EvidenceStore(tmp_path))
    made: list[int] = []

    def produce() -> Response:
        made.append(1)
        return Response(b'{"id": %d}' % len(made), 201, media_type="application/json")

    first = store.run("k1", fingerprint(b"a"), produce)
    second = store.run("k1", fingerprint(b"a"), produce)
    assert made == [1]
    assert not first.replayed and second.replayed and not second.mismatch
    assert second.response.status_code == 201 and second.response.body == b'{"id": 1}'
    assert second.response.headers["idempotent-replayed"] == "true"
    assert second.response.headers["content-type"] == "application/json"
    different = store.run("k1", fingerprint(b"b"), produce)
    assert different.replayed and different.mismatch and store.mismatches == 1
    assert store.replays("k1") == 2


def test_idempotency_does_not_remember_server_errors(tmp_path: Path) -> None:
    store = IdempotencyStore(EvidenceStore(tmp_path))
    answers = iter([Response(b"no", 503), Response(b"yes", 201)])
    assert store.run("k", None, lambda: next(answers)).response.status_code == 503
    retry = store.run("k", None, lambda: next(answers))
    assert not retry.replayed and retry.response.status_code == 201


def test_idempotency_survives_a_restart(tmp_path: Path) -> None:
    IdempotencyStore(EvidenceStore(tmp_path)).run("k", None, lambda: Response(b"1", 201))
    again = IdempotencyStore(EvidenceStore(tmp_path))
    assert again.run("k", None, lambda: Response(b"2", 201)).response.body == b"1"


def test_rate_limiter_windows_and_retry_after() -> None:
    now = [100.25]
    limiter = RateLimiter(3, clock=lambda: now[0])
    assert [limiter.admit() for _ in range(4)] == [None, None, None, 1]
    now[0] = 101.0
    assert limiter.admit() is None
    assert limiter.rejected == 1
    with pytest.raises(ValueError):
        RateLimiter(0)


def test_admin_health_reset_evidence_and_openapi(
        kit_factory: Callable[..., MockKit], make_client: Callable[[Any], Any]) -> None:
    kit = kit_factory()
    kit.summary(lambda: {"things_seen": kit.evidence.count("things")})
    resets: list[int] = []
    kit.on_reset(lambda: resets.append(1))
    client = make_client(kit.build())
    health = client.get("/__admin/health").json()
    assert health["status"] == "ok" and health["mock"] == "echo"
    for i in range(3):
        assert client.post("/api/things", content=f"t{i}".encode()).status_code == 201
    body = client.get("/__admin/evidence").json()
    assert body["counts"] == {"things": 3} and body["summary"] == {"things_seen": 3}
    assert [r["body"] for r in body["records"]["things"]] == ["t0", "t1", "t2"]
    page = client.get("/__admin/evidence?kind=things&limit=2").json()
    assert len(page["records"]["things"]) == 2 and page["truncated"]
    rest = client.get(f"/__admin/evidence?kind=things&after={page['next_after']}").json()
    assert [r["body"] for r in rest["records"]["things"]] == ["t2"]
    assert client.get("/__admin/evidence?after=x").status_code == 400
    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    assert {"/api/items/{sku}", "/api/things", "/__admin/faults"} <= set(doc["paths"])
    assert client.post("/__admin/reset").json()["status"] == "reset"
    assert resets == [1]
    assert client.get("/__admin/evidence").json()["counts"] == {"things": 0}
    assert client.get("/__admin/journal").json()["total"] == 0


def test_unknown_route_is_a_json_404(kit_factory: Callable[..., MockKit],
                                     make_client: Callable[[Any], Any]) -> None:
    client = make_client(kit_factory().build())
    r = client.get("/nowhere")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = client.delete("/api/things")
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"


def test_wrap_puts_any_asgi_app_behind_the_kit(tmp_path: Path,
                                               make_client: Callable[[Any], Any]) -> None:
    from peakready.mockkit import MockSettings

    kit = MockKit(MockSettings("raw", data_dir=tmp_path), title="raw")

    async def raw_app(scope: Any, receive: Any, send: Any) -> None:
        scope["peakready.route"] = "/raw/{n}"
        kit.evidence.append("hits", {"path": scope["path"]})
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    client = make_client(kit.wrap(raw_app))
    for n in range(3):
        r = client.get(f"/raw/{n}")
        assert r.status_code == 200 and r.headers["x-request-id"]
    assert client.get("/__admin/health").json()["mock"] == "raw"
    journal = client.get("/__admin/journal").json()
    assert journal["routes"] == {"/raw/{n}": {"GET": {"200": 3}}}
    client.put("/__admin/faults", json={"path": "/raw/*", "status": 504})
    assert client.get("/raw/9").status_code == 504
    kit.route_resolver = lambda method, path: "/raw/{n}" if path.startswith("/raw/") else None
    assert client.get("/raw/10").status_code == 504
    routes = client.get("/__admin/journal").json()["routes"]
    assert routes["/raw/{n}"]["GET"] == {"200": 3, "504": 1}
    assert routes["<unmatched>"]["GET"] == {"504": 1}


def test_writes_on_the_loop_are_committed_when_the_response_arrives(
        kit_factory: Callable[..., MockKit], make_client: Callable[[Any], Any],
        tmp_path: Path) -> None:
    kit = kit_factory()
    client = make_client(kit.build())
    assert client.post("/api/things", content=b"durable").status_code == 201
    # A second connection (another process would see the same) reads the committed row.
    import sqlite3

    other = sqlite3.connect(kit.evidence.path)
    rows = other.execute("SELECT data FROM events WHERE kind = 'things'").fetchall()
    assert rows == [('{"body":"durable"}',)]


def test_group_commit_on_a_loop_and_rollback_of_a_failed_batch(tmp_path: Path) -> None:
    import asyncio

    from peakready.errors import HarnessError

    store = EvidenceStore(tmp_path)

    async def scenario() -> None:
        store.append("a", {"n": 1})
        store.append("a", {"n": 2})
        await store.flush()  # both in one group transaction, now committed
        store.append("a", {"n": 3})
        waiter = store.flush()  # a response waiting to start, as in the middleware
        with pytest.raises(RuntimeError), store.batch():
            store.append("a", {"n": 4})
            raise RuntimeError("bug in a handler")
        # The whole uncommitted group is gone; whoever waited on it is told so.
        with pytest.raises(HarnessError):
            await waiter
        store.append("a", {"n": 5})
        await store.flush()

    asyncio.run(scenario())
    again = EvidenceStore(tmp_path)
    assert [e["n"] for e in again.events("a")] == [1, 2, 5]


def test_close_commits_a_pending_group(tmp_path: Path) -> None:
    import asyncio

    store = EvidenceStore(tmp_path)

    async def write_then_close() -> None:
        store.append("late", {"n": 1})  # e.g. an arrival recorded after its response
        store.close()

    asyncio.run(write_then_close())
    assert [e["n"] for e in EvidenceStore(tmp_path).events("late")] == [1]
