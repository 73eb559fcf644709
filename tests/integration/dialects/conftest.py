"""ERP dialects served on loopback for real client libraries (docs/dialects.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.support.asgi_server import Served, loopback_certificate, serve_asgi

from peakready.content import load_content_module
from peakready.mockkit import MockSettings

MOCKS_DIR = Path(__file__).resolve().parents[3] / "mocks"
STOCK = {"SKU-1": 10, "SKU-2": 5, "SKU-3": 0}


def erp_app(tmp_path: Path, dialect: str, **options: Any) -> Any:
    module = load_content_module("mocks", "erp", MOCKS_DIR)
    settings = MockSettings("erp", data_dir=tmp_path / "erp-data", options={
        "dialect": dialect, "stock": STOCK, "movements_per_second": 0, **options})
    return module.create_app(settings)


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return loopback_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    """``serve(dialect, tls=None, **options)`` → the running ERP (stopped after the test)."""
    stack: list[Any] = []

    def start(dialect: str, tls: tuple[Path, Path] | None = None, **options: Any) -> Served:
        context = serve_asgi(erp_app(tmp_path, dialect, **options), tls=tls)
        stack.append(context)
        return context.__enter__()

    yield start
    for context in reversed(stack):
        context.__exit__(None, None, None)


def evidence(url: str, kind: str, verify: Any = True) -> list[dict[str, Any]]:
    body = httpx.get(f"{url}/__admin/evidence", params={"kind": kind, "limit": 1000},
                     verify=verify).json()
    return list(body["records"][kind])


def set_faults(url: str, *rules: dict[str, Any], verify: Any = True) -> None:
    reply = httpx.put(f"{url}/__admin/faults", json={"rules": list(rules)}, verify=verify)
    assert reply.status_code == 200, reply.text
