"""Evidence loses nothing: a burst of orders at 2,000/s for 10 s against the ERP mock, then
the count of orders in ``/__admin/evidence`` must equal the count of 2xx answers.

Server on core 0, open-model load client on core 1 (arrivals on a fixed schedule over 64
connections; a connection that falls behind catches up, so the offered rate is an upper
bound the server may not reach on a slow machine: the achieved rate is printed too). Prints
the ratio evidence/acknowledged (target: exactly 1.00, nothing lost, nothing invented).
Usage: ``.venv/bin/python benchmarks/mock_evidence_burst.py [--rate 2000] [--duration 10]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _mock_benchlib import open_load, post_json, start_mock, stop
from mock_erp_throughput import order_body


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=2000.0)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        config = Path(data) / "erp.yaml"
        config.write_text("movements_per_second: 2\n", "utf-8")
        erp, url = start_mock("erp", "--data", data, "--config", str(config))
        try:
            keyed = post_json("/api/orders", order_body,
                              lambda n: f"Idempotency-Key: burst-{n}\r\n" if n % 2 else "")
            done, statuses, elapsed = open_load(url, keyed, args.rate, args.duration)
            acked = sum(n for status, n in statuses.items() if 200 <= status < 300)
            body = httpx.get(f"{url}/__admin/evidence", params={"kind": "orders",
                                                                "limit": 10_000_000},
                             timeout=120).json()
            stored = len(body["records"]["orders"])
            arrivals = httpx.get(f"{url}/__admin/evidence", params={"kind": "requests",
                                                                    "limit": 1},
                                 timeout=60).json()["counts"]["requests"]
        finally:
            stop(erp)
    print(f"offered {args.rate:,.0f} orders/s for {args.duration:g} s; achieved "
          f"{done / elapsed:,.0f}/s; acknowledged {acked:,}; in evidence {stored:,} orders and "
          f"{arrivals:,} request records -> evidence/acknowledged ratio "
          f"{stored / max(acked, 1):.4f} (target 1.0000); statuses {statuses}")
    return 0 if stored == acked and arrivals >= done - statuses.get(0, 0) else 1


if __name__ == "__main__":
    sys.exit(main())
