"""CRM mock: contacts with fields the CRM owns (DESIGN §5), speaking a named API (dialect).

::

    crm.py               create_app: options → one ContactStore → the dialect's routes
    _crm_store.py        the store and the one evidence writer (contacts, overwrites,
                         duplicates, crm_changes); canonical whatever the dialect
    _crm_dialect.py      Dialect / Route / Call / Reply: the shape of a thin vendor mapping
    _crm_peakready.py    dialect peakready (default): PUT /api/contacts/{email} ...
    _crm_salesforce.py   dialect salesforce: REST sobjects/Contact upsert by external id,
                         SOQL, composite, OAuth2 token endpoint, Sforce-Limit-Info
    _crm_hubspot.py      dialect hubspot: CRM v3 contacts, batch upsert, search, rate-limit
                         headers, private-app bearer tokens
    _crm_contract.py     an in-house CRM described by a contract (target.crm.contract)

``marketing_consent``, ``segment`` and ``lead_score`` belong to the CRM: a connector should
never push them. The mock accepts such a push (as a naive CRM API would) and records each
changed owned field as an ``overwrites`` event; with option ``protect_owned_fields`` it keeps
its value instead (still recording the attempt). Contacts are seeded from the fixture
profile's customers (option ``profile``; ``contacts: []`` seeds none). The CRM's own users'
edits (``PUT /api/contacts/{email}/preferences``) are served in every dialect.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from peakready.errors import ConfigError
from peakready.mockkit import MockKit, MockSettings, Operation, mock_config
from peakready.registry import Registry

from ._crm_contract import contract_operations
from ._crm_dialect import build_operations
from ._crm_hubspot import HubSpot
from ._crm_peakready import crm_user_operations, peakready_operations
from ._crm_salesforce import Salesforce
from ._crm_store import EVIDENCE_KINDS, OWNED, ContactStore, CrmOptions

__all__ = ["DIALECTS", "OWNED", "CrmOptions", "create_app"]

Operations = Callable[[ContactStore, CrmOptions], list[Operation]]
#: dialect name → the operations it serves over the store (docs/dialects.md).
DIALECTS: Registry[Operations] = Registry("crm dialect")
DIALECTS.register("peakready", lambda store, options: peakready_operations(store))
DIALECTS.register("salesforce",
                  lambda store, options: build_operations(Salesforce(store, options)))
DIALECTS.register("hubspot", lambda store, options: build_operations(HubSpot(store, options)))


def create_app(settings: MockSettings) -> Any:
    options = mock_config(settings, CrmOptions)
    if options.contract is not None:
        dialect_ops: Operations = contract_operations
    elif options.dialect in DIALECTS:
        dialect_ops = DIALECTS[options.dialect]
    else:
        raise ConfigError(f"crm --dialect {options.dialect!r}: "
                          f"{DIALECTS.unknown(options.dialect)}")
    kit = MockKit(settings, title=f"peakready CRM mock ({options.dialect})",
                  description=__doc__ or "", evidence_kinds=dict(EVIDENCE_KINDS))
    store = ContactStore(kit, settings, options)
    kit.add(*dialect_ops(store, options), *crm_user_operations(store))
    return kit.build()
