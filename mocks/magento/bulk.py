"""Asynchronous and bulk Web API (spec §6): publish → 202, a background consumer, status.

::

    POST /rest/async/V1/products            one operation  ┐
    POST /rest/async/bulk/V1/products       [ops …]        ├─► Bulk(uuid, operations) ─► queue
    PUT  /rest/async/bulk/V1/products/bySku (path in body) ┘                               │
                                                     consumer task (async.operations.all) ◄┘
                                                     re-runs the sync handler per operation

ACL is checked at publish time with the sync route's resource; the consumer runs each
operation as the publishing principal and records status 1 (complete) or 3 (not retriable)
with the rendered message, like Magento's MassConsumer. The queue is given a clock, a batch
size and an executor (the store's): it knows no store, and its status routes live apart
(``bulk_routes.py``).
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import logging
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .rest import WebapiError, dumps, required_error, snake_keys
from .routing import Reply, Route

if TYPE_CHECKING:
    from .auth import Principal

__all__ = ["Bulk", "BulkQueue", "Executor", "Operation"]

# runs one operation: (principal, route, path values, body) -> the handler's result
Executor = Callable[["Principal", Route, dict[str, str], dict[str, Any]], Awaitable[Any]]

log = logging.getLogger("peakready.mocks.magento")

COMPLETE, RETRIABLY_FAILED, NOT_RETRIABLY_FAILED, OPEN, REJECTED = 1, 2, 3, 4, 5


@dataclass
class Operation:
    id: int
    bulk_uuid: str
    topic_name: str
    serialized_data: str
    route: Route
    path: dict[str, str]
    body: dict[str, Any]
    status: int = OPEN
    result_message: str | None = None
    result_serialized_data: str | None = None
    error_code: int | None = None

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "result_message": self.result_message,
                "error_code": self.error_code}

    def detailed(self) -> dict[str, Any]:
        return {"id": self.id, "bulk_uuid": self.bulk_uuid, "topic_name": self.topic_name,
                "serialized_data": self.serialized_data,
                "result_serialized_data": self.result_serialized_data, "status": self.status,
                "result_message": self.result_message, "error_code": self.error_code}

    def field(self, name: str) -> Any:
        return getattr(self, name, None) if name in _OP_FIELDS else None


OP_FIELDS = _OP_FIELDS = frozenset({"id", "bulk_uuid", "topic_name", "status", "result_message",
                        "error_code", "serialized_data"})


@dataclass
class Bulk:
    uuid: str
    principal: Principal
    description: str
    start_time: str
    operations: list[Operation] = field(default_factory=list)

    def status(self, detailed: bool) -> dict[str, Any]:
        return {"operations_list": [o.detailed() if detailed else o.summary()
                                    for o in self.operations],
                "user_type": self.principal.user_type, "bulk_id": self.uuid,
                "description": self.description, "start_time": self.start_time,
                "user_id": self.principal.user_id, "operation_count": len(self.operations)}


def topic(route: Route) -> str:
    service, _, method = route.topic_service.partition("::")
    return "async." + service.replace("\\", ".").lower() + f".{method}.{route.method.lower()}"


@dataclass
class BulkQueue:
    now: Callable[[], str]
    execute: Executor
    batch: int = 1
    bulks: dict[str, Bulk] = field(default_factory=dict)
    queue: deque[tuple[Bulk, Operation]] = field(default_factory=deque)
    _wake: asyncio.Event | None = None
    _task: asyncio.Task[None] | None = None

    def publish(self, call: Any, route: Route, elements: list[Any], *,
                bulk: bool) -> Reply:
        item_ids = itertools.count(0)
        now = self.now()
        record = Bulk(str(uuid.uuid4()), call.principal, f"Topic {topic(route)}", now)
        items: list[dict[str, Any]] = []
        errors = False
        for index, element in enumerate(elements):
            serialized = dumps(element).decode()
            entry: dict[str, Any] = {"id": index,
                                     "data_hash": hashlib.sha256(serialized.encode()).hexdigest()}
            body = snake_keys(element) if isinstance(element, dict) else None
            missing = [p for p in route.async_params if body is None or body.get(p) is None]
            if body is None or missing:
                err = required_error(_camel(missing[0] if missing else "body"))
                if not bulk:
                    raise err
                entry.update(status="rejected", error_message=err.rendered(), error_code=0)
                errors = True
                items.append(entry)
                continue
            assert body is not None
            # WebapiAsync builds the operation from the element: a path value it carries is
            # used, one it does not is simply absent (the handler falls back or says which
            # method parameter is required when the operation runs).
            path = dict(call.path)
            for name in route.params:
                value = element.get(name, body.get(name))
                if name not in path and isinstance(value, str | int | float):
                    path[name] = str(value)
            op = Operation(next(item_ids), record.uuid, topic(route), serialized, route, path,
                           body)
            record.operations.append(op)
            entry["status"] = "accepted"
            items.append(entry)
        self.bulks[record.uuid] = record
        for op in record.operations:
            self.queue.append((record, op))
        self._ensure_consumer()
        return Reply({"bulk_uuid": record.uuid, "request_items": items, "errors": errors},
                     status=202)

    def _ensure_consumer(self) -> None:
        if self._wake is None:
            self._wake = asyncio.Event()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._consume())
        self._wake.set()

    async def _consume(self) -> None:
        assert self._wake is not None
        while True:
            if not self.queue:
                self._wake.clear()
                await self._wake.wait()
                continue
            for _ in range(max(1, self.batch)):
                if not self.queue:
                    break
                bulk, op = self.queue.popleft()
                await self._run(bulk, op)
            await asyncio.sleep(0)  # let request handlers in between batches

    async def _run(self, bulk: Bulk, op: Operation) -> None:
        try:
            result = await self.execute(bulk.principal, op.route, op.path, op.body)
        except WebapiError as exc:
            op.status, op.result_message = NOT_RETRIABLY_FAILED, exc.rendered()
            op.error_code = exc.code
            return
        except Exception as exc:  # a consumer never dies on one bad message
            log.exception("bulk operation %s/%s failed", bulk.uuid, op.id)
            op.status, op.result_message, op.error_code = RETRIABLY_FAILED, str(exc), 0
            return
        op.status = COMPLETE
        op.result_message = f"Service execution success {op.route.topic_service}"
        op.result_serialized_data = dumps(result).decode()

    def pending(self) -> int:
        return len(self.queue)

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait until the queue is empty (tests and the orchestrator's drain phase)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.queue or any(o.status == OPEN for b in self.bulks.values()
                                for o in b.operations):
            if loop.time() > deadline:
                raise TimeoutError("bulk queue did not drain")
            await asyncio.sleep(0.01)

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.capitalize() for p in rest)
