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


def test_string_booleans_are_strict_not_truthy(tmp_path: Path, sim: Any) -> None:
    """issue 13: ``type(current)(value)`` turned "false" and "no" into True."""
    cfg = sim.make_app(tmp_path, config={"tfa": "false",
                                         "input_limits": {"enabled": "no"}}).store.cfg
    assert cfg.tfa is False and cfg.input_limits.enabled is False
    cfg = sim.make_app(tmp_path, config={"tfa": "yes"}).store.cfg
    assert cfg.tfa is True
    with pytest.raises(ConfigError, match=r"tfa = 'maybe'"):
        sim.make_app(tmp_path, config={"tfa": "maybe"})


def test_config_errors_name_the_source_key_path_and_value(tmp_path: Path, sim: Any) -> None:
    path = tmp_path / "sim.yaml"
    path.write_text("magento:\n  input_limits: {enabld: true}\n", "utf-8")
    with pytest.raises(ConfigError) as info:
        sim.make_app(tmp_path, config=str(path))
    text = str(info.value)
    assert str(path) in text and "input_limits.enabld = True" in text
    assert "did you mean 'enabled'" in text


def test_version_243_forces_input_limits_unless_the_file_says_otherwise(
        tmp_path: Path, sim: Any) -> None:
    assert sim.make_app(tmp_path, magento_version="2.4.3").store.cfg.input_limits.enabled
    cfg = sim.make_app(tmp_path, magento_version="2.4.3",
                       config={"input_limits": {"maximum_page_size": 5}}).store.cfg
    assert cfg.input_limits.enabled and cfg.input_limits.maximum_page_size == 5
    assert not sim.make_app(tmp_path, magento_version="2.4.3", config={
        "input_limits": {"enabled": "off"}}).store.cfg.input_limits.enabled


def test_visibility_from_the_file_and_the_flag_which_wins(tmp_path: Path, sim: Any) -> None:
    assert sim.make_app(tmp_path).store.cfg.visibility == "immediate"
    path = tmp_path / "sim.yaml"
    path.write_text("visibility: realistic\nvisibility_delay_ms: 50\n", "utf-8")
    cfg = sim.make_app(tmp_path, config=str(path)).store.cfg
    assert (cfg.visibility, cfg.visibility_delay_ms) == ("realistic", 50.0)
    assert sim.make_app(tmp_path, config=str(path), visibility="immediate"
                        ).store.cfg.visibility == "immediate"
    with pytest.raises(ConfigError, match="visibility"):
        sim.make_app(tmp_path, visibility="eventually")


def test_visibility_flag_reaches_the_simulator(tmp_path: Path, sim: Any) -> None:
    from peakready.cli import build_parser
    from peakready.mockkit.cli import build_settings

    args = build_parser().parse_args(["mock", "magento", "--visibility", "realistic"])
    assert build_settings(args).options["visibility"] == "realistic"
    unset = build_settings(build_parser().parse_args(["mock", "magento"]))
    assert "visibility" not in unset.options   # the config file's value then applies
