"""Embedded Toxiproxy-compatible fault proxy (``../shared/spec/toxiproxy-api.md``).

::

    FaultProxyServer (server.py)          one asyncio process: control API + every proxy
    │                                     (cli.py: `peakready proxy`; thread.py: in a thread)
    ├── HttpServer (httpserver.py)        byte-exact HTTP/1.1 on asyncio streams
    ├── control API (api.py)              Toxiproxy's HTTP API + peakready extensions
    │     ├── bodies.py                   request bodies decoded as Go does (gojson, godecode)
    │     ├── extensions.py, lease.py     /peakready/...: dead-man lease, info
    │     ├── metrics.py                  /metrics: live Prometheus counters
    │     └── ProxyRegistry (registry.py) proxies by name; populate keep/replace, reset,
    │                                     toxic expiry
    └── Proxy (proxy.py)                  one listener → upstream; owns its live connections
          └── Connection (connection.py)  two links per client (upstream, downstream)
                └── Link (link.py)        chunks flow through a chain of toxic instances;
                      │                   a direct fast path while the chain is empty
                      ├── stub.py         chunk, channel and the runner of one toxic instance
                      └── toxics/<type>.py  one file per toxic type, registered by name

The control plane only talks to :class:`Proxy` (start/stop, toxic add/update/remove); how a
connection applies its toxics is the data plane's business.
"""
