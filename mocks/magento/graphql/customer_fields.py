"""Customer: ``generateCustomerToken``, ``revokeCustomerToken``, ``customer`` and its orders
(spec/magento-graphql.md §1, §4). Tokens are the REST layer's (the same JWTs, lifetime and
lockout), so a token from either API works on both."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from graphql import GraphQLResolveInfo

from ..rest import WebapiError
from .cart_output import order_out
from .errors import AUTHENTICATION, GraphQlError

if TYPE_CHECKING:
    from .context import Context

__all__ = ["MUTATIONS", "QUERIES"]

Info = GraphQLResolveInfo[Any]

MSG_SIGN_IN = ("The account sign-in was incorrect or your account is disabled temporarily. "
               "Please wait and try again later.")


def generate_customer_token(_: Any, info: Info, email: str,
                            password: str) -> dict[str, Any]:
    ctx: Context = info.context
    ctx.cacheable = False
    store = ctx.store
    customer = store.customers.verify(email, password)
    try:
        token = store.auth.customer_token({"username": email, "password": password},
                                          customer.id if customer else None,
                                          customer is not None)
    except WebapiError:
        raise GraphQlError(MSG_SIGN_IN, AUTHENTICATION) from None
    return {"token": token}


def revoke_customer_token(_: Any, info: Info) -> dict[str, Any]:
    ctx: Context = info.context
    ctx.store.auth.revoke_customer(ctx.need_customer())
    return {"result": True}


def _orders(ctx: Context, customer_id: int, current_page: int, page_size: int,
            sort: dict[str, str] | None) -> dict[str, Any]:
    mine = [o for o in ctx.store.orders.by_id.values() if o.customer_id == customer_id]
    descending = (sort or {}).get("sort_direction", "DESC") == "DESC"
    mine.sort(key=lambda o: o.entity_id, reverse=descending)
    page = mine[(current_page - 1) * page_size: current_page * page_size]
    return {"items": [order_out(ctx.store, o) for o in page], "total_count": len(mine),
            "date_of_first_order": min((o.created_at for o in mine), default=None),
            "page_info": {"page_size": page_size, "current_page": current_page,
                          "total_pages": math.ceil(len(mine) / page_size) if mine else 0}}


def customer(_: Any, info: Info) -> dict[str, Any]:
    ctx: Context = info.context
    customer_id = ctx.need_customer()
    found = ctx.store.customers.by_id.get(customer_id)
    if found is None:
        raise GraphQlError("The current customer isn't authorized.", "graphql-authorization")
    data = found.out()
    addresses = []
    for raw in data.get("addresses") or []:
        region = raw.get("region")
        addresses.append({
            **{k: raw.get(k) for k in ("id", "firstname", "lastname", "street", "city",
                                       "postcode", "telephone", "country_id", "region_id",
                                       "company")},
            "country_code": raw.get("country_id"),
            "region": region if isinstance(region, dict) else {"region": region},
            "default_shipping": bool(raw.get("default_shipping")),
            "default_billing": bool(raw.get("default_billing"))})
    return {
        "id": found.id, "email": data.get("email"), "firstname": data.get("firstname"),
        "lastname": data.get("lastname"), "created_at": data.get("created_at"),
        "group_id": data.get("group_id"),
        "confirmation_status": "ACCOUNT_CONFIRMATION_NOT_REQUIRED",
        "is_subscribed": bool((data.get("extension_attributes") or {}).get("is_subscribed")),
        "addresses": addresses,
        "orders": lambda info, currentPage=1, pageSize=20, sort=None, **_: _orders(
            ctx, customer_id, currentPage, pageSize, sort),
    }


QUERIES = {"customer": customer}
MUTATIONS = {"generateCustomerToken": generate_customer_token,
             "revokeCustomerToken": revoke_customer_token}
