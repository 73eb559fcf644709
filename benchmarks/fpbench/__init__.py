"""Shared pieces of the fault proxy benchmarks (``benchmarks/faultproxy_*.py``).

::

    benchmark script (client, this process)  ──►  roles.py proxy   (own process, uvloop)
                     │                                  │
                     └──────── direct baseline ──────►  roles.py http-raw | http-uvicorn

``roles.py`` runs a child process in one role and prints ``READY <port>``; ``children.py``
starts and stops them; ``load.py`` is a lean keep-alive HTTP/1.1 client on raw protocols, so the
client costs the same whether it talks to the proxy or straight to the upstream.
"""
