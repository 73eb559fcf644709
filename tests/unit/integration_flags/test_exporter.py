"""One export attempt against scripted ERP answers: what the outbox entry becomes."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class ScriptedClients:
    """Stands in for ServiceClients: answers from a list, records what was sent."""

    def __init__(self, answers: list[Any]) -> None:
        self.answers = list(answers)
        self.sent: list[dict[str, Any]] = []

    async def call(self, service: str, method: str, path: str, **kw: Any) -> Any:
        self.sent.append({"service": service, "path": path, **kw})
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def _exporter(integration: Any, answers: list[Any], flags: tuple[str, ...] = (),
              **settings: Any) -> tuple[Any, Any, ScriptedClients]:
    mods = integration
    s = mods["settings"].IntegrationSettings(flags=frozenset(flags), **settings)
    outbox = mods["outbox"].Outbox()
    clients = ScriptedClients(answers)
    exporter = mods["exporter"].Exporter(outbox, clients, s, mods["strategies"].choose(flags))
    return exporter, outbox, clients


def _reply(integration: Any, status: int, body: Any = None, **headers: str) -> Any:
    return integration["clients"].Reply(status, headers, body)


async def test_success_exports_with_the_increment_id_as_key(integration) -> None:
    exporter, outbox, clients = _exporter(integration, [
        _reply(integration, 201, {"erp_order_id": "SO-1"})])
    entry = outbox.add("000000042", 42, {"increment_id": "000000042"})
    outbox.take()
    await exporter.attempt(entry, timeout_default=True)
    assert entry.state == "exported" and entry.erp_order_id == "SO-1"
    assert clients.sent[0]["headers"] == {"Idempotency-Key": "000000042"}


async def test_a_validation_error_is_a_dead_letter_at_once(integration) -> None:
    exporter, outbox, _ = _exporter(integration, [_reply(integration, 422, {"x": 1})])
    entry = outbox.add("1", 1, {})
    outbox.take()
    await exporter.attempt(entry, timeout_default=True)
    assert entry.state == "dead" and "not retryable" in entry.last_error


async def test_429_waits_at_least_retry_after(integration) -> None:
    exporter, outbox, _ = _exporter(integration, [
        _reply(integration, 429, None, **{"retry-after": "7"})], backoff_base=0.01)
    entry = outbox.add("1", 1, {})
    outbox.take()
    await exporter.attempt(entry, timeout_default=True)
    assert entry.state == "waiting"
    assert outbox.next_due_in() == pytest.approx(7.0, abs=0.2)


async def test_timeout_then_retry_keeps_the_key_unless_the_mistake(integration) -> None:
    error = integration["clients"].ServiceCallError
    for flags, second_headers in (((), {"Idempotency-Key": "1"}),
                                  (("retry_without_idempotency",), {})):
        exporter, outbox, clients = _exporter(integration, [
            error("erp", "timeout", "ReadTimeout"), _reply(integration, 201, {})],
            flags, backoff_base=0.0)
        entry = outbox.add("1", 1, {})
        outbox.take()
        await exporter.attempt(entry, timeout_default=True)
        assert entry.state == "waiting" and entry.last_error == "timeout"
        again = outbox.take()
        await exporter.attempt(again, timeout_default=True)
        assert entry.state == "exported"
        assert clients.sent[1]["headers"] == second_headers


async def test_no_retry_drops_after_one_failure(integration) -> None:
    exporter, outbox, _ = _exporter(integration, [_reply(integration, 503)], ("no_retry",))
    entry = outbox.add("1", 1, {})
    outbox.take()
    await exporter.attempt(entry, timeout_default=True)
    assert entry.state == "dropped"


async def test_batch_export_holds_each_order_until_the_next_batch(
        integration, monkeypatch) -> None:
    module = integration["exporter"]
    monkeypatch.setattr(module, "order_payload", lambda event: {"increment_id": "7"})
    exporter, outbox, _ = _exporter(integration, [], ("batch_export",))
    exporter.on_placed(exporter, SimpleNamespace(increment_id="7", entity_id=7))
    [entry] = outbox.entries.values()
    assert entry.state == "waiting" and outbox.take() is None
    assert 0 < outbox.next_due_in() <= module.BATCH_EVERY_S
