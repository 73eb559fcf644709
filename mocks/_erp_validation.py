"""The ERP's strict validation of sales orders: what a real ERP's fields hold (issue 14).

Magento accepts a 70-character telephone, non-Latin and emoji names, three street lines and
a long company name; an ERP whose fields are fixed-width and Latin-1 (as many SAP, AS/400 and
older .NET ERPs are) refuses them. Refusing is deterministic, for the data, every time: a
422 naming each field, which a connector must dead-letter at once instead of retrying.

======================  ===========================================================
field                   rule (``validation: strict``, the default)
======================  ===========================================================
increment_id            1..32 characters of ``A-Z a-z 0-9 - _``
customer_email          at most 128 ASCII characters, ``local@domain``
address (billing and    firstname, lastname, street, city, postcode, country_id
shipping, when sent)    required; firstname/lastname/city/region/company at most 35
                        characters; street at most 2 lines of at most 35; postcode at
                        most 10 of ``A-Z a-z 0-9 space -``; country_id two capitals;
                        telephone at most 20 of ``0-9 + ( ) - . / space``
text fields             Latin-1 printable only: no emoji, no Cyrillic, CJK, Arabic...
======================  ===========================================================

``validation: lenient`` keeps only the shape checks of ``OrderIn`` (lengths up to 255).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field

from ._erp_orders import Address, OrderIn

__all__ = ["StrictAddress", "StrictOrderIn"]

_NAME = 35
_PHONE = re.compile(r"^[0-9+()\-./ ]*$")
_POSTCODE = re.compile(r"^[A-Za-z0-9 \-]*$")


def _latin1(value: str) -> str:
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        bad = next(c for c in value if ord(c) > 0xFF)
        raise ValueError(f"only Latin-1 characters are accepted (got {bad!r}, "
                         f"U+{ord(bad):04X})") from None
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in value):
        raise ValueError("control characters are not accepted")
    return value


def _phone(value: str) -> str:
    if not _PHONE.fullmatch(value):
        raise ValueError("only digits, spaces and + ( ) - . / are accepted")
    return value


def _postcode(value: str) -> str:
    if not _POSTCODE.fullmatch(value):
        raise ValueError("only letters, digits, spaces and - are accepted")
    return value


def _ascii(value: str) -> str:
    if not value.isascii():
        raise ValueError("only ASCII characters are accepted")
    return value


Text = Annotated[str, Field(min_length=1, max_length=_NAME), AfterValidator(_latin1)]
Line = Annotated[str, Field(max_length=_NAME), AfterValidator(_latin1)]


class StrictAddress(Address):
    model_config = ConfigDict(extra="ignore")
    firstname: Text
    lastname: Text
    street: Annotated[list[Line], Field(min_length=1, max_length=2)] | Line
    city: Text
    region: Annotated[str, Field(max_length=_NAME), AfterValidator(_latin1)] | None = None
    postcode: Annotated[str, Field(min_length=1, max_length=10),
                        AfterValidator(_postcode)]
    country_id: str = Field(pattern=r"^[A-Z]{2}$")
    telephone: Annotated[str, Field(max_length=20),
                         AfterValidator(_phone)] | None = None
    company: Annotated[str, Field(max_length=_NAME), AfterValidator(_latin1)] | None = None


class StrictOrderIn(OrderIn):
    """A sales order as this ERP's fields can hold it."""

    increment_id: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_\-]+$")
    customer_email: Annotated[str, Field(max_length=128, pattern=r"^[^@\s]+@[^@\s]+$"),
                              AfterValidator(_ascii)]
    billing_address: StrictAddress | None = None
    shipping_address: StrictAddress | None = None
