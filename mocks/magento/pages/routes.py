"""The HTML pages of a Luma-style store, small but with what shoppers' requests depend on.

::

    GET  /                                  home: a few products       cms_p_2 + cat_p_<id>...
    GET  /<category url_path>.html[?p=N]    category listing (12/page) cat_c_<id> cat_c_p_<id>
                                                                       + cat_p_<id> of each item
    GET  /<product url_key>.html            product page               cat_p_<id>
    GET  /catalogsearch/result/?q=WORD      search results             cat_p_<id> of each item
    POST /checkout/cart/add                 form product, qty, form_key: the form_key must equal
                                            the form_key cookie (RegisterFormKeyFromCookie), or
                                            302 back and nothing added; the session's guest quote
    GET  /customer/section/load/?sections=cart   private content, JSON (never cached)
    GET  /checkout/                         window.checkoutConfig with the quote's masked id, the
                                            id Luma's checkout JS sends to /rest/V1/guest-carts/...

Cacheable answers carry ``cache-control: public`` and ``x-magento-tags`` (the FPC layer stores
them, Varnish-like, and strips the tags); session pages are ``private, no-store``.
"""

from __future__ import annotations

import html
import json
from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from ..carts import add_item
from ..rest import WebapiError
from ..storefront_catalog import ROOT_ID, category_tree

if TYPE_CHECKING:
    from ..catalog import Product
    from ..state import Store

__all__ = ["PAGE_PREFIXES", "Page", "Sessions", "handle", "is_page"]

Page = tuple[int, list[tuple[bytes, bytes]], bytes]
PAGE_PREFIXES = ("/catalogsearch/", "/checkout", "/customer/")
_PER_PAGE = 12
_HTML = (b"content-type", b"text/html; charset=UTF-8")
_JSON = (b"content-type", b"application/json")
_PUBLIC = (b"cache-control", b"public, max-age=86400")
_PRIVATE = (b"cache-control", b"private, no-store, no-cache, max-age=0")


class Sessions:
    """PHP sessions of the storefront: session id → the guest quote's masked id (bounded)."""

    def __init__(self, limit: int = 100_000) -> None:
        self.limit = limit
        self.quotes: OrderedDict[str, str] = OrderedDict()

    def quote(self, session: str) -> str | None:
        return self.quotes.get(session)

    def attach(self, session: str, masked_id: str) -> None:
        self.quotes[session] = masked_id
        while len(self.quotes) > self.limit:
            self.quotes.popitem(last=False)


def is_page(path: str) -> bool:
    return path == "/" or path.endswith(".html") or path.startswith(PAGE_PREFIXES)


def _doc(title: str, body: str) -> bytes:
    return (f"<!doctype html><html><head><title>{html.escape(title)}</title></head>"
            f"<body>{body}</body></html>").encode()


def _card(store: Store, product: Product) -> str:
    stock = "In stock" if store.inventory.is_in_stock(product.sku) else "Out of stock"
    url = html.escape(str(product.custom.get("url_key") or product.sku.lower()))
    return (f'<li class="product-item" data-sku="{html.escape(product.sku)}">'
            f'<a href="/{url}.html">{html.escape(product.name)}</a> '
            f'<span class="price">${product.price:.2f}</span> <span>{stock}</span></li>')


def _listing(store: Store, products: Iterable[Product]) -> tuple[str, list[str]]:
    items = list(products)
    return ("<ol>" + "".join(_card(store, p) for p in items) + "</ol>",
            [f"cat_p_{p.id}" for p in items])


def _cacheable(title: str, body: str, tags: list[str]) -> Page:
    return 200, [_HTML, _PUBLIC, (b"x-magento-tags", ",".join(tags).encode())], _doc(title, body)


def _not_found() -> Page:
    return 404, [_HTML, _PRIVATE], _doc("404 Not Found", "<h1>Whoops, our bad...</h1>")


def _page_number(query: dict[str, list[str]]) -> int:
    try:
        return max(1, int(query.get("p", ["1"])[0]))
    except ValueError:
        return 1


def _menu(store: Store) -> str:
    """The top menu: the top-level categories (its links are what a shopper browses by)."""
    tree = category_tree(store)
    links = "".join(f'<a class="category" href="/{html.escape(tree.by_id[c].url_path)}.html">'
                    f'{html.escape(tree.by_id[c].name)}</a>' for c in tree.by_id[ROOT_ID].children)
    return f"<nav>{links}</nav>"


def _home(store: Store) -> Page:
    products = [p for p in store.catalog.products.values() if p.status == 1][:8]
    listing, tags = _listing(store, products)
    return _cacheable("Home page", f"{_menu(store)}<h1>Home page</h1>{listing}",
                      ["cms_p_2", *tags])


def _category(store: Store, category_id: int, query: dict[str, list[str]]) -> Page:
    tree = category_tree(store)
    category = tree.by_id[category_id]
    page = _page_number(query)
    ids = category.products[(page - 1) * _PER_PAGE: page * _PER_PAGE]
    products = [p for i in ids if (p := store.catalog.by_id.get(i)) is not None]
    listing, tags = _listing(store, products)
    subcategories = "".join(
        f'<a class="category" href="/{html.escape(tree.by_id[c].url_path)}.html">'
        f'{html.escape(tree.by_id[c].name)}</a>' for c in category.children)
    body = (f"{_menu(store)}<h1>{html.escape(category.name)}</h1>"
            f"<div class=\"subcategories\">{subcategories}</div>"
            f"<p>{len(category.products)} items</p>{listing}")
    return _cacheable(category.name, body,
                      [f"cat_c_{category.id}", f"cat_c_p_{category.id}", *tags])


def _product(store: Store, product: Product) -> Page:
    stock = "In stock" if store.inventory.is_in_stock(product.sku) else "Out of stock"
    body = (f'<h1>{html.escape(product.name)}</h1><div class="price">${product.price:.2f}</div>'
            f'<div class="stock">{stock}</div><form action="/checkout/cart/add" method="post">'
            f'<input type="hidden" name="product" value="{product.id}">'
            f'<input name="qty" value="1"><button>Add to Cart</button></form>')
    return _cacheable(product.name, body, [f"cat_p_{product.id}"])


def _search(store: Store, query: dict[str, list[str]]) -> Page:
    word = query.get("q", [""])[0].strip().lower()
    if not word:
        return 302, [(b"location", b"/"), _PRIVATE], b""
    found = [p for p in store.catalog.products.values()
             if p.status == 1 and word in p.name.lower()]
    page = _page_number(query)
    listing, tags = _listing(store, found[(page - 1) * _PER_PAGE: page * _PER_PAGE])
    body = (f"<h1>Search results for: '{html.escape(word)}'</h1><p>{len(found)} items</p>"
            f"{listing}")
    return _cacheable(f"Search results for: '{word}'", body, ["search", *tags])


def _cookies(headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers:
        if name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _, val = part.strip().partition("=")
                out[key] = val
    return out


def _session_quote(store: Store, session: str) -> Any:
    masked = store.sessions.quote(session) if session else None
    cart = store.carts.by_mask.get(masked) if masked else None
    return cart if cart is not None and cart.is_active else None


def _add_to_cart(store: Store, form: dict[str, list[str]], cookies: dict[str, str],
                 ajax: bool) -> Page:
    session = cookies.get("PHPSESSID", "")
    form_key = form.get("form_key", [""])[0]
    back = [(b"location", b"/checkout/cart/"), _PRIVATE]
    if not session or not form_key or form_key != cookies.get("form_key"):
        return 302, back, b""  # Magento's form key validator: redirect, nothing added
    try:
        product = store.catalog.by_id.get(int(form.get("product", ["0"])[0]))
        qty = float(form.get("qty", ["1"])[0] or 1)
    except ValueError:
        product, qty = None, 0.0
    if product is None or qty <= 0:
        return 302, back, b""
    cart = _session_quote(store, session)
    if cart is None:
        cart = store.carts.create_guest(store.now())
        assert cart.masked_id is not None
        store.sessions.attach(session, cart.masked_id)
    try:
        add_item(store, cart, {"sku": product.sku, "qty": qty})
    except WebapiError as exc:
        message = json.dumps({"messages": [exc.body().get("message", "")]}).encode()
        return (200, [_JSON, _PRIVATE], message) if ajax else (302, back, b"")
    return (200, [_JSON, _PRIVATE], b"[]") if ajax else (302, back, b"")


def _section_load(store: Store, cookies: dict[str, str]) -> Page:
    cart = _session_quote(store, cookies.get("PHPSESSID", ""))
    lines = list(cart.items.values()) if cart is not None else []
    section = {"summary_count": sum(line.qty for line in lines),
               "subtotal_amount": round(sum(line.qty * line.price for line in lines), 4),
               "items": [{"item_id": line.item_id, "product_sku": line.sku, "qty": line.qty,
                          "product_name": line.name} for line in lines]}
    body = json.dumps({"cart": section, "messages": {"messages": []}}).encode()
    return 200, [_JSON, _PRIVATE], body


def _checkout(store: Store, cookies: dict[str, str]) -> Page:
    cart = _session_quote(store, cookies.get("PHPSESSID", ""))
    if cart is None or not cart.items:
        return 302, [(b"location", b"/checkout/cart/"), _PRIVATE], b""
    config = json.dumps({"quoteData": {"entity_id": cart.masked_id,
                                       "items_qty": cart.items_qty},
                         "isCustomerLoggedIn": False, "storeCode": "default"})
    body = f"<h1>Checkout</h1><script>window.checkoutConfig = {config};</script>"
    return 200, [_HTML, _PRIVATE], _doc("Checkout", body)


async def handle(store: Store, scope: dict[str, Any], body: bytes) -> Page:
    """One page request (``is_page(path)`` is true)."""
    method, path = scope["method"], scope["path"]
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    cookies = _cookies(scope.get("headers", []))
    if method == "POST" and path.rstrip("/") == "/checkout/cart/add":
        ajax = any(n == b"x-requested-with" for n, _ in scope.get("headers", []))
        return _add_to_cart(store, parse_qs(body.decode("utf-8", "replace")), cookies, ajax)
    if method != "GET":
        return 405, [_HTML, _PRIVATE], _doc("405", "Method not allowed")
    if path == "/":
        return _home(store)
    if path.startswith("/catalogsearch/result"):
        return _search(store, query)
    if path.startswith("/customer/section/load"):
        return _section_load(store, cookies)
    if path.rstrip("/") == "/checkout":
        return _checkout(store, cookies)
    if path.endswith(".html"):
        key = path[1:-len(".html")]
        category = category_tree(store).by_url_path.get(key)
        if category is not None:
            return _category(store, category.id, query)
        product = store.catalog.url_keys.get(key)
        if product is not None and product.custom.get("url_key") == key and product.status == 1:
            return _product(store, product)
    return _not_found()
