"""The example connector's CRM side: one adapter per CRM API (``CONNECTOR_CRM_DIALECT``).

Each adapter pushes the contacts it is given (the fields Magento owns: email, names, phone,
customer id; the CRM's own consent, segment and score only under the ``overwrite_crm_fields``
mistake) and says per customer whether the push is done, worth retrying, or refused::

    peakready   PUT  {CRM}/api/contacts/{email}                           one call a customer
    salesforce  POST {CRM}/services/oauth2/token (client credentials), then
                PATCH .../composite/sobjects/Contact/Magento_Customer_Id__c  200 a call
    hubspot     POST {CRM}/crm/v3/objects/contacts/batch/upsert (idProperty email), 100 a call

What each API says when it is overloaded differs, and is exactly what a connector gets wrong:
Salesforce answers 403 ``REQUEST_LIMIT_EXCEEDED`` (not a permission problem: retry later),
HubSpot 429 with ``X-HubSpot-RateLimit-*`` headers; an expired Salesforce session is 401
``INVALID_SESSION_ID`` (log in again). The ``crm_limit_is_final`` mistake
(``CONNECTOR_MISTAKES``, mistakes.py) reads the overload answer as a refusal and drops the
change.

Credentials default to the CRM mock's documented ones (docs/dialects.md) and can be set with
``CONNECTOR_CRM_CLIENT_ID`` / ``CONNECTOR_CRM_CLIENT_SECRET`` (Salesforce) and
``CONNECTOR_CRM_TOKEN`` (HubSpot private-app token). Standard library only.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

__all__ = ["ADAPTERS", "DONE", "REFUSED", "RETRY", "CrmAdapter", "make_adapter"]

DONE, RETRY, REFUSED = "done", "retry", "refused"
TIMEOUT = 3.0
SF_VERSION = "59.0"
SF_EXTERNAL_ID = "Magento_Customer_Id__c"
# Optional fields by the names each vendor's API gives them.
SF_FIELDS = {"phone": "Phone", "marketing_consent": "Marketing_Consent__c",
             "segment": "Segment__c", "lead_score": "Lead_Score__c"}
HUBSPOT_PROPERTIES = {"firstname": "firstname", "lastname": "lastname", "phone": "phone",
                      "magento_customer_id": "magento_customer_id",
                      "marketing_consent": "marketing_consent", "segment": "segment",
                      "lead_score": "hubspotscore"}


def request(method: str, url: str, *, body: Any = None, form: Mapping[str, str] | None = None,
            headers: Mapping[str, str] | None = None) -> tuple[int, Any, dict[str, str]]:
    """One HTTP call: (status, decoded JSON body or text, headers); status 0 when the
    connection failed or timed out."""
    sent = dict(headers or {})
    data = None
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    call = urllib.request.Request(url, data=data, method=method,
                                  headers={"Accept": "application/json", **sent})
    try:
        with urllib.request.urlopen(call, timeout=TIMEOUT) as response:
            raw = response.read()
            status, reply_headers = response.status, dict(response.headers)
    except urllib.error.HTTPError as exc:
        raw, status, reply_headers = exc.read(), exc.code, dict(exc.headers)
    except (OSError, ValueError) as exc:      # refused, reset, timed out
        return 0, str(exc), {}
    try:
        return status, json.loads(raw) if raw else None, reply_headers
    except ValueError:
        return status, raw[:200].decode(errors="replace"), reply_headers


def _transient(status: int) -> bool:
    return status == 0 or status in (408, 425, 429) or status >= 500


class CrmAdapter:
    """Push customers (dicts of Magento's fields) → {email: DONE | RETRY | REFUSED}."""

    name = ""
    batch = 1

    def __init__(self, base_url: str, mistakes: set[str], log: Any = print) -> None:
        self.base = base_url.rstrip("/")
        self.mistakes = mistakes
        self.log = log

    def push(self, customers: list[dict[str, Any]]) -> dict[str, str]:
        raise NotImplementedError

    def limit_outcome(self) -> str:
        """What an "over your limit" answer means: retry later (or, the mistake, give up)."""
        return REFUSED if "crm_limit_is_final" in self.mistakes else RETRY


class PeakreadyCrm(CrmAdapter):
    name = "peakready"

    def push(self, customers: list[dict[str, Any]]) -> dict[str, str]:
        out: dict[str, str] = {}
        for customer in customers:
            email = customer["email"]
            status, body, _ = request(
                "PUT", f"{self.base}/api/contacts/{urllib.parse.quote(email, safe='@')}",
                body=customer)
            if 200 <= status < 300:
                out[email] = DONE
            elif status == 429:
                out[email] = self.limit_outcome()
            elif _transient(status):
                out[email] = RETRY
            else:
                self.log("CRM refused", email, status, body)
                out[email] = REFUSED
            if out[email] == RETRY:
                break                     # the CRM is struggling: the rest waits a cycle
        return out


class SalesforceCrm(CrmAdapter):
    name = "salesforce"
    batch = 200

    def __init__(self, base_url: str, mistakes: set[str], log: Any = print) -> None:
        super().__init__(base_url, mistakes, log)
        self.client_id = os.environ.get("CONNECTOR_CRM_CLIENT_ID", "peakready")
        self.client_secret = os.environ.get("CONNECTOR_CRM_CLIENT_SECRET", "peakready")
        self.token: str | None = None
        self.instance = self.base

    def login(self) -> bool:
        status, body, _ = request("POST", f"{self.base}/services/oauth2/token", form={
            "grant_type": "client_credentials", "client_id": self.client_id,
            "client_secret": self.client_secret})
        if status != 200 or not isinstance(body, dict):
            self.log("Salesforce login failed:", status, body)
            return False
        self.token = str(body["access_token"])
        self.instance = str(body.get("instance_url") or self.base).rstrip("/")
        return True

    def push(self, customers: list[dict[str, Any]]) -> dict[str, str]:
        if self.token is None and not self.login():
            return {c["email"]: RETRY for c in customers}
        records = [{"attributes": {"type": "Contact"},
                    SF_EXTERNAL_ID: str(c["magento_customer_id"]), "Email": c["email"],
                    "FirstName": c.get("firstname"), "LastName": c.get("lastname") or "-",
                    **{SF_FIELDS[k]: v for k, v in c.items() if k in SF_FIELDS}}
                   for c in customers]
        url = f"{self.instance}/services/data/v{SF_VERSION}/composite/sobjects/Contact/" \
              f"{SF_EXTERNAL_ID}"
        status, body, _ = request("PATCH", url, body={"allOrNone": False, "records": records},
                                  headers={"Authorization": f"Bearer {self.token}"})
        codes = [e.get("errorCode") for e in body if isinstance(e, dict)] \
            if isinstance(body, list) and status != 200 else []
        if status == 401:                 # INVALID_SESSION_ID: the session ended
            self.token = None
            return {c["email"]: RETRY for c in customers}
        if status == 403 and "REQUEST_LIMIT_EXCEEDED" in codes:
            return {c["email"]: self.limit_outcome() for c in customers}
        if status != 200 or not isinstance(body, list):
            outcome = RETRY if _transient(status) else REFUSED
            if outcome == REFUSED:
                self.log("Salesforce refused the batch:", status, body)
            return {c["email"]: outcome for c in customers}
        out = {}
        for customer, result in zip(customers, body, strict=False):
            if result.get("success"):
                out[customer["email"]] = DONE
                continue
            errors = [e.get("statusCode") for e in result.get("errors") or []]
            out[customer["email"]] = RETRY if "UNABLE_TO_LOCK_ROW" in errors else REFUSED
            if out[customer["email"]] == REFUSED:
                self.log("Salesforce refused", customer["email"], result.get("errors"))
        return out


class HubSpotCrm(CrmAdapter):
    name = "hubspot"
    batch = 100

    def __init__(self, base_url: str, mistakes: set[str], log: Any = print) -> None:
        super().__init__(base_url, mistakes, log)
        self.token = os.environ.get("CONNECTOR_CRM_TOKEN", "pat-na1-peakready")

    def push(self, customers: list[dict[str, Any]]) -> dict[str, str]:
        inputs = [{"idProperty": "email", "id": c["email"], "properties": {
            HUBSPOT_PROPERTIES[k]: str(v).lower() if isinstance(v, bool) else str(v)
            for k, v in c.items() if k in HUBSPOT_PROPERTIES and v is not None}}
            for c in customers]
        status, body, headers = request(
            "POST", f"{self.base}/crm/v3/objects/contacts/batch/upsert",
            body={"inputs": inputs}, headers={"Authorization": f"Bearer {self.token}"})
        if status == 429:
            self.log("HubSpot rate limit:", (body or {}).get("policyName") if isinstance(
                body, dict) else body, "remaining",
                headers.get("X-HubSpot-RateLimit-Remaining"))
            return {c["email"]: self.limit_outcome() for c in customers}
        if status not in (200, 207) or not isinstance(body, dict):
            outcome = RETRY if _transient(status) else REFUSED
            if outcome == REFUSED:
                self.log("HubSpot refused the batch:", status, body)
            return {c["email"]: outcome for c in customers}
        out = {str(r["properties"]["email"]): DONE for r in body.get("results", [])}
        for error in body.get("errors", []):
            for email in (error.get("context") or {}).get("ids", []):
                self.log("HubSpot refused", email, error.get("message"))
                out[str(email).lower()] = REFUSED
        return {c["email"]: out.get(c["email"], RETRY) for c in customers}


ADAPTERS: dict[str, type[CrmAdapter]] = {
    a.name: a for a in (PeakreadyCrm, SalesforceCrm, HubSpotCrm)}


def make_adapter(base_url: str, dialect: str, mistakes: set[str],
                 log: Any = print) -> CrmAdapter:
    """The adapter for ``dialect``; an unknown name is a SystemExit naming the known ones."""
    adapter = ADAPTERS.get(dialect)
    if adapter is None:
        raise SystemExit(f"CONNECTOR_CRM_DIALECT={dialect!r} is unknown; known: "
                         f"{', '.join(ADAPTERS)}")
    return adapter(base_url, mistakes, log)
