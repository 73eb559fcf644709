"""Dialect ``hubspot``: HubSpot's CRM v3 contacts API (docs/dialects.md).

::

    POST  /crm/v3/objects/contacts                      create: 201; 409 CONFLICT if the email
                                                        exists (a contact without email, or
                                                        with a changed one, is a new contact)
    GET   /crm/v3/objects/contacts/{id}?idProperty=     read (by id or by email)
    PATCH /crm/v3/objects/contacts/{id}?idProperty=     update: 200
    GET   /crm/v3/objects/contacts?limit=&after=        page through
    POST  /crm/v3/objects/contacts/batch/upsert         by idProperty email (or a property the
                                                        portal made unique): 200, 207 partial
    POST  /crm/v3/objects/contacts/batch/{create,read,update}
    POST  /crm/v3/objects/contacts/search               filterGroups, after-cursor paging; a
                                                        write is searchable after a delay

Auth is a private-app bearer token (default ``pat-na1-peakready``). Every non-search answer
carries the ``X-HubSpot-RateLimit-*`` headers of the ten-second rolling window and the daily
budget; over the window it is 429 ``TEN_SECONDLY_ROLLING`` (search: about 5 requests a second,
``SECONDLY``), with the 429 body HubSpot sends (``errorType``, ``policyName``, no
``category``); the ``api_limit`` fault answers so too. Other errors carry ``status``,
``message``, ``correlationId``, ``category``. Property values are strings, as HubSpot returns
them.
"""

from __future__ import annotations

import collections
import time
from datetime import UTC, datetime
from typing import Any

from ._crm_dialect import Call, Dialect, Reply, Route, VendorError, correlation_id
from ._crm_store import ContactStore, CrmOptions, normal_email

__all__ = ["DEFAULTS", "HubSpot"]

DEFAULTS: dict[str, Any] = {
    "access_token": "pat-na1-peakready",
    "ten_secondly_limit": 190,            # Professional / Enterprise, per app
    "daily_limit": 1_000_000,
    "search_per_second": 5,
    "search_index_delay": 2.0,            # seconds before a write shows in search
    # Properties with unique values (email always): each can be an upsert's idProperty, and
    # a create or update that repeats a value is a 409 CONFLICT. A portal may mark its own
    # custom property unique, e.g. [magento_customer_id].
    "unique_properties": [],
}
PROPERTIES = {"email": "email", "firstname": "firstname", "lastname": "lastname",
              "phone": "phone", "magento_customer_id": "magento_customer_id",
              "marketing_consent": "marketing_consent", "segment": "segment",
              "hubspotscore": "lead_score"}
_READ_ONLY = ("hs_object_id", "createdate", "lastmodifieddate")
_BASE = "/crm/v3/objects/contacts"
_WINDOW_S = 10.0


def error(status: int, category: str, message: str, **extra: Any) -> VendorError:
    return VendorError(status, {"status": "error", "message": message,
                                "correlationId": correlation_id(), "category": category,
                                **extra})


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{int(ts * 1000) % 1000:03d}Z"


class HubSpot(Dialect):
    name = "hubspot"

    def __init__(self, store: ContactStore, options: CrmOptions) -> None:
        super().__init__(store, options)
        unknown = set(options.dialect_options) - set(DEFAULTS)
        if unknown:
            raise ValueError(f"hubspot dialect_options: unknown {sorted(unknown)}; "
                             f"known: {sorted(DEFAULTS)}")
        self.cfg = {**DEFAULTS, **options.dialect_options}
        self.unique = ["email", *(p for p in self.cfg["unique_properties"] if p != "email")]
        for name in self.unique:
            if PROPERTIES.get(name) not in ("email", "magento_customer_id"):
                raise ValueError(f"hubspot unique_properties: {name!r} cannot be unique; "
                                 f"use magento_customer_id")
        self.window: collections.deque[float] = collections.deque()
        self.searches: collections.deque[float] = collections.deque()
        self.daily = 0
        store.kit.on_reset(self._reset)

    def _reset(self) -> None:
        self.window.clear()
        self.searches.clear()
        self.daily = 0

    # -- the vendor's frame ------------------------------------------------------------------
    def routes(self) -> list[Route]:
        b = _BASE
        return [
            Route("POST", b + "/batch/upsert", self.batch_upsert, "Batch upsert contacts"),
            Route("POST", b + "/batch/create", self.batch_create, "Batch create contacts"),
            Route("POST", b + "/batch/read", self.batch_read, "Batch read contacts"),
            Route("POST", b + "/batch/update", self.batch_update, "Batch update contacts"),
            Route("POST", b + "/search", self.search, "Search contacts"),
            Route("POST", b, self.create, "Create a contact"),
            Route("GET", b, self.page, "List contacts"),
            Route("GET", b + "/{contact_id}", self.read, "Read a contact"),
            Route("PATCH", b + "/{contact_id}", self.update, "Update a contact"),
        ]

    def authorize(self, call: Call) -> None:
        header = call.headers.get("authorization", "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else ""
        if token != self.cfg["access_token"]:
            raise error(401, "INVALID_AUTHENTICATION", "Authentication credentials not found. "
                        "This API supports OAuth 2.0 authentication and you can find more "
                        "details at https://developers.hubspot.com/docs/methods/auth/oauth-"
                        "overview")
        now = time.monotonic()
        while self.window and now - self.window[0] >= _WINDOW_S:
            self.window.popleft()
        if "api_limit" in call.marks:
            # The fault: another app of the same portal burnt the window's budget.
            raise self.rate_limited("TEN_SECONDLY_ROLLING",
                                    "You have reached your ten_secondly_rolling limit.",
                                    remaining=0)
        if len(self.window) >= int(self.cfg["ten_secondly_limit"]):
            raise self.rate_limited("TEN_SECONDLY_ROLLING",
                                    "You have reached your ten_secondly_rolling limit.")
        if self.daily >= int(self.cfg["daily_limit"]):
            raise self.rate_limited("DAILY", "You have reached your daily limit.")
        self.window.append(now)
        self.daily += 1

    def rate_limited(self, policy: str, message: str,
                     remaining: int | None = None) -> VendorError:
        headers = {} if remaining is None else {"X-HubSpot-RateLimit-Remaining": str(remaining)}
        return VendorError(429, {"status": "error", "message": message,
                                 "errorType": "RATE_LIMIT", "correlationId": correlation_id(),
                                 "policyName": policy, "requestId": correlation_id()}, headers)

    def headers(self, reply: Reply) -> dict[str, str]:
        limit = int(self.cfg["ten_secondly_limit"])
        daily = int(self.cfg["daily_limit"])
        return {"X-HubSpot-RateLimit-Daily": str(daily),
                "X-HubSpot-RateLimit-Daily-Remaining": str(max(0, daily - self.daily)),
                "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(_WINDOW_S * 1000)),
                "X-HubSpot-RateLimit-Max": str(limit),
                "X-HubSpot-RateLimit-Remaining": str(max(0, limit - len(self.window)))}

    def invalid(self, errors: list[tuple[str, str]]) -> VendorError:
        return error(400, "VALIDATION_ERROR", "Property values were not valid: " +
                     "; ".join(f"{f}: {r}" for f, r in errors),
                     errors=[{"message": f"{r}", "code": "INVALID_PROPERTY_VALUE",
                              "context": {"propertyName": [f]}} for f, r in errors])

    def malformed(self, reason: str) -> VendorError:
        return error(400, "VALIDATION_ERROR", f"Invalid input JSON: {reason}")

    # -- mapping -----------------------------------------------------------------------------
    def object_id(self, contact: dict[str, Any]) -> str:
        return str(int(contact["contact_id"][2:]))

    def public(self, contact: dict[str, Any], wanted: list[str] | None = None,
               **extra: Any) -> dict[str, Any]:
        props: dict[str, Any] = {}
        for name, canonical in PROPERTIES.items():
            value = contact.get(canonical)
            props[name] = None if value is None else (
                str(value).lower() if isinstance(value, bool) else str(value))
        created, updated = _iso(contact["created_at"]), _iso(contact["updated_at"])
        object_id = self.object_id(contact)
        props.update(hs_object_id=object_id, createdate=created, lastmodifieddate=updated)
        if wanted is not None:
            keep = {*wanted, "hs_object_id", "createdate", "lastmodifieddate"}
            props = {k: v for k, v in props.items() if k in keep}
        return {"id": object_id, "properties": props, "createdAt": created,
                "updatedAt": updated, "archived": False, **extra}

    def fields_of(self, properties: Any) -> dict[str, Any]:
        if not isinstance(properties, dict):
            raise error(400, "VALIDATION_ERROR", "properties: must be an object")
        unknown = [k for k in properties if k not in PROPERTIES and k not in _READ_ONLY]
        if unknown:
            raise error(400, "VALIDATION_ERROR", "Property values were not valid",
                        errors=[{"message": f'Property "{k}" does not exist',
                                 "code": "PROPERTY_DOESNT_EXIST",
                                 "context": {"propertyName": [k]}} for k in unknown])
        out: dict[str, Any] = {}
        for name, value in properties.items():
            if name in _READ_ONLY:
                continue
            canonical = PROPERTIES[name]
            if value in (None, ""):
                out[canonical] = None
            elif canonical in ("magento_customer_id", "lead_score"):
                try:
                    out[canonical] = int(str(value))
                except ValueError:
                    out[canonical] = value   # the store refuses it, naming the field
            elif canonical == "marketing_consent":
                out[canonical] = str(value).lower() == "true"
            else:
                out[canonical] = str(value)
        return out

    def _wanted(self, call: Call) -> list[str] | None:
        raw = call.query.get("properties")
        return [p.strip() for p in raw.split(",")] if raw else None

    def _lookup(self, value: str, id_property: str | None) -> dict[str, Any] | None:
        if id_property in (None, "", "hs_object_id"):
            if not value.isdigit():
                return None
            found = self.store.find("contact_id", f"C-{int(value):07d}")
        elif id_property in self.unique:
            found = self.store.find(PROPERTIES[id_property], value)  # type: ignore[arg-type]
        else:
            raise error(400, "VALIDATION_ERROR", f"idProperty {id_property!r} is not a "
                        f"unique property; use {', '.join(self.unique)} or hs_object_id")
        return found[0] if found else None

    def _conflict(self, fields: dict[str, Any], contact: dict[str, Any] | None = None) -> None:
        """409 when ``fields`` repeat a unique property's value another contact has."""
        for name in self.unique:
            key = PROPERTIES[name]
            if fields.get(key) is None:
                continue
            other = [c for c in self.store.find(key, fields[key])  # type: ignore[arg-type]
                     if c is not contact]
            if other:
                existing = self.object_id(other[0])
                message = "Contact already exists. Existing ID: " if name == "email" else \
                    f"A contact with the unique {name} value already exists. Existing ID: "
                raise error(409, "CONFLICT", message + existing)

    def _not_found(self, value: str) -> VendorError:
        return error(404, "OBJECT_NOT_FOUND", f"Object not found.  objectId are usually "
                     f"numeric. {value}")

    # -- single-object calls -----------------------------------------------------------------
    def create(self, call: Call) -> Reply:
        body = call.body if isinstance(call.body, dict) else {}
        fields = self.fields_of(body.get("properties", {}))
        self._conflict(fields)
        contact = self.store.create(fields, call.request_id)
        return Reply(201, self.public(contact))

    def read(self, call: Call) -> Reply:
        contact = self._lookup(call.path["contact_id"], call.query.get("idProperty"))
        if contact is None:
            raise self._not_found(call.path["contact_id"])
        return Reply(200, self.public(contact, self._wanted(call)))

    def update(self, call: Call) -> Reply:
        contact = self._lookup(call.path["contact_id"], call.query.get("idProperty"))
        if contact is None:
            raise self._not_found(call.path["contact_id"])
        body = call.body if isinstance(call.body, dict) else {}
        fields = self.fields_of(body.get("properties", {}))
        self._conflict(fields, contact)
        self.store.push(contact, fields, call.request_id)
        return Reply(200, self.public(contact))

    def page(self, call: Call) -> Reply:
        try:
            limit = max(1, min(100, int(call.query.get("limit", "10"))))
            after = int(call.query.get("after", "0") or 0)
        except ValueError:
            raise error(400, "VALIDATION_ERROR", "limit and after must be integers") from None
        rows = [c for c in self.store.contacts.values() if int(self.object_id(c)) > after]
        body: dict[str, Any] = {"results": [self.public(c, self._wanted(call))
                                            for c in rows[:limit]]}
        if len(rows) > limit:
            last = self.object_id(rows[limit - 1])
            body["paging"] = {"next": {"after": last, "link": f"{call.base_url}{_BASE}?"
                                                             f"after={last}"}}
        return Reply(200, body)

    # -- batches -----------------------------------------------------------------------------
    def _inputs(self, call: Call) -> list[Any]:
        body = call.body if isinstance(call.body, dict) else {}
        inputs = body.get("inputs")
        if not isinstance(inputs, list) or not 1 <= len(inputs) <= 100:
            raise error(400, "VALIDATION_ERROR", "inputs: 1 to 100 inputs are required")
        return inputs

    def _batch(self, results: list[dict[str, Any]], errors: list[dict[str, Any]],
               started: float) -> Reply:
        body: dict[str, Any] = {"status": "COMPLETE", "results": results,
                                "startedAt": _iso(started), "completedAt": _iso(time.time())}
        if errors:
            body.update(numErrors=len(errors), errors=errors)
        return Reply(207 if errors else 200, body)

    def _item_error(self, exc: VendorError, ids: list[str]) -> dict[str, Any]:
        body = exc.reply.body if isinstance(exc.reply.body, dict) else {}
        return {"status": "error", "category": body.get("category", "VALIDATION_ERROR"),
                "message": body.get("message", ""), "context": {"ids": ids}}

    def batch_upsert(self, call: Call) -> Reply:
        started = time.time()
        results, errors = [], []
        for item in self._inputs(call):
            item = item if isinstance(item, dict) else {}
            key, value = item.get("idProperty"), str(item.get("id", ""))
            try:
                if key not in self.unique:
                    raise error(400, "VALIDATION_ERROR", f"idProperty {key!r} is not a "
                                f"unique property; use {', '.join(self.unique)}")
                canonical = PROPERTIES[str(key)]
                fields = self.fields_of(item.get("properties", {}))
                found = self.store.find(canonical, value)  # type: ignore[arg-type]
                self._conflict(fields, found[0] if found else None)
                if canonical == "email":
                    key_value: Any = normal_email(value)
                elif value.isdigit():
                    key_value = int(value)
                else:
                    raise error(400, "VALIDATION_ERROR", f"{key}: {value!r} is not a number")
                contact, created = self.store.upsert(canonical, key_value,  # type: ignore
                                                     fields, call.request_id)
                results.append(self.public(contact, new=created))
            except VendorError as exc:
                errors.append(self._item_error(exc, [value]))
            except ValueError as exc:    # InvalidContact: a bad email or field value
                errors.append({"status": "error", "category": "VALIDATION_ERROR",
                               "message": str(exc), "context": {"ids": [value]}})
        return self._batch(results, errors, started)

    def batch_create(self, call: Call) -> Reply:
        started = time.time()
        results, errors = [], []
        for item in self._inputs(call):
            sub = Call("POST", {}, {}, item, call.headers, call.request_id, call.base_url)
            reply = self.dispatch(Route("POST", "", self.create, ""), sub, authorize=False)
            if reply.status == 201:
                results.append(reply.body)
            else:
                errors.append({**reply.body, "context": {"ids": []}})
        return self._batch(results, errors, started)

    def batch_read(self, call: Call) -> Reply:
        started = time.time()
        body = call.body if isinstance(call.body, dict) else {}
        wanted = body.get("properties") if isinstance(body.get("properties"), list) else None
        results, missing = [], []
        for item in self._inputs(call):
            value = str((item or {}).get("id", ""))
            contact = self._lookup(value, body.get("idProperty"))
            if contact is None:
                missing.append(value)
            else:
                results.append(self.public(contact, wanted))
        errors = [{"status": "error", "category": "OBJECT_NOT_FOUND",
                   "message": "Could not get some CONTACT objects, they may be deleted or "
                              "not exist.", "context": {"ids": missing}}] if missing else []
        return self._batch(results, errors, started)

    def batch_update(self, call: Call) -> Reply:
        started = time.time()
        results, errors = [], []
        for item in self._inputs(call):
            item = item if isinstance(item, dict) else {}
            sub = Call("PATCH", {"contact_id": str(item.get("id", ""))},
                       {"idProperty": str(item.get("idProperty") or "")}, item, call.headers,
                       call.request_id, call.base_url)
            reply = self.dispatch(Route("PATCH", "", self.update, ""), sub, authorize=False)
            if reply.status == 200:
                results.append(reply.body)
            else:
                errors.append({**reply.body, "context": {"ids": [sub.path["contact_id"]]}})
        return self._batch(results, errors, started)

    # -- search ------------------------------------------------------------------------------
    def search(self, call: Call) -> Reply:
        now = time.monotonic()
        while self.searches and now - self.searches[0] >= 1.0:
            self.searches.popleft()
        if len(self.searches) >= int(self.cfg["search_per_second"]):
            raise self.rate_limited("SECONDLY", "You have reached your secondly limit.")
        self.searches.append(now)
        body = call.body if isinstance(call.body, dict) else {}
        groups = body.get("filterGroups") or []
        if not isinstance(groups, list) or len(groups) > 5 or \
                sum(len(g.get("filters") or []) for g in groups if isinstance(g, dict)) > 25:
            raise error(400, "VALIDATION_ERROR", "filterGroups: at most 5 groups and 25 "
                        "filters")
        visible_before = time.time() - float(self.cfg["search_index_delay"])
        rows = [c for c in self.store.contacts.values() if c["updated_at"] <= visible_before]
        if groups:
            rows = [c for c in rows if any(self._matches(c, g) for g in groups)]
        try:
            limit = max(1, min(200, int(body.get("limit", 10))))
            after = int(body.get("after") or 0)
        except (TypeError, ValueError):
            raise error(400, "VALIDATION_ERROR", "limit and after must be integers") from None
        wanted = body.get("properties") if isinstance(body.get("properties"), list) else None
        out: dict[str, Any] = {"total": len(rows), "results": [
            self.public(c, wanted) for c in rows[after:after + limit]]}
        if after + limit < len(rows) and after + limit < 10_000:
            out["paging"] = {"next": {"after": str(after + limit)}}
        return Reply(200, out)

    def _matches(self, contact: dict[str, Any], group: Any) -> bool:
        filters = group.get("filters") if isinstance(group, dict) else None
        props = self.public(contact)["properties"]
        for f in filters or []:
            name, op = f.get("propertyName"), f.get("operator", "EQ")
            have = props.get(name)
            value = None if f.get("value") is None else str(f["value"]).lower()
            values = [str(v).lower() for v in f.get("values") or []]
            have_l = None if have is None else str(have).lower()
            ok = {"EQ": have_l == value, "NEQ": have_l != value,
                  "IN": have_l in values, "NOT_IN": have_l not in values,
                  "HAS_PROPERTY": have is not None,
                  "NOT_HAS_PROPERTY": have is None,
                  "CONTAINS_TOKEN": value is not None and have_l is not None and
                  value.strip("*") in have_l}.get(str(op))
            if not ok:
                return False
        return True
