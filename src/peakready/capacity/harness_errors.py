"""Errors of a capacity step that are the harness's own, not the store's.

::

    harness_errors(step_dir) ──► ["12 of 30 customer logins refused (401 ...)", ...]
      checkouts.jsonl      customer checkouts that failed on the data the journey chose
      locust_failures.csv  the other journeys' requests refused for it (account edits' logins,
                           CRM contacts, ERP SKUs), with Locust's occurrence counts

The journeys pick their data (customers and their passwords, SKUs, CRM contacts) from the
fixtures the estate was seeded with. A store that refuses that data under load is not slow or
broken: the harness asked for something the store never had (a capacity step seeded apart from
the estate, a real store seeded from another profile). Such a step measures nothing, so the
search stops there as a harness error instead of reporting "below the lowest step".
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

__all__ = ["HARNESS_REFUSALS", "harness_errors"]


@dataclass(frozen=True)
class Refusal:
    """A request name and status that mean "the data the journey chose does not exist"."""

    request: str
    status: int
    meaning: str
    #: when set, the answer's message must say it too: the same route and status can be the
    #: store's own answer under load (a customer's cart placed by their other session)
    message: str = ""

    def says(self, error: str) -> bool:
        return not self.message or self.message in error.lower()


# Magento's message for a SKU it does not have; "No such entity with customerId" on the same
# route is a customer whose other session just placed the cart (overlapping checkouts of one
# customer when a store is overloaded): the store's answer, not the harness's data.
_NO_PRODUCT = "product that was requested doesn't exist"

#: The refusals a store answers only when the fixtures the journeys draw from are not its own.
HARNESS_REFUSALS = (
    Refusal("/V1/integration/customer/token", 401,
            "customer logins refused: the fixtures' customers are not the store's"),
    Refusal("/V1/guest-carts/[id]/items", 404, "SKUs the journeys chose are not in the store",
            _NO_PRODUCT),
    Refusal("/V1/carts/mine/items", 404, "SKUs the journeys chose are not in the store",
            _NO_PRODUCT),
    Refusal("/api/contacts/[email]/preferences", 404,
            "CRM contacts the journeys chose do not exist in the CRM"),
    Refusal("/api/stock/adjustments", 404, "SKUs the journeys chose are not in the ERP"),
)
_BY_KEY = {(r.request, r.status): r for r in HARNESS_REFUSALS}
# Locust's failures CSV names the error as ``CatchResponseError('404 {...}')``: the status
# is the first three digits after the opening of the message.
_STATUS = re.compile(r"""^\w*\(?['"]?(\d{3})\b""")


def harness_errors(step_dir: Path) -> list[str]:
    """One line per kind of harness-caused refusal found in the step's run folder."""
    counts = _checkout_refusals(step_dir / "checkouts.jsonl")
    for refusal, occurrences in _locust_refusals(step_dir / "locust_failures.csv").items():
        # Locust counts every journey's requests, the checkouts' included: the larger count
        # of the two witnesses is the whole (checkouts.jsonl alone when Locust's CSV is lost).
        counts[refusal] = max(counts[refusal], occurrences)
    return [f"{n:,} {r.meaning} ({r.status} on {r.request})"
            for r, n in sorted(counts.items(), key=lambda item: -item[1]) if n > 0]


def _checkout_refusals(path: Path) -> Counter[Refusal]:
    found: Counter[Refusal] = Counter()
    if not path.is_file():
        return found
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue   # a killed run's last line may be cut short
            if not isinstance(record, dict) or record.get("ok") is not False:
                continue
            refusal = _BY_KEY.get((str(record.get("step")), _int(record.get("status"))))
            if refusal is not None and refusal.says(str(record.get("error") or "")):
                found[refusal] += 1
    return found


def _locust_refusals(path: Path) -> Counter[Refusal]:
    found: Counter[Refusal] = Counter()
    if not path.is_file():
        return found
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            match = _STATUS.match(row.get("Error") or "")
            refusal = None if match is None else \
                _BY_KEY.get((row.get("Name") or "", int(match.group(1))))
            if refusal is not None and refusal.says(row.get("Error") or ""):
                found[refusal] += _int(row.get("Occurrences"))
    return found


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0
