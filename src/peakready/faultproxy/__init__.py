"""Embedded Toxiproxy-compatible fault proxy (``../shared/spec/toxiproxy-api.md``).

::

    FaultProxyServer (server.py)          one asyncio process: control API + every proxy
    ├── control API (api.py)              Toxiproxy's HTTP API + peakready extensions
    │     └── ProxyRegistry (registry.py) proxies by name; populate keep/replace, reset
    └── Proxy (proxy.py)                  one listener → upstream; owns its live connections
          └── connection                  two links per client (upstream, downstream)
                └── link                  chunks flow through a chain of toxic instances
                      └── toxics/<type>.py  one file per toxic type, registered by name

The control plane only talks to :class:`Proxy` (start/stop, toxic add/update/remove); how a
connection applies its toxics is the data plane's business.
"""
