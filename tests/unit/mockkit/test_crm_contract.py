"""The CRM mock serving an in-house CRM's contract (target.crm.contract), in-process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from peakready.errors import ConfigError
from peakready.mockkit import MockSettings

CONTRACT = {"upsert_contact": {
    "method": "PUT", "path": "/v2/people/{magento_customer_id}",
    "email": "/person/email", "firstname": "/person/name/first",
    "lastname": "/person/name/last",
    "success_status": 200, "created_status": 201,
    "response": {"id": "{contact_id}", "email": "{email}"}}}


def _crm(mock_module: Callable[[str], ModuleType], make_client: Callable[[Any], Any],
         tmp_path: Path, contract: Any) -> Any:
    settings = MockSettings("crm", data_dir=tmp_path / "crm", options={
        "contract": contract, "contacts": [{"email": "ann@example.com",
                                            "magento_customer_id": 7, "segment": "vip"}]})
    return make_client(mock_module("crm").create_app(settings))


def _person(email: str, first: str) -> dict[str, Any]:
    return {"person": {"email": email, "name": {"first": first, "last": "Lee"}}}


def test_contract_upsert_by_the_path_key_creates_then_updates(
        mock_module: Callable[[str], ModuleType], make_client: Callable[[Any], Any],
        tmp_path: Path) -> None:
    path = tmp_path / "crm-contract.yaml"
    path.write_text(yaml.safe_dump(CONTRACT), "utf-8")
    client = _crm(mock_module, make_client, tmp_path, str(path))
    updated = client.put("/v2/people/7", json=_person("ann@example.com", "Annie"))
    assert updated.status_code == 200
    assert updated.json() == {"id": "C-0000001", "email": "ann@example.com"}
    created = client.put("/v2/people/8", json=_person("bo@example.com", "Bo"))
    assert created.status_code == 201 and created.json()["id"] == "C-0000002"
    records = client.get("/__admin/evidence").json()["records"]
    contacts = {c["email"]: c for c in records["contacts"]}
    assert contacts["ann@example.com"]["firstname"] == "Annie"
    assert contacts["bo@example.com"]["magento_customer_id"] == 8


def test_a_pointer_that_does_not_resolve_is_refused_and_recorded(
        mock_module: Callable[[str], ModuleType], make_client: Callable[[Any], Any],
        tmp_path: Path) -> None:
    client = _crm(mock_module, make_client, tmp_path, CONTRACT)
    reply = client.put("/v2/people/7", json={"email": "ann@example.com"})
    assert reply.status_code == 422
    assert "email at /person/email" in reply.json()["unresolved"]
    [error] = client.get("/__admin/evidence").json()["records"]["contract_errors"]
    assert error["operation"] == "upsert_contact" and len(error["unresolved"]) == 3


def test_a_contract_without_a_key_in_its_path_or_any_field_is_a_config_error(
        mock_module: Callable[[str], ModuleType], make_client: Callable[[Any], Any],
        tmp_path: Path) -> None:
    bad = {"upsert_contact": {**CONTRACT["upsert_contact"], "path": "/v2/people"}}
    with pytest.raises(ConfigError, match=r"upsert_contact\.path"):
        _crm(mock_module, make_client, tmp_path, bad)
    empty = {"upsert_contact": {"path": "/v2/people/{email}"}}
    with pytest.raises(ConfigError, match="at least one field's JSON pointer"):
        _crm(mock_module, make_client, tmp_path / "2", empty)
