"""The CRM mock in a dialect, for tests that drive it with the vendors' client libraries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from peakready.content import load_content_module
from peakready.mockkit import MockSettings

__all__ = ["CONTACTS", "crm_app", "evidence", "set_faults"]

MOCKS_DIR = Path(__file__).resolve().parents[2] / "mocks"
# A contact the CRM already has (its marketing set the owned fields), Magento customer 7.
CONTACTS = [{"email": "ann@example.com", "firstname": "Ann", "lastname": "Lee",
             "magento_customer_id": 7, "segment": "vip", "marketing_consent": True,
             "lead_score": 80}]


def crm_app(tmp_path: Path, dialect: str, **options: Any) -> Any:
    module = load_content_module("mocks", "crm", MOCKS_DIR)
    settings = MockSettings("crm", data_dir=tmp_path / f"crm-{dialect}", options={
        "dialect": dialect, "contacts": CONTACTS, **options})
    return module.create_app(settings)


def evidence(url: str, kind: str, verify: Any = True) -> list[dict[str, Any]]:
    body = httpx.get(f"{url}/__admin/evidence", params={"kind": kind, "limit": 1000},
                     verify=verify).json()
    return list(body["records"][kind])


def set_faults(url: str, *rules: dict[str, Any], verify: Any = True) -> None:
    reply = httpx.put(f"{url}/__admin/faults", json={"rules": list(rules)}, verify=verify)
    assert reply.status_code == 200, reply.text
