"""CRM mock: contacts keyed by email, with fields the CRM owns (DESIGN §5).

Business API::

    PUT  /api/contacts/{email}              upsert by email (200 updated, 201 created)
    POST /api/contacts                      create (like many CRMs: a second contact for an
                                            email that exists is a duplicate, and evidence)
    GET  /api/contacts?email=&segment=&q=   search
    GET  /api/contacts/{email}              the contact (the oldest, if duplicated)
    PUT  /api/contacts/{email}/preferences  the CRM's own users change owned fields

``marketing_consent``, ``segment`` and ``lead_score`` belong to the CRM: a connector should
never push them. The mock accepts such a push (as a naive CRM API would) and records each
changed owned field as an ``overwrites`` event; with option ``protect_owned_fields`` it keeps
its value instead (still recording the attempt). Contacts are seeded from the fixture
profile's customers (option ``profile``; ``contacts: []`` seeds none).
"""

from __future__ import annotations

import random
import re
import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from peakready.configmodel import StrictBool, StrictModel
from peakready.mockkit import (
    ApiError,
    MockKit,
    MockSettings,
    Operation,
    Param,
    json_response,
    mock_config,
    parse_body,
)

OWNED = ("marketing_consent", "segment", "lead_score")
SEGMENTS = ("new", "regular", "vip", "lapsed")
_EMAIL = re.compile(r"^[^@\s/]+@[^@\s/]+$")


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    firstname: str | None = Field(default=None, max_length=255)
    lastname: str | None = Field(default=None, max_length=255)
    phone: str | None = Field(default=None, max_length=64)
    # Magento's entity ids are unsigned 32-bit columns; a larger number is bad input (422), not a
    # reply the JSON encoder cannot write (500).
    magento_customer_id: int | None = Field(default=None, ge=0, le=4_294_967_295)
    attributes: dict[str, str] = Field(default_factory=dict, max_length=100)
    marketing_consent: bool | None = None
    segment: str | None = Field(default=None, max_length=64)
    lead_score: int | None = Field(default=None, ge=0, le=100)


class ContactCreate(ContactIn):
    email: str = Field(pattern=r"^[^@\s/]+@[^@\s/]+$", max_length=255)


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
    email = raw.strip().lower()
    if not _EMAIL.match(email) or len(email) > 255:
        raise ApiError(422, "validation_error", f"email: not an email address: {raw!r}",
                       [{"field": "email", "reason": "not an email address"}])
    return email


class CrmOptions(StrictModel):
    """``settings.options`` / the ``--config`` file (docs/mocks.md)."""

    profile: str = "small"
    contacts: list[dict[str, Any]] | None = None   # seed these instead ([]: none)
    protect_owned_fields: StrictBool = False


def create_app(settings: MockSettings) -> Any:
    options = mock_config(settings, CrmOptions)
    protect = options.protect_owned_fields
    kit = MockKit(settings, title="peakready CRM mock", description=__doc__ or "",
                  evidence_kinds={"contacts": "entity", "duplicates": "event",
                                  "overwrites": "event", "crm_changes": "event"})
    contacts: dict[str, dict[str, Any]] = {}
    by_email: dict[str, list[str]] = {}

    def index(contact: dict[str, Any]) -> None:
        contacts[contact["contact_id"]] = contact
        by_email.setdefault(contact["email"], []).append(contact["contact_id"])

    def new_contact(email: str, now: float, fields: dict[str, Any]) -> dict[str, Any]:
        contact: dict[str, Any] = {
            "contact_id": f"C-{len(contacts) + 1:07d}", "email": email, "firstname": None,
            "lastname": None, "phone": None, "magento_customer_id": None, "attributes": {},
            "marketing_consent": False, "segment": "new", "lead_score": 0,
            "created_at": now, "updated_at": now}
        contact.update(fields)
        index(contact)
        kit.evidence.put("contacts", contact["contact_id"], contact, ts=now)
        return contact

    def seed() -> None:
        contacts.clear()
        by_email.clear()
        stored = kit.evidence.entities("contacts", limit=10_000_000)
        if stored:
            for row in stored:
                row.pop("key", None)
                row.pop("seq", None)
                index(row)
            return
        listed = options.contacts
        if listed is None:
            from peakready.seeding.profiles import generate_catalog

            catalog = generate_catalog(options.profile, settings.seed, settings.fixtures_dir)
            listed = [{"email": c.email, "firstname": c.firstname, "lastname": c.lastname,
                       "phone": c.telephone} for c in catalog.customers]
        rng = random.Random(f"crm:{settings.seed}")
        now = time.time()
        with kit.evidence.batch():
            for item in listed:
                fields = {k: v for k, v in item.items() if k != "email"}
                fields.setdefault("marketing_consent", rng.random() < 0.4)
                fields.setdefault("segment", rng.choice(SEGMENTS))
                fields.setdefault("lead_score", rng.randint(0, 100))
                new_contact(str(item["email"]).lower(), now, fields)

    seed()
    kit.on_reset(seed)

    def apply_push(contact: dict[str, Any], body: ContactIn, now: float,
                   request_id: str) -> None:
        pushed = body.model_dump(exclude_unset=True)
        for field in OWNED:
            if field in pushed and pushed[field] is not None and \
                    pushed[field] != contact[field]:
                kit.evidence.append("overwrites", {
                    "contact_id": contact["contact_id"], "email": contact["email"],
                    "field": field, "crm_value": contact[field], "pushed_value": pushed[field],
                    "applied": not protect, "request_id": request_id}, key=contact["email"],
                    ts=now)
                if protect:
                    del pushed[field]
            elif field in pushed:
                del pushed[field]
        if "attributes" in pushed:
            pushed["attributes"] = {**contact["attributes"], **pushed["attributes"]}
        contact.update({k: v for k, v in pushed.items() if v is not None})
        contact["updated_at"] = now
        kit.evidence.put("contacts", contact["contact_id"], contact, ts=now)

    def public(contact: dict[str, Any]) -> dict[str, Any]:
        return {**contact, "duplicates": len(by_email.get(contact["email"], ())) - 1}

    async def upsert(request: Request) -> Response:
        email = _email(request.path_params["email"])
        body, _ = await parse_body(request, ContactIn)
        now = time.time()
        rid = str(request.scope.get("peakready.request_id", ""))
        with kit.evidence.batch():
            ids = by_email.get(email)
            if ids:
                contact = contacts[ids[0]]
                apply_push(contact, body, now, rid)
                return json_response(public(contact), 200)
            fields = {k: v for k, v in body.model_dump(exclude_unset=True).items()
                      if v is not None}
            return json_response(public(new_contact(email, now, fields)), 201)

    async def create(request: Request) -> Response:
        body, _ = await parse_body(request, ContactCreate)
        email = _email(body.email)
        now = time.time()
        with kit.evidence.batch():
            existing = list(by_email.get(email, ()))
            fields = {k: v for k, v in body.model_dump(exclude_unset=True).items()
                      if v is not None and k != "email"}
            contact = new_contact(email, now, fields)
            if existing:
                kit.evidence.append("duplicates", {
                    "email": email, "contact_ids": [*existing, contact["contact_id"]],
                    "request_id": str(request.scope.get("peakready.request_id", ""))},
                    key=email, ts=now)
            return json_response(public(contact), 201)

    async def get_one(request: Request) -> Response:
        email = _email(request.path_params["email"])
        ids = by_email.get(email)
        if not ids:
            raise ApiError(404, "not_found", f"no contact with email {email!r}")
        return json_response(public(contacts[ids[0]]))

    async def search(request: Request) -> Response:
        params = request.query_params
        email, segment, q = params.get("email"), params.get("segment"), params.get("q")
        if email is not None:
            found = [contacts[i] for i in by_email.get(email.strip().lower(), ())]
        else:
            found = list(contacts.values())
        if segment is not None:
            found = [c for c in found if c["segment"] == segment]
        if q:
            needle = q.lower()
            found = [c for c in found if needle in c["email"] or needle in
                     f"{c['firstname'] or ''} {c['lastname'] or ''}".lower()]
        total = len(found)
        return json_response({"items": [public(c) for c in found[:200]], "total_count": total})

    async def preferences(request: Request) -> Response:
        email = _email(request.path_params["email"])
        body, _ = await parse_body(request, Preferences)
        ids = by_email.get(email)
        if not ids:
            raise ApiError(404, "not_found", f"no contact with email {email!r}")
        now = time.time()
        contact = contacts[ids[0]]
        changes = body.model_dump(exclude_none=True)
        with kit.evidence.batch():
            contact.update(changes)
            contact["updated_at"] = now
            kit.evidence.put("contacts", contact["contact_id"], contact, ts=now)
            kit.evidence.append("crm_changes", {"email": email, **changes}, key=email, ts=now)
        return json_response(public(contact))

    def summary() -> dict[str, Any]:
        dups = {e: ids for e, ids in by_email.items() if len(ids) > 1}
        fields: dict[str, int] = {}
        for row in kit.evidence.db.execute(
                "SELECT json_extract(data, '$.field'), COUNT(*) FROM events "
                "WHERE kind = 'overwrites' GROUP BY 1"):
            fields[str(row[0])] = int(row[1])
        return {"contacts": len(contacts), "distinct_emails": len(by_email),
                "duplicate_emails": dict(list(dups.items())[:1000]),
                "duplicate_contact_count": sum(len(v) - 1 for v in dups.values()),
                "overwrites": sum(fields.values()), "overwrites_by_field": fields,
                "protect_owned_fields": protect}

    kit.summary(summary)
    tags = ("crm",)
    kit.add(
        Operation("PUT", "/api/contacts/{email}", upsert, "Upsert a contact by email",
                  body=ContactIn, responses={200: Contact, 201: Contact}, tags=tags),
        Operation("POST", "/api/contacts", create, "Create a contact (duplicates allowed)",
                  body=ContactCreate, responses={201: Contact}, tags=tags),
        Operation("GET", "/api/contacts", search, "Search contacts", tags=tags,
                  responses={200: ContactList},
                  params=(Param("email"), Param("segment"), Param("q"))),
        Operation("GET", "/api/contacts/{email}", get_one, "One contact by email",
                  responses={200: Contact}, tags=tags),
        Operation("PUT", "/api/contacts/{email}/preferences", preferences,
                  "CRM-side change of CRM-owned fields", body=Preferences,
                  responses={200: Contact}, tags=tags),
    )
    return kit.build()
