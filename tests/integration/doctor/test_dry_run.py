"""``peakready run PLAN --dry-run``: says what would be sent where and sends nothing — the
store and the fault proxy are listening sockets that must see no connection, no run folder
appears, the token's value is never printed, and a refused host is still exit 2."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

TOKEN = "dry-run-secret-token-5f1c2a"


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)
    try:
        yield sock
    finally:
        sock.close()


def _accepted(sock: socket.socket) -> bool:
    try:
        sock.accept()[0].close()
    except BlockingIOError:
        return False
    return True


def _dry_run(plan: Path, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "peakready.cli", "run", str(plan),
                           "--dry-run", "--reports-dir", str(tmp_path / "reports")],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})


def test_a_staging_plan_is_described_and_nothing_is_sent(tmp_path: Path,
                                                        listener: socket.socket) -> None:
    store = f"http://127.0.0.1:{listener.getsockname()[1]}"
    plan = tmp_path / "staging.yaml"
    plan.write_text(yaml.safe_dump({
        "name": "staging-dry", "target": {"magento": {"url": store, "token_env": "DRY_TOKEN"}},
        "load": {"duration": "60s", "flash_sale": {"skus": 2, "stock_each": 5}},
        "faults": [{"at": "10s", "for": "20s", "proxy": "erp", "toxic": "latency",
                    "attributes": {"latency": 900}},
                   {"at": "35s", "for": "10s", "mock": "crm", "http": {"status": 503}}]}))
    done = _dry_run(plan, tmp_path, DRY_TOKEN=TOKEN,
                    TOXIPROXY_URL=f"http://127.0.0.1:{listener.getsockname()[1]}")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert f"the real store {store}" in out and "$DRY_TOKEN (set" in out
    assert f"PUT  {store}/rest/all/V1/products/{{sku}}" in out   # what seeding would send
    assert "/proxies/erp/toxics" in out and '"latency": 900' in out
    assert "/__admin/faults" in out and "peakready-fault-1" in out
    assert "POST /V1/guest-carts/{id}/payment-information" in out
    assert TOKEN not in out + done.stderr
    assert not _accepted(listener), "the dry run connected to the store or the proxy"
    assert not (tmp_path / "reports").exists()


def test_the_ci_plan_lists_every_fault_and_journey(tmp_path: Path, repo_root: Path) -> None:
    done = _dry_run(repo_root / "fixtures" / "plans" / "ci.yaml", tmp_path)
    assert done.returncode == 0, done.stderr
    for text in ("erp down", "erp http 503", "guest_checkout", "customer_checkout",
                 "flash_sale", "erp_stock_push", "checks: no_oversell",
                 '{"enabled": false}', "junit.xml"):
        assert text in done.stdout, text


def test_a_refused_host_is_still_refused(tmp_path: Path) -> None:
    plan = tmp_path / "foreign.yaml"
    plan.write_text(yaml.safe_dump({"name": "foreign", "target": {
        "magento": {"url": "https://shop.example.com", "token_env": "DRY_TOKEN"}}}))
    done = _dry_run(plan, tmp_path, DRY_TOKEN=TOKEN)
    assert done.returncode == 2 and "allow_hosts" in done.stderr
