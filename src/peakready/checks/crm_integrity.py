"""crm_integrity: the CRM's own fields stay the CRM's, and Magento's customer changes reach it.

Witnesses: the CRM's ``overwrites`` evidence (a push that changed ``marketing_consent``,
``segment`` or ``lead_score``, the fields the CRM owns; recorded even when the CRM protected
its value, since the integration still tried) and its contacts; Magento's customers.

Every Magento customer created or changed during the run must have a CRM contact with its
email that carries Magento's values of the fields Magento owns (first and last name). The
contact's ``updated_at`` proves nothing: the CRM's own users edit its fields too (the
``crm_edits`` load), which bumps it without any sync. A customer Magento changed less than
``thresholds.sync_grace`` before the export is in flight, listed but not failed.

Duplicates: one Magento customer is one CRM contact. A second contact with a Magento
customer's email (or its Magento customer id) fails: a create retried, or two syncs racing.

Needs: a customer changed in Magento during the run, or a CRM contact the run could overwrite
(neither: not judged).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from peakready.checks._files import parse_time
from peakready.checks._util import examples, few
from peakready.checks.verdict import CHECKS, Verdict

if TYPE_CHECKING:
    from peakready.checks.evidence import RunEvidence
    from peakready.config import Plan

__all__ = ["MAGENTO_OWNED", "crm_integrity"]

#: The contact fields whose values Magento owns (what a customer sync must carry).
MAGENTO_OWNED = ("firstname", "lastname")


@CHECKS.add("crm_integrity")
def crm_integrity(evidence: RunEvidence, plan: Plan) -> Verdict:
    overwrites = [{"email": o.get("email"), "field": o.get("field"),
                   "crm_value": o.get("crm_value"), "pushed_value": o.get("pushed_value"),
                   "applied": o.get("applied"), "at": o.get("ts")}
                  for o in evidence.records("crm/overwrites.jsonl")]
    contacts: dict[str, dict[str, Any]] = {}
    per_email: Counter[str] = Counter()
    per_customer_id: dict[Any, set[str]] = {}
    for record in evidence.records("crm/contacts.jsonl"):
        email = str(record.get("email") or "").lower()
        per_email[email] += 1
        if record.get("magento_customer_id") is not None:
            per_customer_id.setdefault(record["magento_customer_id"], set()).add(
                str(record.get("contact_id")))
        if email and email not in contacts:
            contacts[email] = {k: record.get(k) for k in MAGENTO_OWNED}
    exported = evidence.manifest.exported_at or evidence.end
    since = evidence.test_start - 1.0
    changed = missing_n = 0
    missing: list[dict[str, Any]] = []
    in_flight: list[str] = []
    duplicates: list[dict[str, Any]] = []
    for customer in evidence.records("magento/customers.jsonl"):
        copies = max(per_email[str(customer.get("email") or "").lower()],
                     len(per_customer_id.get(customer.get("id"), ())))
        if copies > 1:
            duplicates.append({"email": customer.get("email"),
                               "magento_customer_id": customer.get("id"), "contacts": copies})
        stamp = max(parse_time(customer.get("updated_at")) or 0.0,
                    parse_time(customer.get("created_at")) or 0.0)
        if stamp < since:
            continue
        changed += 1
        email = str(customer.get("email") or "").lower()
        contact: dict[str, Any] | None = contacts.get(email)
        if contact is not None and all(contact.get(k) == customer.get(k)
                                       for k in MAGENTO_OWNED):
            continue
        if exported - stamp < plan.thresholds.sync_grace:
            in_flight.append(email)
            continue
        missing_n += 1
        missing.append({"email": email, "magento_customer_id": customer.get("id"),
                        "changed_at": customer.get("updated_at"),
                        "in_crm": contact is not None,
                        **({"stale": {k: {"magento": customer.get(k), "crm": contact.get(k)}
                                      for k in MAGENTO_OWNED
                                      if contact.get(k) != customer.get(k)}}
                           if contact is not None else {})})
    if not changed and not contacts:
        return Verdict.not_judged("crm_integrity", "no customer changed in Magento during the "
                                  "run and no contact in the CRM", customers_changed=0,
                                  contacts=0)
    applied = sum(1 for o in overwrites if o["applied"])
    by_field: dict[str, int] = {}
    for o in overwrites:
        by_field[str(o["field"])] = by_field.get(str(o["field"]), 0) + 1
    figures = {"overwrites": len(overwrites), "overwrites_applied": applied,
               "overwrites_by_field": by_field,
               "contacts_overwritten": len({o["email"] for o in overwrites}),
               "customers_changed": changed, "not_in_crm": missing_n,
               "in_flight": len(in_flight), "contacts": len(contacts),
               "customers_duplicated": len(duplicates)}
    problems = []
    if overwrites:
        problems.append(f"{len(overwrites)} CRM-owned values overwritten by pushes "
                        f"({', '.join(f'{f} {n}' for f, n in sorted(by_field.items()))}; "
                        f"{applied} applied) on {figures['contacts_overwritten']} contacts")
    if missing:
        problems.append(f"{missing_n} of {changed} customers changed in Magento never reached "
                        f"the CRM (its contact lacks Magento's {'/'.join(MAGENTO_OWNED)}): "
                        f"{few([m['email'] for m in missing])}")
    if duplicates:
        problems.append(f"{len(duplicates)} Magento customers have more than one CRM contact: "
                        f"{few([d['email'] for d in duplicates])}")
    if problems:
        return Verdict("crm_integrity", "fail", "; ".join(problems), figures,
                       examples([*overwrites, *missing, *duplicates]), ["whole"])
    return Verdict("crm_integrity", "pass",
                   f"no CRM-owned field overwritten; all {changed - len(in_flight)} customers "
                   f"changed in Magento reached the CRM"
                   + (f" ({len(in_flight)} in flight)" if in_flight else ""),
                   figures, [], ["whole"])
