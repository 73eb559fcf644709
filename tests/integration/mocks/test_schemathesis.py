"""Schemathesis against each mock's own OpenAPI document, business and admin routes, and the
Magento simulator's admin API: no 5xx, and every response conforms to its documented schema,
status codes and content type. Positive and negative data, derandomized (fixed); the default
run is bounded (a few examples per operation), ``-m slow`` runs many more.

Fault rules a fuzzed ``/__admin/faults`` call installs are removed after each case, so a 5xx
is never one that was asked for; ``/__admin/reset`` may wipe state, which every operation
must survive anyway. The simulator's document lists only its admin API: its Magento REST
routes are fuzzed from Magento's own document by tests/integration/fuzz/test_magento_rest.py
(and with hostile input by tests/unit/magento/test_fuzz.py); the fault proxy's API by
tests/integration/fuzz/test_faultproxy_api.py."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from peakready.content import load_content_module
from peakready.mockkit import MockSettings

MOCKS = Path(__file__).resolve().parents[3] / "mocks"
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance,
          content_type_conformance]
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
# Business operations get more examples than admin ones in the bounded default run.
DEFAULT_EXAMPLES = {"business": 15, "admin": 5}
SLOW_EXAMPLES = {"business": 100, "admin": 40}


def _options(name: str) -> dict[str, Any]:
    if name == "erp":
        return {"stock": {"A": 10, "B": 5}, "movements_per_second": 0}
    if name == "crm":
        return {"contacts": [{"email": "ann@example.com"}]}
    return {}


def _clear_faults(app: Any) -> None:
    async def clear() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://mock") as client:
            (await client.delete("/__admin/faults")).raise_for_status()

    asyncio.run(clear())


def _fuzz(name: str, mode: GenerationMode, tmp_path: Path, examples: dict[str, int],
          part: str) -> None:
    module = load_content_module("mocks", name, MOCKS)
    app = module.create_app(MockSettings(name, seed=1, data_dir=tmp_path,
                                         options=_options(name)))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.startswith("/__admin") != (part == "admin"):
            continue
        operations += 1

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=examples[part], deadline=None, derandomize=True,
                  database=None, suppress_health_check=list(HealthCheck))
        def run(case: Any) -> None:
            try:
                case.call_and_validate(checks=CHECKS)
            finally:
                # A rule the case installed must not answer the next case's requests.
                _clear_faults(app)

        try:
            run()
        except Unsatisfiable:
            # Negative mode on an operation that has no input to get wrong (no body, string
            # path parameters only): nothing to generate, nothing to check.
            assert mode is GenerationMode.NEGATIVE, operation.path
        except Exception as exc:  # collect every operation's failure, not just the first
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert operations > 0, f"{name} documents no {part} operation"
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ["erp", "crm", "payment", "shipping"])
def test_mock_conforms_to_its_openapi(name: str, mode: GenerationMode, tmp_path: Path) -> None:
    _fuzz(name, mode, tmp_path, DEFAULT_EXAMPLES, "business")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ["erp", "crm", "payment", "shipping", "magento"])
def test_admin_api_conforms_to_its_openapi(name: str, mode: GenerationMode,
                                           tmp_path: Path) -> None:
    _fuzz(name, mode, tmp_path, DEFAULT_EXAMPLES, "admin")


# The simulator's business API is Magento REST: fuzzed from Magento's document elsewhere.
_LARGER = [(name, part) for name in ("erp", "crm", "payment", "shipping", "magento")
           for part in ("business", "admin") if (name, part) != ("magento", "business")]


@pytest.mark.slow
@pytest.mark.timeout(1200)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("name", "part"), _LARGER)
def test_larger_fuzz_run(name: str, part: str, mode: GenerationMode, tmp_path: Path) -> None:
    _fuzz(name, mode, tmp_path, SLOW_EXAMPLES, part)
