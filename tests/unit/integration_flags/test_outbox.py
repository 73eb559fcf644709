"""The outbox state machine: export, retry wait, dead letters, replay, drop."""

from __future__ import annotations

import pytest


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def box(integration):
    clock = Clock()
    outbox = integration["outbox"].Outbox(clock=clock, wall=clock)
    outbox.test_clock = clock
    return outbox


def test_pending_to_exported_records_lag(box) -> None:
    box.add("1", 1, {"x": 1})
    box.test_clock.now += 2.5
    entry = box.take()
    assert entry.state == "in_flight" and entry.attempts == 1
    box.succeed(entry, "SO-1", "201")
    assert entry.state == "exported" and entry.payload is None
    assert box.metrics()["export_lag_s"]["max"] == pytest.approx(2.5)
    assert box.backlog == 0 and box.take() is None


def test_failed_attempt_waits_until_due(box) -> None:
    entry = box.add("1", 1, {})
    box.take()
    box.fail(entry, "timeout", 3.0)
    assert entry.state == "waiting" and box.take() is None
    assert box.next_due_in() == pytest.approx(3.0)
    box.test_clock.now += 3.0
    again = box.take()
    assert again is entry and entry.attempts == 2 and entry.last_error == "timeout"


def test_dead_letter_then_replay_resets_attempts(box) -> None:
    entry = box.add("1", 1, {"keep": True})
    box.take()
    box.give_up(entry, "http 503", drop=False)
    assert [e.increment_id for e in box.dead_letters()] == ["1"]
    assert entry.payload == {"keep": True}        # kept for the replay
    assert box.replay() == ["1"]
    assert entry.state == "pending" and entry.attempts == 0 and entry.replays == 1
    assert box.take() is entry and entry.total_attempts == 2


def test_dropped_is_final(box, integration) -> None:
    entry = box.add("1", 1, {})
    box.take()
    box.give_up(entry, "connect", drop=True)
    assert entry.state == "dropped" and box.metrics()["dropped"] == 1
    with pytest.raises(integration["outbox"].TransitionError):
        box.replay(["1"])


@pytest.mark.parametrize("action", ["succeed", "fail", "give_up"])
def test_only_in_flight_entries_finish_an_attempt(box, integration, action) -> None:
    entry = box.add("1", 1, {})
    args = {"succeed": (None, "x"), "fail": ("e", 1.0), "give_up": ("e",)}[action]
    kwargs = {"drop": False} if action == "give_up" else {}
    with pytest.raises(integration["outbox"].TransitionError):
        getattr(box, action)(entry, *args, **kwargs)


def test_an_order_enters_the_outbox_once(box, integration) -> None:
    box.add("1", 1, {})
    with pytest.raises(integration["outbox"].TransitionError):
        box.add("1", 1, {})


def test_replay_of_unknown_or_live_entries_is_refused(box, integration) -> None:
    box.add("1", 1, {})
    error = integration["outbox"].TransitionError
    with pytest.raises(error):
        box.replay(["1"])
    with pytest.raises(error):
        box.replay(["nope"])


def test_counts_track_every_state(box) -> None:
    for i in range(4):
        box.add(str(i), i, {})
    a, b, c = box.take(), box.take(), box.take()
    box.succeed(a, None, "ok")
    box.fail(b, "e", 10)
    box.give_up(c, "e", drop=False)
    assert box.metrics()["states"] == {"pending": 1, "in_flight": 0, "waiting": 1,
                                       "exported": 1, "dead": 1, "dropped": 0}
    assert box.backlog == 2


def test_expedite_makes_waiting_entries_due_but_keeps_retry_after(box) -> None:
    a, b = box.add("a", 1, {}), box.add("b", 2, {})
    box.take(), box.take()
    box.fail(a, "connect", 25.0)
    box.fail(b, "http 429", 25.0, not_before_in=5.0)
    assert box.expedite() == 2
    assert box.take() is a and box.take() is None   # b still honours its Retry-After
    box.test_clock.now += 5.0
    assert box.take() is b


def test_an_entry_added_due_later_waits_for_its_time(box) -> None:
    # batch_export: an order waits for the next batch, then goes like any other
    entry = box.add("1", 1, {}, due_in=30.0)
    assert entry.state == "waiting" and box.take() is None
    assert box.next_due_in() == pytest.approx(30.0)
    box.test_clock.now += 30.0
    assert box.take() is entry and entry.attempts == 1
