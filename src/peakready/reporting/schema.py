"""``docs/result-schema.json``: the JSON Schema of result.json, generated from RunResult.

    .venv/bin/python -m peakready.reporting.schema docs/result-schema.json

A unit test regenerates it in memory and compares, so the checked-in file is always current.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from peakready.reporting.result import SCHEMA_VERSION, RunResult

__all__ = ["result_schema", "schema_text"]


def result_schema() -> dict[str, Any]:
    schema = RunResult.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://peakready.dev/schemas/result-v{SCHEMA_VERSION}.json"
    schema["description"] = ("peakready result.json: the source of truth of a run; every "
                             "report is drawn from it. Generated from "
                             "peakready.reporting.result.RunResult.")
    return schema


def schema_text() -> str:
    return json.dumps(result_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/result-schema.json")
    target.write_text(schema_text(), encoding="utf-8")
