"""Dialect ``salesforce``: the Salesforce REST API's Contact calls (docs/dialects.md).

::

    POST  /services/oauth2/token                                 client_credentials | password
    GET   /services/data/v{v}/limits                             DailyApiRequests
    PATCH /services/data/v{v}/sobjects/Contact/{ExtIdField}/{id} upsert: 201 created, 204
                                                                 updated, 300 several match
    GET   /services/data/v{v}/sobjects/Contact/{ExtIdField}/{id} read by external id
    POST  /services/data/v{v}/sobjects/Contact                   create (duplicates allowed)
    GET   /services/data/v{v}/sobjects/Contact/{Id}              read
    PATCH /services/data/v{v}/sobjects/Contact/{Id}              update: 204
    GET   /services/data/v{v}/query?q=SELECT ...                 SOQL, nextRecordsUrl paging
    GET   /services/data/v{v}/query/{locator}                    the next batch
    PATCH /services/data/v{v}/composite/sobjects/Contact/{Ext}   collection upsert (200 array)
    POST  /services/data/v{v}/composite                          compositeRequest

Every answer carries ``Sforce-Limit-Info: api-usage=N/LIMIT``; past the daily allocation every
call is 403 ``REQUEST_LIMIT_EXCEEDED``, and so is every call the ``api_limit`` fault marks. The
``session_expiry`` fault ends every session issued before it fired (401 ``INVALID_SESSION_ID``);
a new token from ``/services/oauth2/token`` works. Errors are JSON arrays of ``{message, errorCode,
fields}``. Contact fields: ``FirstName``, ``LastName`` (required on create), ``Email``,
``Phone``, the external id ``Magento_Customer_Id__c`` (Magento's customer id) and the CRM's
own ``Marketing_Consent__c``, ``Segment__c``, ``Lead_Score__c``.
"""

from __future__ import annotations

import base64
import itertools
import re
import secrets
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from . import _crm_soql as soql
from ._crm_dialect import Call, Dialect, Reply, Route, VendorError
from ._crm_store import ContactStore, CrmOptions

__all__ = ["DEFAULTS", "Salesforce"]

#: Default credentials and limits (``dialect_options`` overrides each; docs/dialects.md).
DEFAULTS: dict[str, Any] = {
    "client_id": "peakready", "client_secret": "peakready",
    "username": "admin@peakready.test", "password": "peakready",
    # A session id accepted without a token call (standalone use, curl).
    "session_id": "00DPEAKREADY0000!peakready",
    "external_id_field": "Magento_Customer_Id__c",
    "daily_api_requests": 5_000_000,
}
FIELDS = {"FirstName": "firstname", "LastName": "lastname", "Email": "email", "Phone": "phone",
          "Magento_Customer_Id__c": "magento_customer_id",
          "Marketing_Consent__c": "marketing_consent", "Segment__c": "segment",
          "Lead_Score__c": "lead_score"}
CANONICAL = {v: k for k, v in FIELDS.items()}
_PREFIX = "/services/data/v{version}"
_BATCH = 2000
def error(status: int, code: str, message: str, fields: list[str] | None = None
          ) -> VendorError:
    item: dict[str, Any] = {"message": message, "errorCode": code}
    if fields is not None:
        item["fields"] = fields
    return VendorError(status, [item])


def _stamp(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


class Salesforce(Dialect):
    name = "salesforce"

    def __init__(self, store: ContactStore, options: CrmOptions) -> None:
        super().__init__(store, options)
        unknown = set(options.dialect_options) - set(DEFAULTS)
        if unknown:
            raise ValueError(f"salesforce dialect_options: unknown {sorted(unknown)}; "
                             f"known: {sorted(DEFAULTS)}")
        self.cfg = {**DEFAULTS, **options.dialect_options}
        self.ext_field = str(self.cfg["external_id_field"])
        # token → when it was issued (the fixed session id: long ago)
        self.tokens: dict[str, float] = {str(self.cfg["session_id"]): 0.0}
        self.used = 0
        self.expired_before = 0.0
        self.expiries: set[str] = set()
        self.queries: dict[str, list[dict[str, Any]]] = {}
        self._locators = itertools.count(1)
        self._upsert_route = Route("PATCH", "", self.upsert, "upsert")
        store.kit.on_reset(self._reset)

    def _reset(self) -> None:
        self.used = 0
        self.expired_before = 0.0
        self.expiries.clear()
        self.queries.clear()

    # -- the vendor's frame ------------------------------------------------------------------
    def routes(self) -> list[Route]:
        p = _PREFIX
        return [
            Route("POST", "/services/oauth2/token", self.token, "OAuth2 token", auth=False,
                  json=False),
            Route("GET", p + "/limits", self.limits, "Org limits"),
            Route("PATCH", p + "/sobjects/Contact/{field}/{value}", self.upsert,
                  "Upsert a Contact by external id"),
            Route("GET", p + "/sobjects/Contact/{field}/{value}", self.read_by_external,
                  "Read a Contact by external id"),
            Route("POST", p + "/sobjects/Contact", self.create, "Create a Contact"),
            Route("GET", p + "/sobjects/Contact/{id}", self.read, "Read a Contact"),
            Route("PATCH", p + "/sobjects/Contact/{id}", self.update, "Update a Contact"),
            Route("GET", p + "/query", self.query, "SOQL query"),
            Route("GET", p + "/query/{locator}", self.query_more, "Next batch of a query"),
            Route("PATCH", p + "/composite/sobjects/Contact/{field}", self.collection_upsert,
                  "Upsert up to 200 Contacts"),
            Route("POST", p + "/composite", self.composite, "Composite request"),
        ]

    def authorize(self, call: Call) -> None:
        header = call.headers.get("authorization", "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else ""
        expiry = call.marks.get("session_expiry")
        if expiry is not None and expiry[1] not in self.expiries:
            # Sessions issued before the fault first fired are over; new logins work.
            self.expiries.add(expiry[1])
            self.expired_before = time.time()
        if token not in self.tokens or self.tokens[token] < self.expired_before:
            raise error(401, "INVALID_SESSION_ID", "Session expired or invalid")
        self.used += 1
        if "api_limit" in call.marks or self.used > int(self.cfg["daily_api_requests"]):
            raise error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")

    def invalid(self, errors: list[tuple[str, str]]) -> VendorError:
        return VendorError(400, [{"message": f"{CANONICAL.get(f, f)}: {reason}",
                                  "errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                                  "fields": [CANONICAL.get(f, f)]} for f, reason in errors])

    def malformed(self, reason: str) -> VendorError:
        return error(400, "JSON_PARSER_ERROR", reason)

    def headers(self, reply: Reply) -> dict[str, str]:
        return {"Sforce-Limit-Info":
                f"api-usage={self.used}/{int(self.cfg['daily_api_requests'])}"}

    # -- mapping -----------------------------------------------------------------------------
    def record_id(self, contact: dict[str, Any]) -> str:
        return f"003PR{int(contact['contact_id'][2:]):013d}"

    def contact_of(self, record_id: str) -> dict[str, Any] | None:
        if not re.fullmatch(r"003PR\d{13}", record_id):
            return None
        found = self.store.find("contact_id", f"C-{int(record_id[5:]):07d}")
        return found[0] if found else None

    def record(self, call: Call, contact: dict[str, Any]) -> dict[str, Any]:
        rid = self.record_id(contact)
        version = call.path.get("version", "59.0")
        out: dict[str, Any] = {
            "attributes": {"type": "Contact",
                           "url": f"/services/data/v{version}/sobjects/Contact/{rid}"},
            "Id": rid}
        for name, canonical in FIELDS.items():
            value = contact.get(canonical)
            out[name] = str(value) if canonical == "magento_customer_id" and \
                value is not None else value
        out["CreatedDate"] = _stamp(contact["created_at"])
        out["LastModifiedDate"] = _stamp(contact["updated_at"])
        return out

    def fields_of(self, body: Any) -> dict[str, Any]:
        """A Contact body in canonical fields; an unknown field is INVALID_FIELD."""
        if not isinstance(body, dict):
            raise error(400, "JSON_PARSER_ERROR", "Expected a JSON object for the Contact")
        out: dict[str, Any] = {}
        for name, value in body.items():
            if name == "attributes":
                continue
            if name == "Id":
                raise error(400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                            "Unable to create/update fields: Id. Please check the security "
                            "settings of this field and verify that it is read/write for your "
                            "profile or permission set.", ["Id"])
            if name not in FIELDS:
                raise error(400, "INVALID_FIELD",
                            f"No such column '{name}' on sobject of type Contact")
            canonical = FIELDS[name]
            if canonical == "magento_customer_id" and isinstance(value, str) and \
                    value.isdigit():
                value = int(value)
            out[canonical] = value
        return out

    def _external(self, call: Call) -> str:
        field = call.path["field"]
        if field.lower() != self.ext_field.lower():
            raise error(404, "NOT_FOUND", "The requested resource does not exist")
        return FIELDS.get(self.ext_field, "email")

    # -- handlers ----------------------------------------------------------------------------
    def token(self, call: Call) -> Reply:
        form = {k: v[0] for k, v in parse_qs(call.raw.decode(errors="replace")).items()}
        header = call.headers.get("authorization", "")
        if header[:6].lower() == "basic ":
            try:
                client_id, _, client_secret = base64.b64decode(header[6:]).decode().partition(
                    ":")
            except ValueError:
                client_id = client_secret = ""
        else:
            client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
        grant = form.get("grant_type")
        if grant not in ("client_credentials", "password"):
            return Reply(400, {"error": "unsupported_grant_type",
                               "error_description": "grant type not supported"})
        if (client_id, client_secret) != (self.cfg["client_id"], self.cfg["client_secret"]):
            return Reply(400, {"error": "invalid_client",
                               "error_description": "invalid client credentials"})
        if grant == "password" and (form.get("username"), form.get("password")) != \
                (self.cfg["username"], self.cfg["password"]):
            return Reply(400, {"error": "invalid_grant",
                               "error_description": "authentication failure"})
        now = time.time()
        issued = int(now * 1000)
        token = f"00DPEAKREADY0000!{secrets.token_hex(16)}"
        self.tokens[token] = now
        return Reply(200, {"access_token": token, "instance_url": call.base_url,
                           "id": f"{call.base_url}/id/00DPEAKREADY0000/005PEAKREADY0001",
                           "token_type": "Bearer", "issued_at": str(issued),
                           "signature": secrets.token_urlsafe(32), "scope": "api"})

    def limits(self, call: Call) -> Reply:
        limit = int(self.cfg["daily_api_requests"])
        return Reply(200, {"DailyApiRequests": {"Max": limit,
                                                "Remaining": max(0, limit - self.used)}})

    def upsert(self, call: Call) -> Reply:
        key = self._external(call)
        value = call.path["value"]
        fields = self.fields_of(call.body)
        sent = fields.pop(key, None)
        if sent is not None and str(sent).lower() != value.lower():
            raise error(400, "INVALID_FIELD", f"The value of {self.ext_field} in the body "
                        f"does not match the URL", [self.ext_field])
        found = self.store.find(key, value)  # type: ignore[arg-type]
        if len(found) > 1:
            version = call.path["version"]
            return Reply(300, [f"/services/data/v{version}/sobjects/Contact/"
                               f"{self.record_id(c)}" for c in found])
        if found:
            self.store.push(found[0], fields, call.request_id)
            return Reply(204)
        if not fields.get("lastname"):
            raise error(400, "REQUIRED_FIELD_MISSING", "Required fields are missing: "
                        "[LastName]", ["LastName"])
        contact, _ = self.store.upsert(key, value, fields, call.request_id)  # type: ignore
        return Reply(201, {"id": self.record_id(contact), "success": True, "errors": [],
                           "created": True})

    def read_by_external(self, call: Call) -> Reply:
        key = self._external(call)
        found = self.store.find(key, call.path["value"])  # type: ignore[arg-type]
        if not found:
            raise error(404, "NOT_FOUND", "The requested resource does not exist")
        if len(found) > 1:
            return Reply(300, [self.record(call, c)["attributes"]["url"] for c in found])
        return Reply(200, self.record(call, found[0]))

    def create(self, call: Call) -> Reply:
        fields = self.fields_of(call.body)
        if not fields.get("lastname"):
            raise error(400, "REQUIRED_FIELD_MISSING", "Required fields are missing: "
                        "[LastName]", ["LastName"])
        contact = self.store.create(fields, call.request_id)
        return Reply(201, {"id": self.record_id(contact), "success": True, "errors": []})

    def read(self, call: Call) -> Reply:
        contact = self.contact_of(call.path["id"])
        if contact is None:
            raise error(404, "NOT_FOUND", "The requested resource does not exist")
        record = self.record(call, contact)
        wanted = call.query.get("fields")
        if wanted:
            names = {"attributes", *(f.strip() for f in wanted.split(","))}
            record = {k: v for k, v in record.items() if k in names}
        return Reply(200, record)

    def update(self, call: Call) -> Reply:
        contact = self.contact_of(call.path["id"])
        if contact is None:
            raise error(404, "NOT_FOUND", "The requested resource does not exist")
        self.store.push(contact, self.fields_of(call.body), call.request_id)
        return Reply(204)

    # -- SOQL --------------------------------------------------------------------------------
    def query(self, call: Call) -> Reply:
        known = {"Id", "CreatedDate", "LastModifiedDate", *FIELDS}
        try:
            select = soql.parse(call.query.get("q", ""), "Contact", known)
        except soql.SoqlError as exc:
            raise error(400, exc.code, str(exc)) from None
        records = [r for r in (self.record(call, c) for c in self.store.contacts.values())
                   if select.matches(r)][:select.limit]
        records = [{k: v for k, v in r.items() if k == "attributes" or k in select.fields}
                   for r in records]
        size = re.search(r"batchSize=(\d+)", call.headers.get("sforce-query-options", ""))
        batch = min(_BATCH, max(200, int(size.group(1)))) if size else _BATCH
        return self._page(call, records, 0, batch)

    def _page(self, call: Call, records: list[dict[str, Any]], start: int,
              batch: int) -> Reply:
        end = start + batch
        body: dict[str, Any] = {"totalSize": len(records), "done": end >= len(records),
                                "records": records[start:end]}
        if end < len(records):
            locator = f"01gPR{next(self._locators):013d}"
            self.queries[locator] = records
            while len(self.queries) > 100:   # bounded: old cursors expire, as real ones do
                self.queries.pop(next(iter(self.queries)))
            body["nextRecordsUrl"] = f"/services/data/v{call.path['version']}/query/" \
                                     f"{locator}-{end}"
        return Reply(200, body)

    def query_more(self, call: Call) -> Reply:
        locator, _, start = call.path["locator"].partition("-")
        records = self.queries.get(locator)
        if records is None or not start.isdigit():
            raise error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return self._page(call, records, int(start), _BATCH)

    # -- collections and composite -----------------------------------------------------------
    def collection_upsert(self, call: Call) -> Reply:
        self._external(call)
        body = call.body if isinstance(call.body, dict) else {}
        records = body.get("records")
        if not isinstance(records, list) or not 1 <= len(records) <= 200:
            raise error(400, "INVALID_BATCH_SIZE" if isinstance(records, list)
                        else "JSON_PARSER_ERROR", "records: 1 to 200 records are required")
        results = []
        for record in records:
            sub = Call("PATCH", {**call.path, "value": str((record or {}).get(
                call.path["field"], ""))}, {}, record, call.headers, call.request_id,
                call.base_url)
            reply = self.dispatch(self._upsert_route, sub, authorize=False) \
                if sub.path["value"] else None
            if reply is None:
                results.append({"success": False, "errors": [{
                    "statusCode": "MISSING_ARGUMENT", "message": f"{self.ext_field} not "
                    f"specified", "fields": [self.ext_field]}]})
            elif reply.status == 201:
                results.append(reply.body)
            elif reply.status == 204:
                found = self.store.find(self._external(call), sub.path["value"])  # type: ignore
                results.append({"id": self.record_id(found[0]), "success": True,
                                "errors": [], "created": False})
            else:
                items = reply.body if isinstance(reply.body, list) else []
                results.append({"success": False, "errors": [
                    {"statusCode": e.get("errorCode"), "message": e.get("message"),
                     "fields": e.get("fields", [])} for e in items if isinstance(e, dict)]})
        return Reply(200, results)

    def composite(self, call: Call) -> Reply:
        body = call.body if isinstance(call.body, dict) else {}
        subrequests = body.get("compositeRequest")
        if not isinstance(subrequests, list) or not 1 <= len(subrequests) <= 25:
            raise error(400, "INVALID_BATCH_SIZE", "compositeRequest: 1 to 25 subrequests")
        out = []
        for sub in subrequests:
            sub = sub if isinstance(sub, dict) else {}
            url = str(sub.get("url", ""))
            path, _, query = url.partition("?")
            found = self.resolve(str(sub.get("method", "GET")), path)
            if found is None or found[0].handler == self.composite:
                reply = error(404, "NOT_FOUND", f"The requested resource does not exist: "
                              f"{url}").reply
            else:
                route, params = found
                inner = Call(route.method, params,
                             {k: v[0] for k, v in parse_qs(query).items()}, sub.get("body"),
                             call.headers, call.request_id, call.base_url)
                reply = self.dispatch(route, inner, authorize=False)
            out.append({"body": reply.body, "httpHeaders": reply.headers,
                        "httpStatusCode": reply.status,
                        "referenceId": sub.get("referenceId")})
        return Reply(200, {"compositeResponse": out})
