"""Schemathesis against the fault proxy's control API (the real server on a loopback port),
from the OpenAPI document beside this file: every status is one the document lists, every
JSON body matches its schema, every error is Toxiproxy's envelope whose ``status`` is the
HTTP status, and a 5xx only where Toxiproxy answers one on purpose (a listen address that
cannot be bound: spec §2, "any other failure → 500 carrying Go's raw error text").

Before each case the proxy holds one proxy ``erp`` with one toxic ``lat`` (so path lookups
hit and miss), and after it every proxy and the lease are removed again. The default run is
bounded; ``-m slow`` runs many more examples."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from peakready.faultproxy.thread import FaultProxyThread

DOCUMENT = Path(__file__).with_name("faultproxy-openapi.yaml")
# Go's net errors for an address that cannot be bound: the one intended 5xx.
_INTENDED_500 = re.compile(r"^(listen tcp|address \S+: |.*bind: )")
_ROUTE_MISS = "404 page not found\n"


@schemathesis.check
def toxiproxy_errors(ctx: Any, response: Any, case: Any) -> bool | None:
    status = response.status_code
    if status < 400:
        return None
    text = response.content.decode("utf-8", "replace")
    if status == 404 and text == _ROUTE_MISS:
        return None
    body = json.loads(text)
    assert isinstance(body.get("error"), str) and body.get("status") == status, text
    if status >= 500:
        assert _INTENDED_500.match(body["error"]), f"unintended {status}: {body['error']}"
    return None


CHECKS = [toxiproxy_errors, response_schema_conformance, status_code_conformance,
          content_type_conformance]


@pytest.fixture(scope="module")
def proxy_server() -> Iterator[FaultProxyThread]:
    with FaultProxyThread(seed=3) as server:
        yield server


def _prepare(client: httpx.Client) -> None:
    client.post("/proxies", json={"name": "erp", "upstream": "127.0.0.1:9",
                                  "listen": "127.0.0.1:0"}).raise_for_status()
    client.post("/proxies/erp/toxics", json={"name": "lat", "type": "latency",
                                              "attributes": {"latency": 5}}).raise_for_status()


def _clean(client: httpx.Client) -> None:
    # Names a case created may hold any character; one with "/" can never be addressed
    # again (Toxiproxy's quirk, spec §2) and stays until the module's server stops.
    for name in client.get("/proxies").json():
        client.delete("/proxies/" + quote(name, safe=""))
    client.delete("/peakready/lease")


def _fuzz(server: FaultProxyThread, mode: GenerationMode, examples: int) -> None:
    raw = yaml.safe_load(DOCUMENT.read_text("utf-8"))
    schema = schemathesis.openapi.from_dict(raw)
    schema.config.update(base_url=server.url)
    client = httpx.Client(base_url=server.url, timeout=10.0)
    failures: list[str] = []
    operations = 0
    try:
        for result in schema.get_all_operations():
            operation = result.ok()
            operations += 1

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def run(case: Any) -> None:
                _clean(client)
                _prepare(client)
                try:
                    case.call_and_validate(checks=CHECKS)
                finally:
                    _clean(client)

            try:
                run()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE, operation.path
            except Exception as exc:  # every operation's failure, not just the first
                failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    finally:
        client.close()
    assert operations == 21, "the document lists every route of the control API"
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_control_api_conforms_to_its_document(proxy_server: FaultProxyThread,
                                              mode: GenerationMode) -> None:
    _fuzz(proxy_server, mode, 8)


@pytest.mark.slow
@pytest.mark.timeout(1200)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_larger_control_api_fuzz(proxy_server: FaultProxyThread, mode: GenerationMode) -> None:
    _fuzz(proxy_server, mode, 120)


def test_the_checks_catch_an_unintended_5xx_and_a_bad_envelope() -> None:
    # The envelope check must be able to fail: a 500 that is not a bind failure, and a 404
    # whose status field disagrees, are both refused.
    class Reply:
        def __init__(self, status: int, body: str) -> None:
            self.status_code, self.content = status, body.encode()

    with pytest.raises(AssertionError, match="unintended 500"):
        toxiproxy_errors(None, Reply(500, '{"error":"KeyError: name","status":500}\n'), None)
    with pytest.raises(AssertionError):
        toxiproxy_errors(None, Reply(404, '{"error":"proxy not found","status":400}\n'), None)
    assert toxiproxy_errors(None, Reply(404, _ROUTE_MISS), None) is None
