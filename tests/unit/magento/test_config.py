"""Simulator settings: the --config file, unknown keys, version-dependent token formats."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from peakready.errors import ConfigError

pytestmark = pytest.mark.anyio


async def test_config_file_section_is_applied(tmp_path: Path, sim: Any) -> None:
    path = tmp_path / "magento.yaml"
    path.write_text("magento:\n  tfa: true\n  flat_rate: 7\n"
                    "  input_limits: {enabled: true, maximum_page_size: 10}\n", "utf-8")
    app = sim.make_app(tmp_path, config=str(path))
    cfg = app.store.cfg
    assert cfg.tfa is True and cfg.flat_rate == 7.0
    assert cfg.input_limits.enabled and cfg.input_limits.maximum_page_size == 10


@pytest.mark.parametrize("config", [{"tfaa": True}, {"input_limits": {"enabld": True}},
                                    {"backpressure": []}, {"race_window_ms": "soon"}])
def test_unknown_or_bad_keys_are_config_errors(tmp_path: Path, sim: Any,
                                               config: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        sim.make_app(tmp_path, config=config)


def test_bad_inventory_mode_and_version(tmp_path: Path, sim: Any) -> None:
    with pytest.raises(ConfigError):
        sim.make_app(tmp_path, inventory="optimistic")
    with pytest.raises(ConfigError):
        sim.make_app(tmp_path, magento_version="two.four")


async def test_token_format_follows_version(app_factory: Any, sim: Any) -> None:
    for version, jwt in [("2.4.3", False), ("2.4.8", True)]:
        async with sim.client_for(app_factory(magento_version=version)) as client:
            token = (await client.post("/rest/V1/integration/admin/token", json={
                "username": "admin", "password": "peakready-admin-1"})).json()
            assert (token.count(".") == 2) is jwt
            if not jwt:
                assert len(token) == 32


async def test_expired_customer_token_is_a_guest(app_factory: Any, sim: Any) -> None:
    app = app_factory(config={"customer_token_lifetime": 0.05})
    async with sim.client_for(app) as client:
        token = (await client.post("/rest/V1/integration/customer/token", json={
            "username": "roni_cost@example.com", "password": "roni_cost3@example.com"})).json()
        me = {"Authorization": f"Bearer {token}"}
        assert (await client.post("/rest/V1/carts/mine", headers=me)).status_code == 200
        time.sleep(0.1)
        r = await client.post("/rest/V1/carts/mine", headers=me)
        assert (r.status_code, r.json()["parameters"]) == (401, {"resources": "self"})


async def test_custom_admin_token_from_environment(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path, sim: Any) -> None:
    monkeypatch.setenv("PEAKREADY_SIM_TOKEN", "from-env")
    async with sim.client_for(sim.make_app(tmp_path)) as client:
        ok = await client.get("/rest/V1/products/24-MB01",
                              headers={"Authorization": "Bearer from-env"})
        assert ok.status_code == 200
        old = await client.get("/rest/V1/products/24-MB01", headers={
            "Authorization": "Bearer peakready-simulator-admin-token"})
        assert old.status_code == 401
