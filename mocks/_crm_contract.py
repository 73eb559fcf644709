"""An in-house CRM described by a contract (``target.crm: {contract: my-crm.yaml}``).

The same mechanism as the ERP's contract (``mocks/_erp_contract.py``, the primitives in
``peakready.mockkit.contract``): per operation the method and path template, JSON pointers
(RFC 6901) to where each field sits in the request body, the success status and a response
template. The CRM has one operation, the upsert a Magento connector makes (docs/dialects.md,
"A contract for an in-house CRM")::

    upsert_contact:
      method: PUT
      path: /v2/people/{magento_customer_id}      # the key: {magento_customer_id} or {email}
      email: /person/email                        # JSON pointers; each optional
      firstname: /person/name/first
      lastname: /person/name/last
      phone: /person/phone
      success_status: 200                         # updated
      created_status: 201                         # created (default: success_status)
      response: {id: "{contact_id}", email: "{email}"}   # templates over the contact

A request whose body does not resolve a pointer is answered 422 naming the pointers and
recorded as a ``contract_errors`` event, so a contract that cannot work shows in the run
(``crm_integrity`` fails: nothing reaches the CRM) instead of passing silently.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from peakready.configmodel import StrictModel, load_yaml, validate
from peakready.mockkit import Operation
from peakready.mockkit.contract import POINTER, render, resolve

from ._crm_dialect import Call, Dialect, Reply, Route, VendorError, build_operations
from ._crm_store import ContactStore, CrmOptions

__all__ = ["CrmContract", "contract_operations"]

_KEY = re.compile(r"{(magento_customer_id|email)}")
_FIELDS = ("email", "firstname", "lastname", "phone", "magento_customer_id")


class UpsertContact(StrictModel):
    method: Literal["PUT", "POST", "PATCH"] = "PUT"
    path: str = Field(pattern=r"^/.*\{(magento_customer_id|email)\}")
    email: str | None = Field(default=None, pattern=POINTER)
    firstname: str | None = Field(default=None, pattern=POINTER)
    lastname: str | None = Field(default=None, pattern=POINTER)
    phone: str | None = Field(default=None, pattern=POINTER)
    magento_customer_id: str | None = Field(default=None, pattern=POINTER)
    success_status: int = Field(default=200, ge=200, le=299)
    created_status: int | None = Field(default=None, ge=200, le=299)
    response: dict[str, Any] = Field(default_factory=lambda: {"id": "{contact_id}"})

    @model_validator(mode="after")
    def _carries_something(self) -> UpsertContact:
        if not any(getattr(self, f) is not None for f in _FIELDS):
            raise ValueError("give at least one field's JSON pointer (email, firstname, "
                             "lastname, phone, magento_customer_id)")
        return self

    def pointers(self) -> dict[str, str]:
        return {f: getattr(self, f) for f in _FIELDS if getattr(self, f) is not None}


class CrmContract(StrictModel):
    upsert_contact: UpsertContact


class Contract(Dialect):
    name = "contract"

    def __init__(self, store: ContactStore, options: CrmOptions) -> None:
        super().__init__(store, options)
        data, source = options.contract, "crm contract"
        if isinstance(data, str):
            source = data
            data = load_yaml(Path(data), what="CRM contract")
        self.spec = validate(CrmContract, data, source=source, what="CRM contract"
                             ).upsert_contact
        match = _KEY.search(self.spec.path)
        assert match is not None   # the model's pattern
        self.key: Literal["magento_customer_id", "email"] = \
            "email" if match.group(1) == "email" else "magento_customer_id"
        store.kit.evidence_kinds.setdefault("contract_errors", "event")

    def routes(self) -> list[Route]:
        return [Route(self.spec.method, self.spec.path, self.upsert, "Upsert a contact "
                      "(in-house contract)")]

    def invalid(self, errors: list[tuple[str, str]]) -> VendorError:
        return VendorError(422, {"errors": [{"field": f, "reason": r} for f, r in errors]})

    def upsert(self, call: Call) -> Reply:
        fields: dict[str, Any] = {}
        missing = []
        for canonical, pointer in self.spec.pointers().items():
            found, value = resolve(call.body, pointer)
            if found:
                fields[canonical] = value
            else:
                missing.append(f"{canonical} at {pointer}")
        if missing:
            self.store.kit.evidence.append("contract_errors", {
                "operation": "upsert_contact", "request_id": call.request_id,
                "unresolved": missing}, key="upsert_contact")
            raise VendorError(422, {"error": "the request does not match the contract",
                                    "unresolved": missing})
        key_value: Any = call.path[self.key]
        if self.key == "magento_customer_id" and key_value.isdigit():
            key_value = int(key_value)
        fields.pop(self.key, None)
        contact, created = self.store.upsert(self.key, key_value, fields, call.request_id)
        status = (self.spec.created_status or self.spec.success_status) if created \
            else self.spec.success_status
        return Reply(status, render(self.spec.response, contact))


def contract_operations(store: ContactStore, options: CrmOptions) -> list[Operation]:
    return build_operations(Contract(store, options))
