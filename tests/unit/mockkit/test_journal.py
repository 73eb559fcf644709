from __future__ import annotations

from peakready.mockkit import Journal


def test_counters_are_exact_per_route_method_and_status() -> None:
    journal = Journal(ring_size=10)
    for i in range(250):
        journal.record("GET", f"/api/stock/SKU-{i}", "/api/stock/{sku}", 200, 1.0, f"r{i}")
    for _ in range(7):
        journal.record("POST", "/api/orders", "/api/orders", 503, 1.0, "x", ("erp-503",))
    assert journal.total == 257
    assert journal.count(route="/api/stock/{sku}", method="GET", status=200) == 250
    assert journal.count(status=503) == 7
    assert journal.fault_count("erp-503") == 7
    snap = journal.snapshot()
    assert snap["routes"]["/api/orders"]["POST"]["503"] == 7
    assert {"route": "/api/stock/{sku}", "method": "GET", "status": 200, "count": 250} in \
        snap["counts"]


def test_ring_is_capped_and_keeps_the_latest() -> None:
    journal = Journal(ring_size=5)
    for i in range(100):
        journal.record("GET", f"/p/{i}", "/p/{i}", 200, 0.5, f"r{i}")
    recent = journal.recent()
    assert len(recent) == 5
    assert [e.request_id for e in recent] == [f"r{i}" for i in range(95, 100)]
    assert [e["request_id"] for e in journal.snapshot(recent=2)["recent"]] == ["r98", "r99"]


def test_counter_keys_stay_bounded_whatever_the_paths_and_methods() -> None:
    journal = Journal(ring_size=3)
    for i in range(5000):
        journal.record(f"WEIRD{i}", f"/unique/{i}", "<unmatched>", 404, 0.1, "")
    # One key: raw paths never become keys and unknown methods fold into OTHER.
    assert journal.snapshot()["counts"] == [
        {"route": "<unmatched>", "method": "OTHER", "status": 404, "count": 5000}]


def test_reset_clears_everything() -> None:
    journal = Journal()
    journal.record("GET", "/a", "/a", 200, 1.0, "r", ("f",))
    journal.reset()
    assert journal.total == 0 and journal.recent() == [] and journal.fault_count("f") == 0
