"""Shipping carrier mock: live rates for a destination and a parcel (DESIGN §5).

``POST /api/rates`` answers every carrier method that serves the destination, priced
deterministically from zone, billable weight (actual or volumetric, whichever is larger) and
declared value, so the same request always gets the same quote. Every quote request is kept
as evidence (``rate_requests``), so a check can tell whether checkout asked for rates while
the carrier was down and what it fell back to.
"""

from __future__ import annotations

import math
import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from peakready.mockkit import MockKit, MockSettings, Operation, json_response, parse_body

_DOMESTIC = "US"
# carrier, method, title, base, per kg, eta days, domestic?, max kg
_METHODS: tuple[tuple[str, str, str, float, float, int, bool, float], ...] = (
    ("usps", "first_class", "USPS First-Class Package", 4.50, 0.0, 4, True, 0.45),
    ("usps", "priority", "USPS Priority Mail", 8.70, 0.90, 3, True, 31.0),
    ("ups", "ground", "UPS Ground", 9.95, 0.85, 5, True, 68.0),
    ("ups", "2day", "UPS 2nd Day Air", 19.80, 1.90, 2, True, 68.0),
    ("fedex", "overnight", "FedEx Priority Overnight", 34.50, 2.75, 1, True, 68.0),
    ("dhl", "express_worldwide", "DHL Express Worldwide", 42.00, 6.50, 4, False, 70.0),
    ("ups", "worldwide_saver", "UPS Worldwide Saver", 39.00, 7.10, 5, False, 70.0),
)


class Destination(BaseModel):
    model_config = ConfigDict(extra="ignore")
    country_id: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    postcode: str = Field(min_length=1, max_length=16)
    region: str | None = Field(default=None, max_length=64)
    city: str | None = Field(default=None, max_length=64)


class Parcel(BaseModel):
    model_config = ConfigDict(extra="ignore")
    weight: float = Field(gt=0, le=1000, description="kg")
    length: float | None = Field(default=None, gt=0, le=500, description="cm")
    width: float | None = Field(default=None, gt=0, le=500, description="cm")
    height: float | None = Field(default=None, gt=0, le=500, description="cm")


class RateRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    destination: Destination
    parcel: Parcel
    value: float = Field(default=0.0, ge=0, le=1_000_000, description="declared value")
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")


class Rate(BaseModel):
    rate_id: str
    carrier: str
    method: str
    title: str
    amount: float
    currency: str
    eta_days: int


class RateResponse(BaseModel):
    rates: list[Rate]
    billable_weight: float


def quote(req: RateRequest) -> tuple[list[dict[str, Any]], float]:
    parcel = req.parcel
    volumetric = 0.0
    if parcel.length and parcel.width and parcel.height:
        volumetric = parcel.length * parcel.width * parcel.height / 5000.0
    billable = math.ceil(max(parcel.weight, volumetric) * 10) / 10
    domestic = req.destination.country_id == _DOMESTIC
    # Remote postcodes (Alaska and Hawaii ZIPs start with 99 / 967-968) cost more and take longer.
    remote = domestic and req.destination.postcode.startswith(("99", "967", "968"))
    rates = []
    for carrier, method, title, base, per_kg, eta, is_domestic, max_kg in _METHODS:
        if is_domestic != domestic or billable > max_kg:
            continue
        amount = base + per_kg * billable + 0.01 * min(req.value, 5000.0) / 10
        if remote:
            amount *= 1.35
            eta += 2
        rates.append({"rate_id": f"{carrier}_{method}", "carrier": carrier, "method": method,
                      "title": title, "amount": round(amount, 2), "currency": req.currency,
                      "eta_days": eta})
    return rates, billable


def create_app(settings: MockSettings) -> Any:
    kit = MockKit(settings, title="peakready shipping carrier mock",
                  description=__doc__ or "", evidence_kinds={"rate_requests": "event"})

    async def rates(request: Request) -> Response:
        req, _ = await parse_body(request, RateRequest)
        found, billable = quote(req)
        kit.evidence.append("rate_requests", {
            "arrived_at": time.time(), "country_id": req.destination.country_id,
            "postcode": req.destination.postcode, "weight": req.parcel.weight,
            "billable_weight": billable, "rates": len(found),
            "request_id": request.headers.get("x-request-id")})
        return json_response({"rates": found, "billable_weight": billable})

    async def carriers(request: Request) -> Response:
        return json_response({"carriers": sorted({m[0] for m in _METHODS})})

    kit.add(
        Operation("POST", "/api/rates", rates, "Rates for a destination and parcel",
                  body=RateRequest, responses={200: RateResponse}, tags=("shipping",)),
        Operation("GET", "/api/carriers", carriers, "Carriers this mock quotes for",
                  responses={200: {"type": "object", "properties": {"carriers": {
                      "type": "array", "items": {"type": "string"}}},
                      "required": ["carriers"]}}, tags=("shipping",)),
    )
    return kit.build()
