"""A Luma-style storefront's HTML pages behind a full-page cache model (DESIGN §6).

::

    fpc.py           FullPageCache: ASGI layer in front of the store (Varnish's place): GET
                     answers marked cacheable (``x-magento-tags``) are stored by URL and store;
                     a hit never reaches the worker pool; the hit ratio per second is evidence
    cache.py         PageCache: entries, tags, clean/flush, per-second counters
    invalidation.py  what cleans which tags (product saves, stock, flushes), as Magento does
    routes.py        the pages: home, category, product, search, add to cart (form_key),
                     customer/section/load, checkout (the masked quote id Luma's checkout JS
                     uses for the REST guest-cart calls)
"""
