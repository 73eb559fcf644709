"""The ERP dialects by name (``target.erp: {dialect: NAME}``, ``peakready mock erp
--dialect NAME``), and the in-house contract (``target.erp: {contract: FILE}``)."""

from __future__ import annotations

from typing import Any

from peakready.errors import ConfigError
from peakready.registry import Registry

from ._erp_core import ErpCore
from ._erp_dialect import Dialect
from ._erp_dialect_bc import BusinessCentralDialect
from ._erp_dialect_netsuite import NetSuiteDialect
from ._erp_dialect_odoo import OdooDialect
from ._erp_dialect_peakready import PeakreadyDialect
from ._erp_dialect_sapb1 import SapB1Dialect

__all__ = ["DIALECTS", "build_dialect"]

DIALECTS: Registry[type[Dialect]] = Registry("ERP dialect")
for _dialect in (PeakreadyDialect, BusinessCentralDialect, NetSuiteDialect, OdooDialect,
                 SapB1Dialect):
    DIALECTS.register(_dialect.name, _dialect)


def build_dialect(name: str, contract: str | None, core: ErpCore,
                  settings: dict[str, Any] | None = None) -> Dialect:
    if contract is not None:
        if name != "peakready":
            raise ConfigError(f"mock erp options: dialect {name!r} and contract {contract!r}: "
                              f"give one of them")
        from ._erp_contract import ContractDialect

        return ContractDialect.from_file(contract, core)
    return DIALECTS[name](core, settings or {})
