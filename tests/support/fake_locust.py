"""A stand-in Locust master for orchestrator tests: the control channel, nothing else.

``python fake_locust.py CONTROL_PATH DURATION [MAGENTO_URL]`` writes test_start, a snapshot a
second and test_stop after DURATION seconds, like the peakready Locust plugin does; with a
Magento URL it also places one guest checkout a second so the integration has orders to export.
It stops early (writing test_stop) on SIGTERM, as Locust does.
"""

from __future__ import annotations

import json
import signal
import sys
import time
import urllib.request

_ADDRESS = {"firstname": "Peak", "lastname": "Ready", "street": ["1 Main St"], "city": "Austin",
            "region": "Texas", "region_id": 57, "region_code": "TX", "postcode": "78701",
            "country_id": "US", "telephone": "5125550100"}


def _post(url: str, body: object) -> object:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def checkout(base: str, sku: str, n: int) -> None:
    carts = f"{base}/rest/V1/guest-carts"
    masked = _post(carts, {})
    _post(f"{carts}/{masked}/items", {"cartItem": {"sku": sku, "qty": 1, "quote_id": masked}})
    _post(f"{carts}/{masked}/shipping-information", {"addressInformation": {
        "shipping_address": _ADDRESS, "billing_address": _ADDRESS,
        "shipping_carrier_code": "flatrate", "shipping_method_code": "flatrate"}})
    _post(f"{carts}/{masked}/payment-information", {
        "email": f"fake{n}@example.com", "paymentMethod": {"method": "checkmo"},
        "billingAddress": _ADDRESS})


def main() -> None:
    control, duration = sys.argv[1], float(sys.argv[2])
    magento = sys.argv[3] if len(sys.argv) > 3 else ""
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))

    def emit(event: dict[str, object]) -> None:
        with open(control, "a") as out:
            out.write(json.dumps(event) + "\n")

    start = time.time()
    emit({"event": "test_start", "wall": start, "workers": 1})
    n = 0
    while time.time() - start < duration and not stopping:
        if magento:
            try:
                checkout(magento, "PR-000001", n)
            except Exception as exc:  # a fault window may refuse it
                print("checkout failed:", exc, file=sys.stderr)
        n += 1
        emit({"event": "snapshot", "wall": time.time(), "t": time.time() - start,
              "offered_per_s": 1.0, "achieved_per_s": 1.0, "p95_ms": 10.0, "errors": 0,
              "requests": n})
        time.sleep(max(0.0, start + n - time.time()))
    emit({"event": "test_stop", "wall": time.time()})


if __name__ == "__main__":
    main()
