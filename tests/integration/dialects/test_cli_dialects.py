"""``peakready mock erp --dialect NAME`` serves a dialect standalone with its documented
default credentials (docs/dialects.md)."""

from __future__ import annotations

import signal
import xmlrpc.client
from pathlib import Path

import httpx
import pytest
from tests.integration.mocks.conftest import start_mock

pytestmark = pytest.mark.timeout(60)


def test_mock_erp_dialect_odoo_takes_the_documented_credentials(tmp_path: Path) -> None:
    config = tmp_path / "erp.yaml"
    config.write_text("stock: {SKU-A: 7}\nmovements_per_second: 0\n", "utf-8")
    mock = start_mock("erp", "--dialect", "odoo", "--config", str(config),
                      data_dir=tmp_path / "data")
    try:
        common = xmlrpc.client.ServerProxy(f"{mock.url}/xmlrpc/2/common")
        assert common.authenticate("peakready", "admin", "peakready", {}) == 2
        models = xmlrpc.client.ServerProxy(f"{mock.url}/xmlrpc/2/object")
        assert models.execute_kw("peakready", 2, "peakready", "product.product", "search_read",
                                 [[["default_code", "=", "SKU-A"]]],
                                 {"fields": ["qty_available"]})[0]["qty_available"] == 7
        # The harness's own ERP routes stay: the stock feed the witness reads.
        assert httpx.get(f"{mock.url}/api/stock/SKU-A").json()["qty"] == 7
    finally:
        assert mock.stop(signal.SIGTERM) == 0


def test_an_unknown_dialect_is_refused_by_the_cli(tmp_path: Path) -> None:
    # --dialect is shared by erp and crm: the mock itself names its own dialects.
    with pytest.raises(AssertionError, match="unknown ERP dialect 'sap'; did you mean 'sap-b1'"):
        start_mock("erp", "--dialect", "sap", data_dir=tmp_path / "data")
