"""Backoff with full jitter, the cap, Retry-After parsing, and the retry strategies."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest


def test_full_jitter_stays_within_the_doubling_ceiling_and_the_cap(integration) -> None:
    full_jitter = integration["retry"].full_jitter
    rng = random.Random(42)
    for attempt in range(1, 15):
        ceiling = min(8.0, 0.5 * 2 ** (attempt - 1))
        draws = [full_jitter(attempt, 0.5, 8.0, rng) for _ in range(400)]
        assert all(0.0 <= d <= ceiling for d in draws)
        # full jitter uses the whole window: the draws are spread, not bunched at the top
        assert min(draws) < 0.1 * ceiling and max(draws) > 0.9 * ceiling


def test_full_jitter_is_reproducible_with_a_seed(integration) -> None:
    full_jitter = integration["retry"].full_jitter
    a = [full_jitter(3, 0.5, 30, random.Random(7)) for _ in range(3)]
    b = [full_jitter(3, 0.5, 30, random.Random(7)) for _ in range(3)]
    assert a == b


@pytest.mark.parametrize(("header", "expected"), [
    ("5", 5.0), (" 12 ", 12.0), ("0", 0.0), ("1.5", 1.5), (None, None), ("", None),
    ("soon", None), ("-3", None),
])
def test_parse_retry_after_seconds(integration, header, expected) -> None:
    assert integration["retry"].parse_retry_after(header) == expected


def test_parse_retry_after_http_date(integration) -> None:
    now = datetime(2026, 11, 27, 12, 0, 0, tzinfo=UTC).timestamp()
    later = format_datetime(datetime(2026, 11, 27, 12, 0, 30, tzinfo=UTC), usegmt=True)
    earlier = format_datetime(datetime(2026, 11, 27, 11, 0, 0, tzinfo=UTC), usegmt=True)
    parse = integration["retry"].parse_retry_after
    assert parse(later, now) == pytest.approx(30.0)
    assert parse(earlier, now) == 0.0


def _policy(integration, name: str, **settings):
    s = integration["settings"].IntegrationSettings(**settings)
    return integration["strategies"].REGISTRY.get("retry", name)(s)


def test_backoff_gives_up_after_max_attempts_into_dead_letters(integration) -> None:
    policy = _policy(integration, "backoff", max_attempts=4, backoff_base=1.0, backoff_cap=2.0)
    rng = random.Random(1)
    assert all(0 <= policy.delay(a, rng) <= 2.0 for a in range(1, 4))
    assert policy.delay(4, rng) is None and policy.on_give_up == "dead_letter"


def test_no_retry_drops_and_storm_retries_at_once(integration) -> None:
    rng = random.Random(1)
    none = _policy(integration, "none")
    assert none.delay(1, rng) is None and none.on_give_up == "drop"
    storm = _policy(integration, "storm", storm_attempt_limit=10)
    assert [storm.delay(a, rng) for a in range(1, 10)] == [0.0] * 9
    assert storm.delay(10, rng) is None


def test_retry_after_is_a_floor_unless_ignored(integration) -> None:
    floor = integration["retry"].retry_after_floor
    assert floor("honour", 0.3, 5.0) == 5.0
    assert floor("honour", 7.0, 5.0) == 7.0
    assert floor("honour", 0.3, None) == 0.3
    assert floor("ignore", 0.3, 5.0) == 0.0
    assert floor("ignore", 0.3, None) == 0.3
