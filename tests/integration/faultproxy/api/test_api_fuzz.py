"""Fuzz the control API: random methods, paths and bodies (JSON of Toxiproxy's shapes, broken
JSON, raw bytes) must never give a 5xx other than the documented bind/listen 500s, never log a
traceback, and always answer with a request id. Derandomized: the same examples every run."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peakready.faultproxy.thread import FaultProxyThread

KEYS = ["name", "listen", "upstream", "enabled", "type", "stream", "toxicity", "attributes",
        "latency", "jitter", "rate", "average_size", "size_variation", "delay", "timeout",
        "bytes", "expires_in_ms", "holder", "ttl_ms", "toxics", "Logger", "NAME", "proxies"]
WORDS = ["p1", "p2", "latency", "bandwidth", "slicer", "timeout", "limit_data", "reset_peer",
         "slow_close", "noop", "upstream", "downstream", "UPSTREAM", "127.0.0.1:0", "",
         "localhost:0", "nonsense", "127.0.0.1:x", "[::1]:0", "x:1", "fuzz"]
NAMES = ["p1", "p1", "p1", "latency_downstream", "latency_downstream", "p2", "nope", "a b",
         "%", "é", "fuzz"]
TEMPLATES = ["/version", "/proxies", "/populate", "/reset", "/metrics", "/proxies/{}",
             "/proxies/{}/toxics", "/proxies/{}/toxics", "/proxies/{}/toxics/{}",
             "/proxies/{}/toxics/{}", "/proxies/", "/{}",
             "/peakready/info", "/peakready/lease", "/peakready/lease/renew"]

scalars = (st.none() | st.booleans() | st.integers(-(2**70), 2**70)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8)
           | st.sampled_from(WORDS))
json_values = st.recursive(
    scalars,
    lambda children: (st.lists(children, max_size=4)
                      | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=4), children,
                                        max_size=6)),
    max_leaves=16)
attribute_objects = st.dictionaries(
    st.sampled_from(["latency", "jitter", "rate", "average_size", "size_variation", "delay",
                     "timeout", "bytes", "other"]), scalars | st.integers(-5, 2000), max_size=4)
# Mostly objects of the shapes the endpoints decode, so fuzzing reaches deep handler code.
shaped = st.fixed_dictionaries({}, optional={
    "name": st.sampled_from(WORDS) | scalars, "listen": st.sampled_from(WORDS) | scalars,
    "upstream": st.sampled_from(WORDS) | scalars, "enabled": st.booleans() | scalars,
    "type": st.sampled_from(WORDS) | scalars, "stream": st.sampled_from(WORDS) | scalars,
    "toxicity": st.floats(-2, 2) | scalars, "attributes": attribute_objects | json_values,
    "expires_in_ms": st.integers(-5, 5000) | scalars, "holder": st.sampled_from(WORDS),
    "ttl_ms": st.integers(-5, 5000) | scalars})
json_bodies = (shaped | st.lists(shaped, max_size=3) | json_values).map(
    lambda v: json.dumps(v).encode())
bodies = (json_bodies
          | json_bodies.flatmap(lambda b: st.integers(0, len(b)).map(lambda n: b[:n]))
          | json_bodies.map(lambda b: b + b" trailing")
          | st.binary(max_size=48))


def _path(template: str, names: list[str]) -> str:
    filled = template
    for name in names:
        filled = filled.replace("{}", quote(name, safe=""), 1)
    return filled


# The only 500s Toxiproxy documents: listen/bind failures with Go's error text.
DOCUMENTED_500 = ("listen tcp", "missing port in address", "invalid port",
                  "too many colons in address")


@pytest.fixture(scope="module")
def fuzz_client() -> Iterator[httpx.Client]:
    fp = FaultProxyThread(seed=99)
    with httpx.Client(base_url=fp.url, timeout=10) as client:
        yield client
    fp.close()


ROUTES = {"/proxies": ["POST"], "/populate": ["POST"], "/proxies/p1": ["POST", "PATCH"],
          "/proxies/p1/toxics": ["POST"], "/proxies/p1/toxics/latency_downstream":
          ["POST", "PATCH"], "/peakready/lease": ["POST"], "/peakready/lease/renew": ["POST"]}
# Half the examples hit a real route with its write method and a body shaped for it (deep
# handler code); the other half are anything at all.
targeted = st.sampled_from(sorted(ROUTES)).flatmap(
    lambda path: st.tuples(st.sampled_from(ROUTES[path]), st.just(path), json_bodies))
anything = st.tuples(
    st.sampled_from(["GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS"]),
    st.builds(_path, st.sampled_from(TEMPLATES),
              st.lists(st.sampled_from(NAMES) | st.text(min_size=1, max_size=6), min_size=2,
                       max_size=2)),
    bodies)


def _check(client: httpx.Client, caplog: pytest.LogCaptureFixture,
           request: tuple[str, str, bytes]) -> None:
    method, path, body = request
    # Examples delete things; put the proxy and toxic the paths name back so depth is kept.
    client.post("/proxies", json={"name": "p1", "listen": "127.0.0.1:0", "upstream": "x:1"})
    client.post("/proxies/p1/toxics", json={"type": "latency"})
    caplog.clear()
    caplog.set_level(logging.ERROR, logger="peakready.faultproxy")
    resp = client.request(method, path, content=body)
    assert len(resp.headers.get("x-toxiproxy-request-id", "")) == 20
    if resp.status_code >= 500:
        assert resp.status_code == 500, resp.text
        error = resp.json()["error"]
        assert any(marker in error for marker in DOCUMENTED_500), (method, path, body, error)
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert not tracebacks, tracebacks[0].getMessage()


_SETTINGS = dict(deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.function_scoped_fixture,
                                        HealthCheck.too_slow])


@settings(max_examples=150, **_SETTINGS)  # type: ignore[arg-type]
@given(request=targeted | anything)
def test_fuzzed_requests_never_5xx_or_traceback(fuzz_client: httpx.Client,
                                                caplog: pytest.LogCaptureFixture,
                                                request: tuple[str, str, bytes]) -> None:
    _check(fuzz_client, caplog, request)


@pytest.mark.slow
@settings(max_examples=3000, **_SETTINGS)  # type: ignore[arg-type]
@given(request=targeted | anything)
def test_fuzzed_requests_deep(fuzz_client: httpx.Client, caplog: pytest.LogCaptureFixture,
                              request: tuple[str, str, bytes]) -> None:
    _check(fuzz_client, caplog, request)
