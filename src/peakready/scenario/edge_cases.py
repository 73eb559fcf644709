"""Edge-case shopper data: what real shoppers send, Magento accepts and strict ERPs refuse.

``load.edge_case_orders`` is the share of checkouts placed with such an address (issue 14):
a 70-character telephone, non-Latin and emoji names, three street lines, a long company name.
The recorder marks those checkouts ``edge_case: true`` so the checks can tell an order the ERP
refused for its data (rejected) from one it never received (lost).
"""

from __future__ import annotations

import random
from typing import Any

__all__ = ["COMPANY", "EDGE_CASE_FIELDS", "FIRSTNAMES", "LASTNAMES", "TELEPHONE",
           "edge_case_address"]

FIRSTNAMES = ("Zoë", "Øyvind", "José-María", "美咲", "Дмитрий", "محمد", "Ngọc Ánh", "Sam 😀",
              "Åsa 🎄", "Αθηνά")
LASTNAMES = ("Łukasiewicz-O'Brien", "山田", "Смирнова", "الحسيني", "Nguyễn", "Party 🎉",
             "Þórðardóttir", "Παπαδοπούλου")
#: 70 characters: a number with extension and a note, as shoppers type it into the field.
TELEPHONE = "+1 (555) 010-0199 ext. 4471, mobile +1 555 010 0188, call after 6 pm!!"
COMPANY = ("Internationale Handelsgesellschaft für Outdoor- und Freizeitbedarf "
           "Müller & Söhne GmbH & Co. KG, Zweigniederlassung Nordrhein-Westfalen (Einkauf)")
assert len(TELEPHONE) == 70, "the telephone must be exactly 70 characters"
_STREETS = (("Flat 4B, Harbour View Court", "1187 North Lakeshore Boulevard",
             "c/o Reception, Building C — rear entrance"),
            ("Apartamento 12, Escalera izquierda", "Calle de San Bernardo 64",
             "Piso 3º, puerta derecha"))


#: The address fields :func:`edge_case_address` fills with data a strict ERP refuses: an ERP's
#: refusal of an edge-case order counts as deliberate (rejected, not lost) only when its answer
#: names one of them (peakready.checks.refusals).
EDGE_CASE_FIELDS = ("firstname", "lastname", "telephone", "company", "street")


def edge_case_address(base: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """``base`` (a normal address) with every field a strict ERP tends to refuse."""
    address = dict(base)
    address.update(firstname=rng.choice(FIRSTNAMES), lastname=rng.choice(LASTNAMES),
                   telephone=TELEPHONE, company=COMPANY, street=list(rng.choice(_STREETS)))
    return address
