"""Customer routes beyond accounts' create/read/update (Magento_Customer): customer groups,
addresses (read, delete), account management (default addresses, passwords, confirmation,
activation, validation) and customer delete.

Password reset tokens are kept per customer (``Customers.reset_tokens``): Magento mails the
token; a store without mail still checks it. Confirmation is off, as on a default store: a
customer has a ``confirmation`` key only when one was set on the store.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from .customer_groups import SEARCHABLE
from .customers import Customer, check_password, hash_password
from .rest import WebapiError, as_object, no_such_entity, required_error, to_int, to_str
from .routing import Reply
from .search import listing

if TYPE_CHECKING:
    from .routing import Call, Router
    from .state import Store

__all__ = ["register"]

GROUP = "Magento_Customer::group"
MANAGE = "Magento_Customer::manage"
MSG_TOKEN = "The password token is mismatched. Reset and try again."


def _group(call: Call, name: str = "id") -> dict[str, Any]:
    raw = call.param(name)
    try:
        group = call.store.groups.by_id.get(to_int(raw))
    except WebapiError:
        group = None
    if group is None:
        raise no_such_entity("id", raw)
    return group


def _customer(store: Store, raw: Any) -> Customer:
    try:
        customer = store.customers.by_id.get(to_int(raw))
    except WebapiError:
        customer = None
    if customer is None:
        raise no_such_entity("customerId", raw)
    return customer


def _by_email(store: Store, raw: Any) -> Customer:
    if raw in (None, ""):
        raise required_error("email")
    customer = store.customers.by_email.get(to_str(raw).lower())
    if customer is None:
        raise no_such_entity("email", to_str(raw))
    return customer


def _default(customer: Customer, kind: str) -> Reply:
    """The default billing/shipping address, or ``null`` when there is none."""
    found = next((a for a in customer.addresses if a.get(f"default_{kind}")), None)
    return Reply(found)


def _address(store: Store, raw: Any) -> tuple[Customer, dict[str, Any]]:
    address_id = to_int(raw)
    for customer in store.customers.by_id.values():
        for address in customer.addresses:
            if address["id"] == address_id:
                return customer, address
    raise no_such_entity("addressId", address_id)


def _group_data(call: Call) -> tuple[str, int]:
    data = as_object(call.body.get("group"), "group")
    if data.get("code") in (None, ""):
        raise WebapiError(400, '"%fieldName" is required. Enter and try again.',
                          {"fieldName": "code"})
    code = to_str(data["code"]).strip()
    if len(code) > 32:
        raise WebapiError(400, 'The "%1" value is too long.', ["code"])
    return code, to_int(data.get("tax_class_id", 3))


def register(router: Router) -> None:
    @router.add("GET", "/V1/customerGroups/search", GROUP)
    async def groups(call: Call) -> Any:
        table = call.store.groups
        return listing(call.criteria, list(table.by_id.values()), lambda g, f: g.get(f),
                       SEARCHABLE, dict)

    @router.add("GET", "/V1/customerGroups/{id}", GROUP)
    async def group(call: Call) -> Any:
        return dict(_group(call))

    @router.add("POST", "/V1/customerGroups", GROUP)
    async def create_group(call: Call) -> Any:
        code, tax = _group_data(call)
        if call.store.groups.by_code(code) is not None:
            raise WebapiError(400, 'Customer Group already exists.')
        return dict(call.store.groups.add(code, tax))

    @router.add("PUT", "/V1/customerGroups/{id}", GROUP)
    async def update_group(call: Call) -> Any:
        group = _group(call)
        code, tax = _group_data(call)
        other = call.store.groups.by_code(code)
        if other is not None and other is not group:
            raise WebapiError(400, 'Customer Group already exists.')
        group.update(code=code, tax_class_id=tax)
        return dict(group)

    @router.add("DELETE", "/V1/customerGroups/{id}", GROUP)
    async def delete_group(call: Call) -> Any:
        group = _group(call)
        groups = call.store.groups
        if groups.is_system(group["id"]) or group["id"] == groups.default_id:
            raise WebapiError(400, "Cannot delete group.")
        del groups.by_id[group["id"]]
        return True

    @router.add("GET", "/V1/customerGroups/{id}/permissions", GROUP)
    async def can_delete(call: Call) -> Any:
        group = _group(call)
        groups = call.store.groups
        return not groups.is_system(group["id"]) and group["id"] != groups.default_id

    @router.add("GET", "/V1/customerGroups/default", GROUP)
    async def default_group(call: Call) -> Any:
        return dict(call.store.groups.by_id[call.store.groups.default_id])

    @router.add("GET", "/V1/customerGroups/default/{storeId}", GROUP)
    async def default_for_store(call: Call) -> Any:
        store_id = to_int(call.param("storeId"))
        if store_id not in {v["id"] for v in call.store.tree.views}:
            raise no_such_entity("storeId", store_id)
        return dict(call.store.groups.by_id[call.store.groups.default_id])

    @router.add("PUT", "/V1/customerGroups/default/{id}", GROUP)
    async def set_default(call: Call) -> Any:
        group = _group(call)
        call.store.groups.default_id = group["id"]
        return group["id"]

    @router.add("GET", "/V1/customers/addresses/{addressId}", MANAGE)
    async def address(call: Call) -> Any:
        return _address(call.store, call.param("addressId"))[1]

    @router.add("DELETE", "/V1/addresses/{addressId}", MANAGE)
    async def delete_address(call: Call) -> Any:
        customer, found = _address(call.store, call.param("addressId"))
        customer.addresses = [a for a in customer.addresses if a is not found]
        customer.updated_at = call.store.now()
        return True

    @router.add("DELETE", "/V1/customers/{customerId}", MANAGE)
    async def delete_customer(call: Call) -> Any:
        store = call.store
        customer = _customer(store, call.param("customerId"))
        del store.customers.by_id[customer.id]
        store.customers.by_email.pop(customer.email.lower(), None)
        return True

    @router.add("GET", "/V1/customers/{customerId}/billingAddress", MANAGE)
    async def billing(call: Call) -> Any:
        return _default(_customer(call.store, call.param("customerId")), "billing")

    @router.add("GET", "/V1/customers/{customerId}/shippingAddress", MANAGE)
    async def shipping(call: Call) -> Any:
        return _default(_customer(call.store, call.param("customerId")), "shipping")

    @router.add("GET", "/V1/customers/me/billingAddress", "self")
    async def my_billing(call: Call) -> Any:
        return _default(_customer(call.store, call.principal.user_id), "billing")

    @router.add("GET", "/V1/customers/me/shippingAddress", "self")
    async def my_shipping(call: Call) -> Any:
        return _default(_customer(call.store, call.principal.user_id), "shipping")

    @router.add("GET", "/V1/customers/{customerId}/permissions/readonly", MANAGE)
    async def readonly(call: Call) -> Any:
        _customer(call.store, call.param("customerId"))
        return False

    @router.add("GET", "/V1/customers/{customerId}/confirm", MANAGE)
    async def confirmation_status(call: Call) -> Any:
        customer = _customer(call.store, call.param("customerId"))
        if customer.extra.get("confirmation"):
            return "account_confirmation_required"
        return "account_confirmation_not_required"

    @router.add("POST", "/V1/customers/confirm", "anonymous")
    async def resend_confirmation(call: Call) -> Any:
        customer = _by_email(call.store, call.body.get("email"))
        if not customer.extra.get("confirmation"):
            raise WebapiError(400, "Confirmation isn't needed.")
        return True

    def _activate(store: Store, customer: Customer, key: Any) -> Any:
        if key in (None, ""):
            raise required_error("confirmationKey")
        pending = customer.extra.get("confirmation")
        if not pending:
            raise WebapiError(400, "The account is already active.")
        if to_str(key) != pending:
            raise WebapiError(400, "The confirmation token is invalid. Verify the token and "
                              "try again.")
        del customer.extra["confirmation"]
        customer.updated_at = store.now()
        return customer.out()

    @router.add("PUT", "/V1/customers/{email}/activate", MANAGE)
    async def activate(call: Call) -> Any:
        customer = _by_email(call.store, call.param("email"))
        return _activate(call.store, customer, call.body.get("confirmation_key"))

    @router.add("PUT", "/V1/customers/me/activate", "self")
    async def activate_me(call: Call) -> Any:
        customer = _customer(call.store, call.principal.user_id)
        return _activate(call.store, customer, call.body.get("confirmation_key"))

    @router.add("PUT", "/V1/customers/me/password", "self")
    async def change_password(call: Call) -> Any:
        store = call.store
        customer = _customer(store, call.principal.user_id)
        current, new = call.body.get("current_password"), call.body.get("new_password")
        if current in (None, "") or new in (None, ""):
            raise required_error("currentPassword" if current in (None, "") else "newPassword")
        if store.customers.verify(customer.email, to_str(current)) is None:
            raise WebapiError(400, "The password doesn't match this account. Verify the "
                              "password and try again.")
        check_password(to_str(new))
        customer.password_hash = hash_password(to_str(new))
        return True

    @router.add("PUT", "/V1/customers/password", "anonymous")
    async def start_reset(call: Call) -> Any:
        store = call.store
        if call.body.get("template") in (None, ""):
            raise required_error("template")
        if call.body.get("template") not in ("email_reset", "email_reminder"):
            raise WebapiError(400, 'Invalid value of "%value" provided for the %fieldName '
                              "field. Possible values: email_reminder or email_reset.",
                              {"value": to_str(call.body["template"]),
                               "fieldName": "template"})
        customer = _by_email(store, call.body.get("email"))
        store.customers.reset_tokens[customer.id] = secrets.token_hex(16)
        return True

    def _token_ok(store: Store, customer: Customer, token: Any) -> None:
        if token in (None, ""):
            raise required_error("resetToken")
        if store.customers.reset_tokens.get(customer.id) != to_str(token):
            raise WebapiError(400, MSG_TOKEN)

    @router.add("GET", "/V1/customers/{customerId}/password/resetLinkToken/"
                "{resetPasswordLinkToken}", "anonymous")
    async def check_token(call: Call) -> Any:
        store = call.store
        customer = _customer(store, call.param("customerId"))
        _token_ok(store, customer, call.param("resetPasswordLinkToken"))
        return True

    @router.add("POST", "/V1/customers/resetPassword", "anonymous")
    async def reset(call: Call) -> Any:
        store = call.store
        customer = _by_email(store, call.body.get("email"))
        _token_ok(store, customer, call.body.get("reset_token"))
        new = call.body.get("new_password")
        if new in (None, ""):
            raise required_error("newPassword")
        check_password(to_str(new))
        customer.password_hash = hash_password(to_str(new))
        del store.customers.reset_tokens[customer.id]
        return True

    @router.add("PUT", "/V1/customers/validate", "anonymous")
    async def validate(call: Call) -> Any:
        data = as_object(call.body.get("customer"), "customer")
        messages = [f'"{name}" is a required value.' for name in ("firstname", "lastname",
                                                                   "email")
                    if data.get(name) in (None, "")]
        return {"valid": not messages, "messages": messages}
