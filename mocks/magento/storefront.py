"""The store's front door: ``/rest/...`` to the REST app, ``/graphql`` to GraphQL, the rest to
the HTML pages (``pages/routes.py``), each answering from the same ``Store``.

::

    /rest/...            MagentoApp (app.py)
    /graphql             graphql.handle_graphql
    /, *.html, /catalogsearch/, /checkout..., /customer/...   pages.routes.handle
    anything else        MagentoApp (its 404)
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from .app import MagentoApp
from .graphql import handle_graphql
from .pages.routes import handle as handle_page
from .pages.routes import is_page

__all__ = ["StorefrontApp"]

_MAX_BODY = 1024 * 1024


class StorefrontApp:
    def __init__(self, magento: MagentoApp) -> None:
        self.magento = magento

    def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Awaitable[None]:
        # A plain function handing on the chosen app's coroutine: no frame of its own per
        # REST call.
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path.startswith("/rest/"):
            return self.magento(scope, receive, send)
        if path == "/graphql":
            return self._answer(handle_graphql, scope, receive, send)
        if is_page(path):
            return self._answer(handle_page, scope, receive, send)
        return self.magento(scope, receive, send)

    async def _answer(self, handler: Any, scope: dict[str, Any], receive: Any,
                      send: Any) -> None:
        body = await _body(receive)
        if body is None:
            status, headers, data = 413, [(b"content-type", b"application/json")], \
                b'{"message":"Request body is too large."}'
        else:
            status, headers, data = await handler(self.magento.store, scope, body)
        await send({"type": "http.response.start", "status": status,
                    "headers": [*headers, (b"content-length", str(len(data)).encode())]})
        await send({"type": "http.response.body", "body": data})


async def _body(receive: Any) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > _MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
