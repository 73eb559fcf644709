"""The CRM's one store and one evidence writer, whichever API (dialect) the mock speaks.

Contacts carry canonical fields; who owns which::

    Magento owns   email, firstname, lastname, phone, magento_customer_id, attributes
    the CRM owns   marketing_consent, segment, lead_score   (its users and scoring set them)

Evidence (docs/mocks.md), the same for every dialect, so the checks never know which ran:

    contacts     entity per contact (its latest state)
    overwrites   a push that changed a CRM-owned field (recorded even when protected)
    duplicates   a second contact created for an email or a Magento customer that had one
    crm_changes  the CRM's own users changed owned fields

A dialect maps its vendor's requests onto :meth:`ContactStore.upsert` (match a key, else
create), :meth:`ContactStore.create` (always a new contact: a connector that creates instead
of upserting makes duplicates, as the vendors' APIs let it), :meth:`ContactStore.push` and the
lookups; it never writes evidence itself.
"""

from __future__ import annotations

import random
import re
import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from peakready.configmodel import StrictBool, StrictModel
from peakready.mockkit import MockKit, MockSettings

OWNED = ("marketing_consent", "segment", "lead_score")
SEGMENTS = ("new", "regular", "vip", "lapsed")
EMAIL = re.compile(r"^[^@\s/]+@[^@\s/]+$")
Key = Literal["email", "magento_customer_id", "contact_id"]

EVIDENCE_KINDS: dict[str, Any] = {"contacts": "entity", "duplicates": "event",
                                  "overwrites": "event", "crm_changes": "event"}


class ContactIn(BaseModel):
    """The canonical fields a push may carry (every dialect validates through this)."""

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


class CrmOptions(StrictModel):
    """``settings.options`` / the ``--config`` file (docs/mocks.md, docs/dialects.md)."""

    profile: str = "small"
    contacts: list[dict[str, Any]] | None = None   # seed these instead ([]: none)
    protect_owned_fields: StrictBool = False
    dialect: str = "peakready"
    # A dialect's own settings (docs/dialects.md), e.g. {client_id: ..., client_secret: ...}.
    dialect_options: dict[str, Any] = Field(default_factory=dict)
    # An in-house CRM's contract (target.crm.contract): its YAML file, or the mapping itself.
    contract: str | dict[str, Any] | None = None


class InvalidContact(ValueError):
    """A push a CRM would refuse: ``errors`` is [(field, reason)]; each dialect renders it."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {r}" for f, r in errors))
        self.errors = errors


def normal_email(raw: Any) -> str:
    email = str(raw).strip().lower()
    if not EMAIL.match(email) or len(email) > 255:
        raise InvalidContact([("email", f"not an email address: {raw!r}")])
    return email


def checked(fields: dict[str, Any]) -> dict[str, Any]:
    """The canonical fields of a push, validated; only those that were sent."""
    try:
        model = ContactIn.model_validate(fields)
    except ValidationError as exc:
        raise InvalidContact([(".".join(str(p) for p in e["loc"]), e["msg"])
                              for e in exc.errors()]) from None
    out = model.model_dump(exclude_unset=True)
    if "email" in fields and fields["email"] is not None:
        out["email"] = normal_email(fields["email"])
    return out


class ContactStore:
    """Contacts by id, email and Magento customer; every change through here is evidence."""

    def __init__(self, kit: MockKit, settings: MockSettings, options: CrmOptions) -> None:
        self.kit = kit
        self.settings = settings
        self.options = options
        self.protect = options.protect_owned_fields
        self.contacts: dict[str, dict[str, Any]] = {}
        self.by_email: dict[str, list[str]] = {}
        self.by_customer: dict[int, list[str]] = {}
        self.seed()
        kit.on_reset(self.seed)
        kit.summary(self.summary)

    # -- reading -----------------------------------------------------------------------------
    def find(self, key: Key, value: Any) -> list[dict[str, Any]]:
        """Every contact whose ``key`` is ``value``, oldest first."""
        if key == "contact_id":
            found = self.contacts.get(str(value))
            return [found] if found else []
        if key == "email":
            try:
                ids = self.by_email.get(normal_email(value), [])
            except InvalidContact:
                return []
        else:
            try:
                ids = self.by_customer.get(int(value), [])
            except (TypeError, ValueError):
                return []
        return [self.contacts[i] for i in ids]

    def duplicates_of(self, contact: dict[str, Any]) -> int:
        return len(self.by_email.get(contact["email"], ())) - 1

    # -- writing -----------------------------------------------------------------------------
    def _index(self, contact: dict[str, Any]) -> None:
        self.contacts[contact["contact_id"]] = contact
        if contact.get("email"):
            self.by_email.setdefault(contact["email"], []).append(contact["contact_id"])
        if contact.get("magento_customer_id") is not None:
            self.by_customer.setdefault(int(contact["magento_customer_id"]), []).append(
                contact["contact_id"])

    def _new(self, email: str | None, now: float, fields: dict[str, Any]) -> dict[str, Any]:
        contact: dict[str, Any] = {
            "contact_id": f"C-{len(self.contacts) + 1:07d}", "email": email,
            "firstname": None, "lastname": None, "phone": None, "magento_customer_id": None,
            "attributes": {}, "marketing_consent": False, "segment": "new", "lead_score": 0,
            "created_at": now, "updated_at": now}
        contact.update(fields)
        self._index(contact)
        self.kit.evidence.put("contacts", contact["contact_id"], contact, ts=now)
        return contact

    def create(self, fields: dict[str, Any], request_id: str = "") -> dict[str, Any]:
        """A new contact whatever exists: a second one for an email or a Magento customer is a
        duplicate, recorded as evidence (the vendors' create calls allow it too)."""
        fields = checked(fields)
        email = fields.pop("email", None)
        now = time.time()
        with self.kit.evidence.batch():
            before_email = list(self.by_email.get(email, ())) if email else []
            customer = fields.get("magento_customer_id")
            before_customer = list(self.by_customer.get(customer, ())) \
                if customer is not None else []
            contact = self._new(email, now, {k: v for k, v in fields.items()
                                             if v is not None})
            if before_email or before_customer:
                self.kit.evidence.append("duplicates", {
                    "email": email, "magento_customer_id": customer,
                    "by": "email" if before_email else "magento_customer_id",
                    "contact_ids": [*dict.fromkeys([*before_email, *before_customer]),
                                    contact["contact_id"]],
                    "request_id": request_id}, key=email or str(customer), ts=now)
        return contact

    def upsert(self, key: Key, value: Any, fields: dict[str, Any],
               request_id: str = "") -> tuple[dict[str, Any], bool]:
        """Update the (oldest) contact whose ``key`` is ``value``, else create one; returns
        (contact, created)."""
        found = self.find(key, value)
        if found:
            return self.push(found[0], fields, request_id), False
        if key != "contact_id":
            fields = {**fields, key: value}
        return self.create(fields, request_id), True

    def push(self, contact: dict[str, Any], fields: dict[str, Any],
             request_id: str = "") -> dict[str, Any]:
        """An integration's push onto a contact: a changed CRM-owned field is an overwrite
        (kept out with ``protect_owned_fields``, recorded either way)."""
        pushed = checked(fields)
        now = time.time()
        with self.kit.evidence.batch():
            for field in OWNED:
                if pushed.get(field) is not None and pushed[field] != contact[field]:
                    self.kit.evidence.append("overwrites", {
                        "contact_id": contact["contact_id"], "email": contact["email"],
                        "magento_customer_id": contact.get("magento_customer_id"),
                        "field": field, "crm_value": contact[field],
                        "pushed_value": pushed[field], "applied": not self.protect,
                        "request_id": request_id}, key=contact["email"], ts=now)
                    if self.protect:
                        del pushed[field]
                elif field in pushed:
                    del pushed[field]
            if pushed.get("email") and pushed["email"] != contact["email"]:
                self._move_email(contact, pushed["email"])
            customer = pushed.get("magento_customer_id")
            if customer is not None and customer != contact.get("magento_customer_id"):
                self._move_customer(contact, int(customer))
            if "attributes" in pushed:
                pushed["attributes"] = {**contact["attributes"], **pushed["attributes"]}
            contact.update({k: v for k, v in pushed.items() if v is not None})
            contact["updated_at"] = now
            self.kit.evidence.put("contacts", contact["contact_id"], contact, ts=now)
        return contact

    def _move_email(self, contact: dict[str, Any], email: str) -> None:
        old = self.by_email.get(contact["email"])
        if old and contact["contact_id"] in old:
            old.remove(contact["contact_id"])
            if not old:
                del self.by_email[contact["email"]]
        self.by_email.setdefault(email, []).append(contact["contact_id"])

    def _move_customer(self, contact: dict[str, Any], customer: int) -> None:
        previous = contact.get("magento_customer_id")
        old = self.by_customer.get(previous) if previous is not None else None
        if old and contact["contact_id"] in old:
            old.remove(contact["contact_id"])
        self.by_customer.setdefault(customer, []).append(contact["contact_id"])

    def crm_change(self, contact: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        """The CRM's own users change fields it owns (no overwrite: it is their field)."""
        now = time.time()
        with self.kit.evidence.batch():
            contact.update(changes)
            contact["updated_at"] = now
            self.kit.evidence.put("contacts", contact["contact_id"], contact, ts=now)
            self.kit.evidence.append("crm_changes", {"email": contact["email"], **changes},
                                     key=contact["email"], ts=now)
        return contact

    # -- seeding and summary -----------------------------------------------------------------
    def seed(self) -> None:
        self.contacts.clear()
        self.by_email.clear()
        self.by_customer.clear()
        stored = self.kit.evidence.entities("contacts", limit=10_000_000)
        if stored:
            for row in stored:
                row.pop("key", None)
                row.pop("seq", None)
                self._index(row)
            return
        listed = self.options.contacts
        if listed is None:
            from peakready.seeding.profiles import generate_catalog

            catalog = generate_catalog(self.options.profile, self.settings.seed,
                                       self.settings.fixtures_dir)
            # The simulator seeds its customers from the same fixture in the same order, with
            # ids from 1: the CRM knows each contact's Magento customer, as after a first sync.
            listed = [{"email": c.email, "firstname": c.firstname, "lastname": c.lastname,
                       "phone": c.telephone, "magento_customer_id": n}
                      for n, c in enumerate(catalog.customers, start=1)]
        rng = random.Random(f"crm:{self.settings.seed}")
        now = time.time()
        with self.kit.evidence.batch():
            for item in listed:
                fields = {k: v for k, v in item.items() if k != "email"}
                fields.setdefault("marketing_consent", rng.random() < 0.4)
                fields.setdefault("segment", rng.choice(SEGMENTS))
                fields.setdefault("lead_score", rng.randint(0, 100))
                self._new(str(item["email"]).lower(), now, fields)

    def summary(self) -> dict[str, Any]:
        dups = {e: ids for e, ids in self.by_email.items() if len(ids) > 1}
        by_customer = {str(c): ids for c, ids in self.by_customer.items() if len(ids) > 1}
        fields: dict[str, int] = {}
        for row in self.kit.evidence.db.execute(
                "SELECT json_extract(data, '$.field'), COUNT(*) FROM events "
                "WHERE kind = 'overwrites' GROUP BY 1"):
            fields[str(row[0])] = int(row[1])
        return {"contacts": len(self.contacts), "distinct_emails": len(self.by_email),
                "duplicate_emails": dict(list(dups.items())[:1000]),
                "duplicate_contact_count": sum(len(v) - 1 for v in dups.values()),
                "duplicate_customers": dict(list(by_customer.items())[:1000]),
                "overwrites": sum(fields.values()), "overwrites_by_field": fields,
                "protect_owned_fields": self.protect, "dialect": self.options.dialect}
