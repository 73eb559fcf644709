"""Customers: accounts, passwords, the customer token, ``/V1/customers`` (spec §7).

``PUT /V1/customers/{id}`` (admin) and ``PUT /V1/customers/me`` (the token's customer) save
the customer as Magento's ``CustomerRepositoryInterface::save`` does: ``email``,
``firstname`` and ``lastname`` are required, the path (or token) names the customer, the
addresses are replaced when sent and kept when absent, ``extension_attributes.is_subscribed``
is the newsletter subscription, and ``updated_at`` moves.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .auth import acl_error
from .rest import (
    WebapiError,
    as_object,
    check_fields,
    input_exception,
    invalid_type,
    no_such_entity,
    required_error,
    to_int,
    to_str,
)
from .search import parse_criteria, search

if TYPE_CHECKING:
    from .routing import Call, Router

__all__ = ["Customer", "Customers", "register"]

CUSTOMER_FIELDS = frozenset({
    "id", "group_id", "default_billing", "default_shipping", "confirmation", "created_at",
    "updated_at", "created_in", "dob", "email", "firstname", "lastname", "middlename", "prefix",
    "suffix", "gender", "store_id", "taxvat", "website_id", "addresses",
    "disable_auto_group_change", "extension_attributes", "custom_attributes"})
ADDRESS_FIELDS = frozenset({
    "id", "customer_id", "region", "region_id", "country_id", "street", "company", "telephone",
    "fax", "postcode", "city", "firstname", "lastname", "middlename", "prefix", "suffix",
    "vat_id", "default_shipping", "default_billing", "extension_attributes",
    "custom_attributes"})
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SEARCHABLE = frozenset({"id", "entity_id", "email", "firstname", "lastname", "created_at",
                         "updated_at", "website_id", "group_id", "store_id", "created_in"})
MIN_PASSWORD = 8
MIN_CLASSES = 3


@dataclass
class Customer:
    id: int
    email: str
    firstname: str
    lastname: str
    created_at: str
    updated_at: str
    password_hash: str
    group_id: int = 1
    website_id: int = 1
    store_id: int = 1
    addresses: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    is_subscribed: bool = False

    def out(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id, "group_id": self.group_id, "created_at": self.created_at,
            "updated_at": self.updated_at, "created_in": "Default Store View",
            "email": self.email, "firstname": self.firstname, "lastname": self.lastname,
            "store_id": self.store_id, "website_id": self.website_id,
            "addresses": self.addresses, "disable_auto_group_change": 0,
            "extension_attributes": {"is_subscribed": self.is_subscribed}}
        for addr in self.addresses:
            if addr.get("default_billing"):
                data["default_billing"] = str(addr["id"])
            if addr.get("default_shipping"):
                data["default_shipping"] = str(addr["id"])
        data.update(self.extra)
        return data

    def field(self, name: str) -> Any:
        if name in ("id", "entity_id"):
            return self.id
        return getattr(self, name, None) if name != "password_hash" else None


def hash_password(password: str) -> str:
    return hashlib.sha256(b"peakready:" + password.encode()).hexdigest()


@dataclass
class Customers:
    """The accounts; given what it uses: the Magento version (field-name errors) and the
    store's clock (``Y-m-d H:i:s``)."""

    version: tuple[int, ...]
    now: Callable[[], str]
    by_id: dict[int, Customer] = field(default_factory=dict)
    by_email: dict[str, Customer] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _address_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    reset_tokens: dict[int, str] = field(default_factory=dict)   # customer id → token

    def verify(self, email: str, password: str) -> Customer | None:
        customer = self.by_email.get(email.lower())
        if customer is None:
            return None
        ok = hmac.compare_digest(customer.password_hash, hash_password(password))
        return customer if ok else None

    def create(self, data: dict[str, Any], password: str | None) -> Customer:
        email, website = self._checked(data, None)
        if password is not None:
            check_password(password)
        now = self.now()
        customer = Customer(next(self._ids), email, to_str(data["firstname"]),
                            to_str(data["lastname"]), now, now,
                            hash_password(password) if password else "",
                            group_id=to_int(data.get("group_id", 1)), website_id=website,
                            is_subscribed=_subscribed(data, False))
        customer.addresses = self._addresses(customer, data.get("addresses") or [])
        self.by_id[customer.id] = customer
        self.by_email[email.lower()] = customer
        return customer

    def update(self, customer: Customer, data: dict[str, Any], *,
               may_change_group: bool) -> Customer:
        """``CustomerRepositoryInterface::save`` of an existing customer."""
        email, website = self._checked(data, customer)
        if email.lower() != customer.email.lower():
            del self.by_email[customer.email.lower()]
            self.by_email[email.lower()] = customer
        customer.email = email
        customer.firstname = to_str(data["firstname"])
        customer.lastname = to_str(data["lastname"])
        customer.website_id = website
        if may_change_group and "group_id" in data:
            customer.group_id = to_int(data["group_id"])
        customer.is_subscribed = _subscribed(data, customer.is_subscribed)
        if data.get("addresses") is not None:
            customer.addresses = self._addresses(customer, data["addresses"])
        customer.updated_at = self.now()
        return customer

    def _checked(self, data: dict[str, Any], current: Customer | None) -> tuple[str, int]:
        check_fields(data, CUSTOMER_FIELDS, self.version,
                     "Magento\\Customer\\Api\\Data\\CustomerInterface")
        missing = [required_error(f) for f in ("firstname", "lastname", "email")
                   if data.get(f) in (None, "")]
        if missing:
            raise input_exception(missing)
        email = to_str(data["email"]).strip()
        if not _EMAIL.match(email):
            raise WebapiError(400, '"%fieldName" is not a valid email address. Enter and try '
                              "again.", {"fieldName": "email"})
        website = to_int(data.get("website_id", current.website_id if current else 1))
        holder = self.by_email.get(email.lower())
        if holder is not None and holder is not current:
            raise WebapiError(400, "A customer with the same email address already exists in "
                              "an associated website.")
        return email, website

    def _addresses(self, customer: Customer, raws: Any) -> list[dict[str, Any]]:
        if not isinstance(raws, list):
            raise invalid_type("array", "Magento\\Customer\\Api\\Data\\AddressInterface[]")
        known = {a["id"] for a in customer.addresses}
        out: list[dict[str, Any]] = []
        for raw in raws:
            if not isinstance(raw, dict):
                raise invalid_type(raw, "Magento\\Customer\\Api\\Data\\AddressInterface")
            check_fields(raw, ADDRESS_FIELDS, self.version,
                         "Magento\\Customer\\Api\\Data\\AddressInterface")
            addr = dict(raw)
            # An address sent with the id of one of this customer's addresses updates it;
            # any other is a new address.
            given = addr.get("id")
            addr["id"] = given if isinstance(given, int) and given in known else \
                next(self._address_ids)
            addr["customer_id"] = customer.id
            region = addr.get("region")
            if not isinstance(region, dict):
                addr["region"] = {"region_code": None, "region": region,
                                  "region_id": addr.get("region_id", 0)}
            out.append(addr)
        return out


def _subscribed(data: dict[str, Any], current: bool) -> bool:
    extension = data.get("extension_attributes")
    if not isinstance(extension, dict) or extension.get("is_subscribed") is None:
        return current
    value = extension["is_subscribed"]
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1", "true", "false"):
        return value in (1, "1", "true")
    raise invalid_type(value, "bool")


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise WebapiError(400, "The password needs at least %1 characters. Create a new "
                          "password and try again.", [MIN_PASSWORD])
    classes = sum(bool(re.search(rx, password)) for rx in
                  (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^a-zA-Z0-9]"))
    if classes < MIN_CLASSES:
        raise WebapiError(400, "Minimum of different classes of characters in password is %1. "
                          "Classes of characters: Lower Case, Upper Case, Digits, Special "
                          "Characters.", [MIN_CLASSES])


def register(router: Router) -> None:
    svc = "Magento\\Customer\\Api\\AccountManagementInterface"

    @router.add("POST", "/V1/customers", "anonymous", service=svc + "::createAccount")
    async def create(call: Call) -> Any:
        data = as_object(call.body.get("customer"), "customer")
        if "group_id" in data and not call.principal.allows("Magento_Customer::manage"):
            raise acl_error("Magento_Customer::manage")
        password = call.body.get("password")
        if password is not None and not isinstance(password, str):
            raise invalid_type(password, "string")
        return call.store.customers.create(data, password).out()

    @router.add("GET", "/V1/customers/search", "Magento_Customer::customer",
                service="Magento\\Customer\\Api\\CustomerRepositoryInterface::getList")
    async def find(call: Call) -> Any:
        crit = parse_criteria(call.query, limits=call.store.cfg.input_limits)
        rows, total = search(list(call.store.customers.by_id.values()), crit,
                             lambda c, f: c.field(f), lambda f: f in _SEARCHABLE)
        return {"items": [c.out() for c in rows], "search_criteria": crit.echo(),
                "total_count": total}

    @router.add("GET", "/V1/customers/me", "self")
    async def me(call: Call) -> Any:
        customer = call.store.customers.by_id.get(call.principal.user_id)
        if customer is None:
            raise no_such_entity("customerId", call.principal.user_id)
        return customer.out()

    @router.add("PUT", "/V1/customers/me", "self",
                service="Magento\\Customer\\Api\\CustomerRepositoryInterface::save")
    async def update_me(call: Call) -> Any:
        store = call.store
        customer = store.customers.by_id.get(call.principal.user_id)
        if customer is None:
            raise no_such_entity("customerId", call.principal.user_id)
        data = as_object(call.body.get("customer"), "customer")
        return store.customers.update(customer, data, may_change_group=False).out()

    @router.add("PUT", "/V1/customers/{customerId}", "Magento_Customer::manage",
                service="Magento\\Customer\\Api\\CustomerRepositoryInterface::save")
    async def update(call: Call) -> Any:
        store = call.store
        customer_id = to_int(call.path["customerId"])
        customer = store.customers.by_id.get(customer_id)
        if customer is None:
            raise no_such_entity("customerId", customer_id)
        data = as_object(call.body.get("customer"), "customer")
        return store.customers.update(customer, data, may_change_group=True).out()

    @router.add("GET", "/V1/customers/{customerId}", "Magento_Customer::customer",
                service="Magento\\Customer\\Api\\CustomerRepositoryInterface::getById")
    async def get_one(call: Call) -> Any:
        customer_id = to_int(call.path["customerId"])
        customer = call.store.customers.by_id.get(customer_id)
        if customer is None:
            raise no_such_entity("customerId", customer_id)
        return customer.out()

    @router.add("POST", "/V1/customers/isEmailAvailable", "anonymous")
    async def email_available(call: Call) -> Any:
        email = call.body.get("customer_email")
        if email in (None, ""):
            raise required_error("customerEmail")
        return to_str(email).lower() not in call.store.customers.by_email

    @router.add("POST", "/V1/integration/customer/token", "anonymous")
    async def token(call: Call) -> Any:
        store = call.store
        username, password = store.auth.check_credentials(call.body)
        customer = store.customers.verify(username, password)
        return store.auth.customer_token(call.body, customer.id if customer else None,
                                         customer is not None)

    @router.add("POST", "/V1/integration/admin/token", "anonymous")
    async def admin_token(call: Call) -> Any:
        return call.store.auth.admin_token(call.body)

    @router.add("POST", "/V1/integration/customer/revoke-customer-token", "self")
    async def revoke(call: Call) -> Any:
        call.store.auth.revoke_customer(call.principal.user_id)
        return True
