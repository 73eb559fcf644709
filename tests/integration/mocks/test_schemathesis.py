"""Schemathesis against each mock's own OpenAPI document: no 5xx, and every response
conforms to its documented schema and status codes (no faults are set, so none are
injected). Positive and negative data, 15 examples per operation, derandomized (fixed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
# The admin API is exercised by its own tests; fuzzing reset/faults would only wipe state.
SKIP_PATHS = ("/__admin/reset", "/__admin/faults")


def _options(name: str) -> dict[str, Any]:
    if name == "erp":
        return {"stock": {"A": 10, "B": 5}, "movements_per_second": 0}
    if name == "crm":
        return {"contacts": [{"email": "ann@example.com"}]}
    return {}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("name", ["erp", "crm", "payment", "shipping"])
def test_mock_conforms_to_its_openapi(name: str, mode: GenerationMode, tmp_path: Path) -> None:
    module = load_content_module("mocks", name, MOCKS)
    app = module.create_app(MockSettings(name, seed=1, data_dir=tmp_path,
                                         options=_options(name)))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.startswith(SKIP_PATHS):
            continue

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=15, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case: Any) -> None:
            case.call_and_validate(checks=CHECKS)

        try:
            run()
        except Unsatisfiable:
            # Negative mode on an operation that has no input to get wrong (no body, string
            # path parameters only): nothing to generate, nothing to check.
            assert mode is GenerationMode.NEGATIVE, operation.path
        except Exception as exc:  # collect every operation's failure, not just the first
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)
