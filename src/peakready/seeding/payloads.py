"""Magento REST request bodies for fixture rows (spec/magento-rest.md §3.2, §4.2, §7).

Kept apart from the seeder so that the simulator's tests, the scenarios and the seeder all
build the same bodies. Keys are the service-method parameter names Magento documents
(``product``, ``sourceItems``, ``customer``, ``password``); every field sent exists in the
2.4 schema, because 2.4.7+ rejects unknown fields with a 400.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from peakready.seeding.model import CustomerFixture, ProductFixture

__all__ = [
    "DEFAULT_SOURCE",
    "SOURCE_ITEMS_PER_CALL",
    "batched",
    "customer_body",
    "product_body",
    "source_items_body",
]

DEFAULT_SOURCE = "default"
# Input limits (spec §1.3) cap array parameters at 20 per synchronous call when enabled.
SOURCE_ITEMS_PER_CALL = 20


def product_body(product: ProductFixture, category_id: int | None = None) -> dict[str, Any]:
    """``PUT /rest/all/V1/products/{sku}``: a simple, enabled product visible in catalog+search,
    linked to its category when the store gave it an id (``category_ids``).

    Stock is not sent here: with MSI the quantity belongs to the source item (§4.2).
    """
    links = [] if category_id is None else [
        {"attribute_code": "category_ids", "value": [str(category_id)]}]
    return {"product": {
        "sku": product.sku,
        "name": product.name,
        "attribute_set_id": 4,          # "Default"
        "price": product.price,
        "status": 1,                    # enabled
        "visibility": 4,                # catalog, search
        "type_id": "simple",
        "weight": product.weight,
        "extension_attributes": {"website_ids": [1]},
        "custom_attributes": [
            {"attribute_code": "url_key", "value": product.url_key},
            {"attribute_code": "description", "value": f"{product.name} ({product.category})"},
            *links,
        ],
    }}


def source_items_body(products: Iterable[ProductFixture],
                      source: str = DEFAULT_SOURCE) -> dict[str, Any]:
    """``POST /rest/all/V1/inventory/source-items``: absolute on-hand quantity per SKU."""
    return {"sourceItems": [
        {"sku": p.sku, "source_code": source, "quantity": p.qty, "status": 1 if p.qty > 0 else 0}
        for p in products
    ]}


def customer_body(customer: CustomerFixture, website_id: int = 1) -> dict[str, Any]:
    """``POST /rest/V1/customers``: a customer with one default shipping/billing address."""
    address = {
        "firstname": customer.firstname,
        "lastname": customer.lastname,
        "street": [customer.street],
        "city": customer.city,
        "postcode": customer.postcode,
        "country_id": customer.country_id,
        "region_id": customer.region_id,
        "region": {"region": customer.region, "region_id": customer.region_id,
                   "region_code": customer.region_code},
        "telephone": customer.telephone,
        "default_shipping": True,
        "default_billing": True,
    }
    return {
        "customer": {"email": customer.email, "firstname": customer.firstname,
                     "lastname": customer.lastname, "website_id": website_id, "group_id": 1,
                     "addresses": [address]},
        "password": customer.password,
    }


def batched(items: Sequence[ProductFixture], size: int) -> Iterator[Sequence[ProductFixture]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
