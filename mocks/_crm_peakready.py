"""Dialect ``peakready``: the CRM mock's own API (the built-in integration speaks it).

::

    PUT  /api/contacts/{email}              upsert by email (200 updated, 201 created)
    POST /api/contacts                      create (a second contact for an email that exists
                                            is a duplicate, and evidence)
    GET  /api/contacts?email=&segment=&q=   search
    GET  /api/contacts/{email}              the contact (the oldest, if duplicated)
    PUT  /api/contacts/{email}/preferences  the CRM's own users change owned fields (served
                                            in every dialect: the harness's marketing edits)

Errors are the mocks' envelope (``{"error": {"code", "message", "fields"}}``); bodies are
validated by the pydantic models below, which are also the OpenAPI document.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from peakready.mockkit import ApiError, Operation, Param, json_response, parse_body

from ._crm_store import ContactCreate, ContactIn, ContactStore, InvalidContact, normal_email

__all__ = ["crm_user_operations", "peakready_operations"]


class Preferences(BaseModel):
    model_config = ConfigDict(extra="forbid")
    marketing_consent: bool | None = None
    segment: str | None = Field(default=None, max_length=64)
    lead_score: int | None = Field(default=None, ge=0, le=100)


class Contact(BaseModel):
    contact_id: str
    email: str
    firstname: str | None
    lastname: str | None
    phone: str | None
    magento_customer_id: int | None
    attributes: dict[str, str]
    marketing_consent: bool
    segment: str
    lead_score: int
    created_at: float
    updated_at: float
    duplicates: int = 0


class ContactList(BaseModel):
    items: list[Contact]
    total_count: int


def _email(raw: str) -> str:
    try:
        return normal_email(raw)
    except InvalidContact:
        raise ApiError(422, "validation_error", f"email: not an email address: {raw!r}",
                       [{"field": "email", "reason": "not an email address"}]) from None


def peakready_operations(store: ContactStore) -> list[Operation]:
    def public(contact: dict[str, Any]) -> dict[str, Any]:
        return _public(store, contact)

    def rid(request: Request) -> str:
        return str(request.scope.get("peakready.request_id", ""))

    async def upsert(request: Request) -> Response:
        email = _email(request.path_params["email"])
        body, _ = await parse_body(request, ContactIn)
        contact, created = store.upsert("email", email, body.model_dump(exclude_unset=True),
                                        rid(request))
        return json_response(public(contact), 201 if created else 200)

    async def create(request: Request) -> Response:
        body, _ = await parse_body(request, ContactCreate)
        fields = body.model_dump(exclude_unset=True)
        fields["email"] = _email(body.email)
        return json_response(public(store.create(fields, rid(request))), 201)

    async def get_one(request: Request) -> Response:
        email = _email(request.path_params["email"])
        found = store.find("email", email)
        if not found:
            raise ApiError(404, "not_found", f"no contact with email {email!r}")
        return json_response(public(found[0]))

    async def search(request: Request) -> Response:
        params = request.query_params
        email, segment, q = params.get("email"), params.get("segment"), params.get("q")
        found = store.find("email", email) if email is not None \
            else list(store.contacts.values())
        if segment is not None:
            found = [c for c in found if c["segment"] == segment]
        if q:
            needle = q.lower()
            found = [c for c in found if needle in (c["email"] or "") or needle in
                     f"{c['firstname'] or ''} {c['lastname'] or ''}".lower()]
        return json_response({"items": [public(c) for c in found[:200]],
                              "total_count": len(found)})

    tags = ("crm",)
    return [
        Operation("PUT", "/api/contacts/{email}", upsert, "Upsert a contact by email",
                  body=ContactIn, responses={200: Contact, 201: Contact}, tags=tags),
        Operation("POST", "/api/contacts", create, "Create a contact (duplicates allowed)",
                  body=ContactCreate, responses={201: Contact}, tags=tags),
        Operation("GET", "/api/contacts", search, "Search contacts", tags=tags,
                  responses={200: ContactList},
                  params=(Param("email"), Param("segment"), Param("q"))),
        Operation("GET", "/api/contacts/{email}", get_one, "One contact by email",
                  responses={200: Contact}, tags=tags),
    ]


def crm_user_operations(store: ContactStore) -> list[Operation]:
    """The CRM's own users at work, whatever API the integration speaks."""

    async def preferences(request: Request) -> Response:
        email = _email(request.path_params["email"])
        body, _ = await parse_body(request, Preferences)
        found = store.find("email", email)
        if not found:
            raise ApiError(404, "not_found", f"no contact with email {email!r}")
        return json_response(_public(store, store.crm_change(found[0],
                                                     body.model_dump(exclude_none=True))))

    return [Operation("PUT", "/api/contacts/{email}/preferences", preferences,
                      "CRM-side change of CRM-owned fields", body=Preferences,
                      responses={200: Contact}, tags=("crm",))]


def _public(store: ContactStore, contact: dict[str, Any]) -> dict[str, Any]:
    return {**contact, "duplicates": store.duplicates_of(contact)}
