"""The load side: Locust scenarios' engine, the only subpackage that imports locust.

::

    launch.py       prepare_locust(plan, run_dir, targets, workers) ──► LocustLaunch  (no locust)
    preflight.py    child process: scenario files and a .py shape import, else ConfigError
    shapes.py       constant | steps | spike | peak-day | CSV → percent of the plan's rate (pure)
    arrivals.py     the seeded open-model schedule and each worker's exact share      (pure)
    engine.py       ArrivalDriver (start at the intended time or drop) and JourneyRunner (pure)
    journeys.py     browse … backoffice as functions of a JourneyContext, the JOURNEYS
                    registry                                                      (pure)
    storefronts.py  journey_for(name, load.storefront): rest, graphql or pages      (pure)
    client.py       typed Magento REST client over a small transport                  (pure)
    catalogue.py    the fixture profile's SKUs and customers                          (pure)
    edge_cases.py   shopper data strict ERPs refuse (load.edge_case_orders)           (pure)
    recorder.py     worker half of the evidence: per-second HDR, arrivals, checkouts  (pure)
    sink.py         master half: merges batches into checkouts/latency/arrivals.jsonl (pure)
    locust_transport.py  the client's transports: the engine's keep-alive Connection,
                    a closed-model user's FastHttpSession                         (locust)
    protocol.py     the plugin's messages (START, BATCH, STOP) and the launch file    (pure)
    worker.py       WorkerDriver: one process's share of the schedule              (locust)
    coordinator.py  the master's side: start, snapshots, worker loss, the end     (locust)
    plugin.py       only wires Locust's events to worker.py and coordinator.py     (locust)
    shape_file.py   a LoadTestShape file sampled into a shape                     (locust)
    users.py        closed-model users for plain ``locust -f scenarios/<file>.py``  (locust)
    worker_cli.py   ``peakready worker --master HOST:PORT``                     (no locust)

Importing this package imports nothing: ``peakready.scenario.launch`` is safe in the asyncio
orchestrator; the (locust) modules load only inside Locust processes.
"""

from __future__ import annotations

__all__: list[str] = []
