"""Evidence export of 100,000 orders: the orchestrator's export_evidence over a simulator that
holds them (plus the four mocks), in process (httpx.ASGITransport: no sockets).

Printed: the export's wall time against the 10 s budget, and the baseline measured in the
same run: only paging the same orders out of ``GET /__admin/evidence`` and decoding them, no
files written (the simulator's own cost). The ratio is what the export adds on top.

    .venv/bin/python benchmarks/run_export.py [--orders 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx

from peakready.content import load_content_module
from peakready.mockkit.settings import MockSettings
from peakready.run.export import export_evidence
from peakready.run.witness import MockApi

REPO = Path(__file__).resolve().parents[1]
BUDGET_S = 10.0
sys.path.insert(0, str(Path(__file__).resolve().parent))
from magento_evidence_export import _fill  # noqa: E402  (the simulator's own filler)


async def main(orders: int) -> int:
    apps: dict[str, Any] = {}
    for name in ("magento", "erp", "crm", "payment", "shipping"):
        module = load_content_module("mocks", name, REPO / "mocks")
        options = {"integration": "none"} if name == "magento" else {}
        apps[name] = module.create_app(MockSettings(name=name, options=options))
    _fill(apps["magento"], orders)
    mounts = {f"http://{name}": httpx.ASGITransport(app=app) for name, app in apps.items()}
    estate = SimpleNamespace(magento_direct="http://magento", token="t", embedded=True,
                             flash_skus=[], mocks={n: f"http://{n}" for n in apps
                                                   if n != "magento"})
    async with httpx.AsyncClient(mounts=mounts, timeout=60) as http:
        started = time.perf_counter()
        seen = 0
        async for rows in MockApi(http, "http://magento").kind("orders"):
            seen += len(rows)
        baseline = time.perf_counter() - started
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            manifest = await export_evidence(estate, http, Path(tmp),  # type: ignore[arg-type]
                                             since_wall=0.0)
            took = time.perf_counter() - started
    exported = manifest["files"].get("magento/orders.jsonl", 0)
    print(f"evidence export of {exported:,} orders ({seen:,} paged in the baseline)")
    print(f"  baseline: page + decode only  {baseline:6.2f} s")
    print(f"  export_evidence (all mocks)   {took:6.2f} s = {took / baseline:.2f} x baseline, "
          f"{took / BUDGET_S:.2f} x the {BUDGET_S:.0f} s budget")
    if manifest["errors"]:
        print("  errors:", manifest["errors"])
    return 0 if took <= BUDGET_S and exported == orders else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    raise SystemExit(asyncio.run(main(parser.parse_args().orders)))
