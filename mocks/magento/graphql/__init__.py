"""Magento 2.4's storefront GraphQL at ``/graphql`` (DESIGN §6, spec/magento-graphql.md).

::

    endpoint.py        POST / GET transport, error envelope, limits, cacheability, cache id
    schema.graphqls    the served subset of Magento's own schema (generated; see its header)
    schema.py          schema + resolvers, built once
    limits.py          query depth (20) and complexity (300), checked before execution
    catalog_fields.py  products, categories / categoryList, route / urlResolver, storeConfig
    cart_fields.py     guest and customer carts, every checkout mutation, placeOrder
    cart_output.py     how a cart and an order look (Cart, CustomerOrder)
    customer_fields.py generateCustomerToken, revokeCustomerToken, customer { orders }
    errors.py          GraphQlError(message, category); REST errors translated once
    context.py         the store, the caller (customer_id, need_customer()), the cache tags

Same store, events and hooks as REST: ``placeOrder`` goes through ``checkout.place_order``.
"""

from .endpoint import handle_graphql

__all__ = ["handle_graphql"]
