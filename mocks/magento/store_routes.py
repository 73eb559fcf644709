"""Store and directory routes (Magento_Store, Magento_Directory): websites, store groups,
store views, store configs, countries and currency. MyMagento checks a fresh token with
``GET /V1/store/websites`` and reads ``storeConfigs`` before product saves."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .rest import WebapiError
from .store_tree import COUNTRIES, country

if TYPE_CHECKING:
    from .routing import Call, Router

__all__ = ["register"]

STORE_ACL = "Magento_Backend::stores"


def register(router: Router) -> None:
    @router.add("GET", "/V1/store/websites", STORE_ACL)
    async def websites(call: Call) -> Any:
        return [dict(w) for w in call.store.tree.websites]

    @router.add("GET", "/V1/store/storeGroups", STORE_ACL)
    async def groups(call: Call) -> Any:
        return [dict(g) for g in call.store.tree.groups]

    @router.add("GET", "/V1/store/storeViews", STORE_ACL)
    async def views(call: Call) -> Any:
        return [dict(v) for v in call.store.tree.views]

    @router.add("GET", "/V1/store/storeConfigs", STORE_ACL)
    async def configs(call: Call) -> Any:
        raw = call.query.get("storeCodes", call.query.get("store_codes"))
        codes: list[str] | None = None
        if isinstance(raw, dict):
            codes = [str(v) for v in raw.values()]
        elif isinstance(raw, str) and raw:
            codes = [raw]
        return call.store.tree.configs(codes)

    @router.add("GET", "/V1/directory/countries", "anonymous")
    async def countries(call: Call) -> Any:
        return [country(code) for code in COUNTRIES]

    @router.add("GET", "/V1/directory/countries/{countryId}", "anonymous")
    async def one_country(call: Call) -> Any:
        found = country(call.path["countryId"])
        if found is None:
            raise WebapiError(404, "Requested country is not available.")
        return found

    @router.add("GET", "/V1/directory/currency", "anonymous")
    async def currency(call: Call) -> Any:
        code = call.store.tree.currency
        return {"base_currency_code": code, "base_currency_symbol": "$",
                "default_display_currency_code": code,
                "default_display_currency_symbol": "$", "available_currency_codes": [code],
                "exchange_rates": [{"currency_to": code, "rate": 1}]}
