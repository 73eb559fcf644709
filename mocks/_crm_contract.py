"""An in-house CRM described by a contract (``target.crm: {contract: my-crm.yaml}``).

The contract names, for the one operation a Magento connector makes against a CRM, where
things sit in the in-house API (docs/dialects.md, "In-house CRM contract")::

    upsert_contact:
      method: PUT
      path: /v2/people/{magento_customer_id}      # template: {magento_customer_id} | {email}
      fields:                                     # canonical field → JSON pointer (RFC 6901)
        email: /person/email
        firstname: /person/name/first
        lastname: /person/name/last
      success_status: 200                         # updated
      created_status: 201                         # created (default: success_status)
      response: {id: "{contact_id}", email: "{email}"}   # templates over the contact

The path's template variable is the key the contact is upserted by. A pointer that does not
resolve in a request is answered 422 naming the pointer and recorded as a ``contract_errors``
event, so a contract that cannot work shows in the run instead of passing silently.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from peakready.configmodel import StrictModel, load_yaml, validate
from peakready.mockkit import Operation

from ._crm_dialect import Call, Dialect, Reply, Route, VendorError, build_operations
from ._crm_store import ContactStore, CrmOptions

__all__ = ["CrmContract", "contract_operations"]

_VARIABLE = re.compile(r"{(magento_customer_id|email)}")
_TEMPLATE = re.compile(r"{(\w+)}")
Canonical = Literal["email", "firstname", "lastname", "phone", "magento_customer_id",
                    "marketing_consent", "segment", "lead_score"]


class UpsertContact(StrictModel):
    method: Literal["PUT", "POST", "PATCH"] = "PUT"
    path: str = Field(pattern=r"^/.*\{(magento_customer_id|email)\}")
    fields: dict[Canonical, str] = Field(min_length=1)
    success_status: int = Field(default=200, ge=200, le=299)
    created_status: int | None = Field(default=None, ge=200, le=299)
    response: dict[str, Any] = Field(default_factory=lambda: {"id": "{contact_id}"})


class CrmContract(StrictModel):
    upsert_contact: UpsertContact


def resolve(document: Any, pointer: str) -> tuple[bool, Any]:
    """(found, value) of a JSON pointer in ``document``."""
    if pointer == "":
        return True, document
    if not pointer.startswith("/"):
        return False, None
    node = document
    for raw in pointer[1:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False, None
    return True, node


def _render(template: Any, contact: dict[str, Any]) -> Any:
    if isinstance(template, dict):
        return {k: _render(v, contact) for k, v in template.items()}
    if isinstance(template, list):
        return [_render(v, contact) for v in template]
    if isinstance(template, str):
        whole = _TEMPLATE.fullmatch(template)
        if whole:
            return contact.get(whole.group(1))
        return _TEMPLATE.sub(lambda m: str(contact.get(m.group(1), "")), template)
    return template


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
        match = _VARIABLE.search(self.spec.path)
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
        for canonical, pointer in self.spec.fields.items():
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
        return Reply(status, _render(self.spec.response, contact))


def contract_operations(store: ContactStore, options: CrmOptions) -> list[Operation]:
    return build_operations(Contract(store, options))
