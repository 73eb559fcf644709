"""A typed Magento 2.4 REST client for load journeys, over any small HTTP transport.

::

    Transport.request(method, path, name=, json=, headers=) ──► Reply(status, body, value)
      locust_transport.Connection        the engine's keep-alive connection (Locust stats)
      locust_transport.LocustTransport   a closed-model user's FastHttpSession (Locust stats)
      tests: any object with that method (an in-process ASGI app through a test client)
    MagentoClient(transport, token=None)
      call(method, path, name, json)    value of a 2xx JSON answer, else MagentoError
      guest / customer / admin calls the journeys use (spec/magento-rest.md §1, §2, §3, §5)
    MagentoError(status, message, step, head)   decoded error envelope (placeholders filled)

No locust here: the journeys and this client run the same against an in-process app.
Request names group ids (``/V1/guest-carts/[id]/items``) so statistics stay readable.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

__all__ = ["JsonClient", "MagentoClient", "MagentoError", "Reply", "Transport", "decode_error",
           "search_query", "wants_html"]

_PLACEHOLDER = re.compile(r"%(\w+)")


@dataclass(frozen=True, slots=True)
class Reply:
    """One HTTP answer: ``status`` 0 for a connection error (``error`` says which)."""

    status: int
    body: bytes
    error: str | None = None
    #: the decoded body when the transport already parsed it (``parsed`` True)
    value: Any = None
    parsed: bool = False

    def json(self) -> Any:
        return self.value if self.parsed else json.loads(self.body)


class Transport(Protocol):
    """``json`` is sent as a JSON body; ``data`` as a raw body (a form: its Content-Type in
    ``headers``). A request whose ``Accept`` is ``text/html`` (a page) expects HTML back, any
    other a JSON answer."""

    def request(self, method: str, path: str, *, name: str, json: Any = None,
                headers: Mapping[str, str] | None = None, data: bytes | None = None
                ) -> Reply: ...


def wants_html(headers: Mapping[str, str] | None) -> bool:
    return "text/html" in (headers or {}).get("Accept", "")


class MagentoError(Exception):
    """A call that did not answer 2xx JSON: its status, Magento's message and the step."""

    def __init__(self, status: int, message: str, step: str, head: str = "") -> None:
        super().__init__(f"{step}: {status} {message}")
        self.status = status
        self.message = message
        self.step = step
        self.head = head


def decode_error(reply: Reply) -> str:
    """Magento's error message with its placeholders filled, or the body's first bytes."""
    if reply.status == 0:
        return reply.error or "connection failed"
    try:
        data = reply.json()
    except ValueError:
        return reply.body[:200].decode("utf-8", "replace") or f"HTTP {reply.status}"
    if not isinstance(data, dict) or not isinstance(data.get("message"), str):
        return reply.body[:200].decode("utf-8", "replace")
    message: str = data["message"]
    params = data.get("parameters")
    if isinstance(params, dict):
        message = _PLACEHOLDER.sub(lambda m: str(params.get(m.group(1), m.group(0))), message)
    elif isinstance(params, list):
        message = _PLACEHOLDER.sub(
            lambda m: str(params[int(m.group(1)) - 1]) if m.group(1).isdigit()
            and 0 < int(m.group(1)) <= len(params) else m.group(0), message)
    return message


def search_query(filters: Mapping[str, tuple[str, Any]] | None = None, *, page_size: int = 20,
                 page: int = 1, sort: str | None = None) -> str:
    """``searchCriteria`` query string: one filter group per field (AND), paging, sort."""
    parts = []
    for group, (field, (condition, value)) in enumerate((filters or {}).items()):
        prefix = f"searchCriteria[filter_groups][{group}][filters][0]"
        parts += [f"{prefix}[field]={quote(field)}", f"{prefix}[value]={quote(str(value))}",
                  f"{prefix}[condition_type]={condition}"]
    if sort:
        parts += [f"searchCriteria[sortOrders][0][field]={quote(sort)}",
                  "searchCriteria[sortOrders][0][direction]=DESC"]
    parts += [f"searchCriteria[pageSize]={page_size}", f"searchCriteria[currentPage]={page}"]
    return "&".join(parts)


class JsonClient:
    """JSON over a transport: ``call`` answers the value of a 2xx reply or raises MagentoError
    (the ERP and CRM mocks' APIs use it too, with ``prefix=""``)."""

    def __init__(self, transport: Transport, token: str | None = None, prefix: str = "") -> None:
        self.transport = transport
        self.token = token
        self.prefix = prefix

    def call(self, method: str, path: str, name: str, body: Any = None, *,
             step: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else None
        reply = self.transport.request(method, self.prefix + path, name=name, json=body,
                                       headers=headers)
        label = step or name
        if not 200 <= reply.status < 300:
            raise MagentoError(reply.status, decode_error(reply), label,
                               reply.body[:200].decode("utf-8", "replace"))
        try:
            return reply.json()
        except ValueError as exc:
            head = reply.body[:200].decode("utf-8", "replace")
            raise MagentoError(reply.status, f"not JSON: {head!r}", label, head) from exc


class MagentoClient(JsonClient):
    """Magento REST under ``/rest/V1``; ``token`` is a bearer (admin or customer)."""

    def __init__(self, transport: Transport, token: str | None = None,
                 prefix: str = "/rest") -> None:
        super().__init__(transport, token, prefix)

    # ------------------------------------------------------------------ tokens
    def admin_token(self, username: str, password: str) -> str:
        return str(self.call("POST", "/V1/integration/admin/token",
                             "/V1/integration/admin/token",
                             {"username": username, "password": password}))

    def customer_token(self, email: str, password: str) -> str:
        return str(self.call("POST", "/V1/integration/customer/token",
                             "/V1/integration/customer/token",
                             {"username": email, "password": password}))

    # ----------------------------------------------------------------- catalog
    def products(self, filters: Mapping[str, tuple[str, Any]] | None = None, *,
                 page_size: int = 20, page: int = 1, name: str = "/V1/products") -> Any:
        query = search_query(filters, page_size=page_size, page=page)
        return self.call("GET", f"/V1/products?{query}", f"{name}?searchCriteria")

    def product(self, sku: str) -> Any:
        return self.call("GET", f"/V1/products/{quote(sku, safe='')}", "/V1/products/[sku]")

    # --------------------------------------------------------------- guest cart
    def guest_cart(self) -> str:
        return str(self.call("POST", "/V1/guest-carts", "/V1/guest-carts", {}))

    def guest(self, cart_id: str, method: str, tail: str, body: Any = None) -> Any:
        return self.call(method, f"/V1/guest-carts/{cart_id}{tail}",
                         f"/V1/guest-carts/[id]{tail}", body)

    def add_guest_item(self, cart_id: str, sku: str, qty: int) -> Any:
        return self.guest(cart_id, "POST", "/items",
                          {"cartItem": {"sku": sku, "qty": qty, "quote_id": cart_id}})

    # ------------------------------------------------------------ customer cart
    def mine(self, method: str, tail: str, body: Any = None) -> Any:
        return self.call(method, f"/V1/carts/mine{tail}", f"/V1/carts/mine{tail}", body)

    def me(self) -> Any:
        return self.call("GET", "/V1/customers/me", "/V1/customers/me")

    # ------------------------------------------------------------------ orders
    def orders(self, filters: Mapping[str, tuple[str, Any]] | None = None, *,
               page_size: int = 20, sort: str = "entity_id") -> Any:
        query = search_query(filters, page_size=page_size, sort=sort)
        return self.call("GET", f"/V1/orders?{query}", "/V1/orders?searchCriteria")

    def order(self, entity_id: int) -> Any:
        return self.call("GET", f"/V1/orders/{entity_id}", "/V1/orders/[id]")

    def invoices(self, order_id: int) -> Any:
        query = search_query({"order_id": ("eq", order_id)}, page_size=20, sort="entity_id")
        return self.call("GET", f"/V1/invoices?{query}", "/V1/invoices?searchCriteria")

    def refund_invoice(self, invoice_id: int, body: Any) -> Any:
        """RefundInvoice: a credit memo against one invoice (online with ``isOnline``)."""
        return self.call("POST", f"/V1/invoice/{invoice_id}/refund",
                         "/V1/invoice/[id]/refund", body)

    def order_action(self, entity_id: int, action: str, body: Any = None) -> Any:
        if action in ("cancel", "hold", "unhold"):
            return self.call("POST", f"/V1/orders/{entity_id}/{action}",
                             f"/V1/orders/[id]/{action}")
        return self.call("POST", f"/V1/order/{entity_id}/{action}", f"/V1/order/[id]/{action}",
                         body if body is not None else {})
