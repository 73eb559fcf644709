"""Which function runs a journey, for the storefront its shoppers use (``load.storefront``).

::

    journey_for("browse", "pages") ──► JOURNEYS["browse@pages"]   (page_journeys.py)
    journey_for("browse", "graphql") ► JOURNEYS["browse@graphql"] (graphql_journeys.py)
    journey_for("browse", "rest") ───► JOURNEYS["browse"]         (journeys.py)
    a journey without a storefront variant (erp_stock_push, flash_sale, ...) is its REST entry

Importing this module registers every variant (no locust here).
"""

from __future__ import annotations

from peakready.scenario import graphql_journeys, page_journeys
from peakready.scenario.journeys import JOURNEYS, Journey

__all__ = ["journey_for"]

_VARIANTS = (graphql_journeys, page_journeys)  # imported for their registry entries


def journey_for(name: str, storefront: str = "rest") -> Journey:
    """``name@storefront`` when registered, else the REST journey ``name``."""
    return JOURNEYS.get(f"{name}@{storefront}") or JOURNEYS[name]
