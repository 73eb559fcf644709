"""Every row of toxiproxy-api.md §3 and the golden transcripts of §13, against the real server
on 127.0.0.1:0 (listen ports differ from the transcripts; everything else is compared exactly)."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable

import httpx
import pytest

import peakready

PLAIN = "text/plain; charset=utf-8"


def assert_error(resp: httpx.Response, status: int, message: str) -> None:
    assert resp.status_code == status
    assert resp.content == json.dumps({"error": message, "status": status},
                                      separators=(",", ":")).encode() + b"\n"
    assert resp.headers["content-type"] == PLAIN
    assert resp.headers["x-content-type-options"] == "nosniff"


def make_proxy(api: httpx.Client, name: str = "p1", upstream: str = "127.0.0.1:28080",
               **extra: object) -> dict[str, object]:
    resp = api.post("/proxies", json={"name": name, "listen": "127.0.0.1:0",
                                      "upstream": upstream, **extra})
    assert resp.status_code == 201, resp.text
    body: dict[str, object] = resp.json()
    return body


# -- /version and /proxies ------------------------------------------------------------------------

def test_version_body_is_toxiproxys_byte_for_byte(api: httpx.Client) -> None:
    resp = api.get("/version")
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/json;charset=utf-8"
    assert resp.content == b'{"version": "2.12.0"}\n'
    # peakready's identity is in the header (and /peakready/info), not in the body.
    assert resp.headers["x-peakready-version"] == peakready.__version__


def test_proxy_index_is_an_object_sorted_by_name(api: httpx.Client) -> None:
    assert api.get("/proxies").content == b"{}"
    for name in ("zeta", "alpha", "mid"):
        make_proxy(api, name)
    resp = api.get("/proxies")
    assert resp.headers["content-type"] == "application/json"
    assert list(resp.json()) == ["alpha", "mid", "zeta"]
    assert resp.json()["mid"]["toxics"] == []


def test_proxy_create_golden(api: httpx.Client) -> None:
    resp = api.post("/proxies", content=b'{"name":"p1","listen":"127.0.0.1:0",'
                                        b'"upstream":"127.0.0.1:28080"}')
    assert resp.status_code == 201
    assert resp.headers["content-type"] == "application/json"
    port = resp.json()["listen"].rsplit(":", 1)[1]
    assert int(port) > 0
    assert resp.content == (b'{"name":"p1","listen":"127.0.0.1:' + port.encode()
                            + b'","upstream":"127.0.0.1:28080","enabled":true,"Logger":{},'
                              b'"toxics":[]}')


def test_proxy_create_errors(api: httpx.Client) -> None:
    make_proxy(api)
    assert_error(api.post("/proxies", json={"name": "p1", "upstream": "x:1"}), 409,
                 "proxy already exists")
    assert_error(api.post("/proxies", json={"listen": "127.0.0.1:0", "upstream": "x:1"}), 400,
                 "missing required field: name")
    assert_error(api.post("/proxies", json={"name": "p2"}), 400,
                 "missing required field: upstream")
    assert_error(api.post("/proxies", content=b'{"name":"px",'), 400,
                 "bad request body: unexpected EOF")
    assert_error(api.post("/proxies", content=b""), 400, "bad request body: EOF")
    assert_error(api.post("/proxies", json={"name": 5, "upstream": "x:1"}), 400,
                 "bad request body: json: cannot unmarshal number into Go struct field "
                 "Proxy.name of type string")
    assert_error(api.post("/proxies", json={"name": "p3", "upstream": "x:1", "enabled": "yes"}),
                 400, "bad request body: json: cannot unmarshal string into Go struct field "
                      "Proxy.enabled of type bool")


def test_name_conflict_is_checked_before_binding(api: httpx.Client) -> None:
    listen = make_proxy(api)["listen"]
    # Same name AND a busy port: 409, not the bind error.
    assert_error(api.post("/proxies", json={"name": "p1", "listen": listen, "upstream": "x:1"}),
                 409, "proxy already exists")


def test_bind_conflict_is_500_with_go_text(api: httpx.Client) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        resp = api.post("/proxies", json={"name": "px", "listen": f"localhost:{port}",
                                          "upstream": "x:1"})
        assert_error(resp, 500, f"listen tcp 127.0.0.1:{port}: bind: address already in use")
    assert api.get("/proxies/px").status_code == 404
    assert_error(api.post("/proxies", json={"name": "py", "listen": "nonsense",
                                            "upstream": "x:1"}),
                 500, "listen tcp: address nonsense: missing port in address")


def test_null_means_absent_and_trailing_garbage_is_ignored(api: httpx.Client) -> None:
    resp = api.post("/proxies", content=b'{"name":"n1","listen":null,"upstream":"x:1",'
                                        b'"enabled":null} trailing {garbage')
    assert resp.status_code == 201
    body = resp.json()
    assert body["enabled"] is True
    assert body["listen"].startswith("127.0.0.1:")  # empty listen → loopback (documented)


def test_keys_match_case_insensitively_and_unknown_keys_are_ignored(api: httpx.Client) -> None:
    resp = api.post("/proxies", json={"NAME": "ci", "Upstream": "x:1", "listen": "127.0.0.1:0",
                                      "bogus": [1, 2], "toxics": [{"type": "latency"}]})
    assert resp.status_code == 201
    assert resp.json()["name"] == "ci"
    assert resp.json()["toxics"] == []


def test_create_disabled_registers_without_binding(api: httpx.Client) -> None:
    body = make_proxy(api, "off", enabled=False)
    assert body["enabled"] is False
    assert body["listen"] == "127.0.0.1:0"


# -- one proxy ------------------------------------------------------------------------------------

def test_proxy_show_update_delete(api: httpx.Client) -> None:
    make_proxy(api)
    assert api.get("/proxies/p1").json()["name"] == "p1"
    assert_error(api.get("/proxies/nope"), 404, "proxy not found")
    for port, method in enumerate(("POST", "PATCH"), start=1):
        resp = api.request(method, "/proxies/p1", json={"upstream": f"127.0.0.1:{port}",
                                                        "name": "ignored"})
        assert resp.status_code == 200
        assert resp.json()["name"] == "p1"
        assert resp.json()["upstream"] == f"127.0.0.1:{port}"
        assert resp.json()["toxics"] == []
    assert api.get("/proxies/p1").json()["upstream"] == "127.0.0.1:2"
    assert_error(api.patch("/proxies/nope", json={}), 404, "proxy not found")
    assert_error(api.patch("/proxies/p1", content=b""), 400, "bad request body: EOF")
    assert_error(api.patch("/proxies/p1", json={"listen": "bad"}), 500,
                 "address bad: missing port in address")
    resp = api.delete("/proxies/p1")
    assert resp.status_code == 204
    assert resp.content == b""
    assert_error(api.delete("/proxies/p1"), 404, "proxy not found")


def test_update_enable_disable_keeps_toxics(api: httpx.Client) -> None:
    make_proxy(api)
    api.post("/proxies/p1/toxics", json={"type": "latency", "attributes": {"latency": 5}})
    listen = api.get("/proxies/p1").json()["listen"]
    assert api.post("/proxies/p1", json={"enabled": False}).json()["enabled"] is False
    api.post("/proxies/p1/toxics", json={"type": "noop"})  # toxics can be added while disabled
    body = api.post("/proxies/p1", json={"enabled": True}).json()
    assert body["enabled"] is True
    assert body["listen"] == listen  # re-enabling binds the same address again
    assert [t["name"] for t in body["toxics"]] == ["latency_downstream", "noop_downstream"]


def test_update_with_a_new_listen_restarts_on_it(api: httpx.Client,
                                                 port_factory: Callable[[], int]) -> None:
    make_proxy(api)
    port = port_factory()
    body = api.patch("/proxies/p1", json={"listen": f"localhost:{port}"}).json()
    assert body["listen"] == f"127.0.0.1:{port}"
    assert body["enabled"] is True


def test_update_bind_failure_is_500(api: httpx.Client) -> None:
    make_proxy(api)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert_error(api.patch("/proxies/p1", json={"listen": f"127.0.0.1:{port}"}), 500,
                     f"listen tcp 127.0.0.1:{port}: bind: address already in use")


# -- toxics ---------------------------------------------------------------------------------------

def test_toxic_golden_transcript(api: httpx.Client) -> None:
    make_proxy(api)
    resp = api.post("/proxies/p1/toxics",
                    content=b'{"type":"latency","attributes":{"latency":200,"jitter":10}}')
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/json"
    assert resp.content == (b'{"attributes":{"latency":200,"jitter":10},'
                            b'"name":"latency_downstream",'
                            b'"type":"latency","stream":"downstream","toxicity":1}')
    resp = api.post("/proxies/p1/toxics", content=b'{"type":"latency","stream":"upstream",'
                    b'"toxicity":0.5,"attributes":{"latency":50}}')
    assert resp.content == (b'{"attributes":{"latency":50,"jitter":0},"name":"latency_upstream",'
                            b'"type":"latency","stream":"upstream","toxicity":0.5}')
    assert_error(api.post("/proxies/p1/toxics", json={"type": "bogus"}), 400,
                 "invalid toxic type")
    assert_error(api.post("/proxies/p1/toxics", json={"type": "latency", "stream": "sideways"}),
                 400, "stream was invalid, can be either upstream or downstream")
    assert_error(api.post("/proxies/p1/toxics", json={"type": "latency", "name": "fresh",
                                                      "attributes": {"latency": "x"}}), 400,
                 "bad request body: json: cannot unmarshal string into Go struct field "
                 "LatencyToxic.attributes.latency of type int64")
    assert_error(api.post("/proxies/p1/toxics", json={"type": "latency"}), 409,
                 "toxic already exists")
    resp = api.patch("/proxies/p1/toxics/latency_downstream", json={"attributes": {"latency": 300}})
    assert resp.json()["attributes"] == {"latency": 300, "jitter": 10}
    resp = api.patch("/proxies/p1/toxics/latency_downstream",
                     json={"type": "bandwidth", "stream": "upstream", "name": "renamed",
                           "toxicity": 0.25})
    assert resp.content == (b'{"attributes":{"latency":300,"jitter":10},'
                            b'"name":"latency_downstream","type":"latency",'
                            b'"stream":"downstream","toxicity":0.25}')
    assert_error(api.get("/proxies/p1/toxics/nope"), 404, "toxic not found")
    assert_error(api.get("/proxies/nope/toxics/x"), 404, "proxy not found")
    resp = api.delete("/proxies/p1/toxics/latency_downstream")
    assert (resp.status_code, resp.content) == (204, b"")
    assert_error(api.delete("/proxies/p1/toxics/latency_downstream"), 404, "toxic not found")
    assert_error(api.delete("/proxies/nope/toxics/x"), 404, "proxy not found")


def test_toxic_index_lists_upstream_then_downstream_in_insertion_order(
        api: httpx.Client) -> None:
    make_proxy(api)
    assert api.get("/proxies/p1/toxics").content == b"[]"
    for name, stream in (("d1", "downstream"), ("u1", "upstream"), ("d2", "downstream"),
                         ("u2", "UPSTREAM")):
        assert api.post("/proxies/p1/toxics", json={"type": "noop", "name": name,
                                                    "stream": stream}).status_code == 200
    assert [t["name"] for t in api.get("/proxies/p1/toxics").json()] == ["u1", "u2", "d1", "d2"]
    assert_error(api.get("/proxies/nope/toxics"), 404, "proxy not found")
    assert_error(api.post("/proxies/nope/toxics", json={"type": "noop"}), 404, "proxy not found")


def test_toxic_create_check_order(api: httpx.Client) -> None:
    make_proxy(api)
    assert_error(api.post("/proxies/p1/toxics", json={}), 400, "invalid toxic type")
    # A bad stream wins over a bad type.
    assert_error(api.post("/proxies/p1/toxics", json={"type": "bogus", "stream": "x"}), 400,
                 "stream was invalid, can be either upstream or downstream")
    assert_error(api.post("/proxies/p1/toxics", content=b"[]"), 400,
                 "bad request body: json: cannot unmarshal array into Go value of type "
                 "toxics.ToxicWrapper")
    api.post("/proxies/p1/toxics", json={"type": "latency", "name": "taken"})
    # Name uniqueness (409) is checked before the attributes are decoded (400).
    assert_error(api.post("/proxies/p1/toxics", json={"type": "latency", "name": "taken",
                                                      "attributes": {"latency": 1.5}}),
                 409, "toxic already exists")
    # Names are unique across both streams.
    assert_error(api.post("/proxies/p1/toxics", json={"type": "noop", "name": "taken",
                                                      "stream": "upstream"}),
                 409, "toxic already exists")


def test_default_name_uses_the_stream_as_sent(api: httpx.Client) -> None:
    make_proxy(api)
    body = api.post("/proxies/p1/toxics", json={"type": "latency", "stream": "UPSTREAM"}).json()
    assert body["name"] == "latency_UPSTREAM"
    assert body["stream"] == "UPSTREAM"


def test_toxicity_is_not_validated_but_must_be_a_number(api: httpx.Client) -> None:
    make_proxy(api)
    for n, value in enumerate((2, -1, 0.1)):
        body = api.post("/proxies/p1/toxics", json={"type": "noop", "name": f"t{n}",
                                                    "toxicity": value}).json()
        assert body["toxicity"] == value
    assert_error(api.post("/proxies/p1/toxics", json={"type": "noop", "toxicity": "0.5"}), 400,
                 "bad request body: json: cannot unmarshal string into Go struct field "
                 "ToxicWrapper.toxicity of type float32")


def test_attributes_are_integers_zero_filled(api: httpx.Client) -> None:
    make_proxy(api)
    assert_error(api.post("/proxies/p1/toxics", json={"type": "latency",
                                                      "attributes": {"latency": 1.5}}), 400,
                 "bad request body: json: cannot unmarshal number 1.5 into Go struct field "
                 "LatencyToxic.attributes.latency of type int64")
    assert_error(api.post("/proxies/p1/toxics", json={"type": "slicer",
                                                      "attributes": {"delay": "1"}}), 400,
                 "bad request body: json: cannot unmarshal string into Go struct field "
                 "SlicerToxic.attributes.delay of type int")
    body = api.post("/proxies/p1/toxics", json={"type": "latency",
                                                "attributes": {"latency": -5, "other": 9}}).json()
    assert body["attributes"] == {"latency": -5, "jitter": 0}
    body = api.post("/proxies/p1/toxics", json={"type": "bandwidth", "attributes": None}).json()
    assert body["attributes"] == {"rate": 0}
    body = api.post("/proxies/p1/toxics", json={"type": "noop", "attributes": {"x": 1}}).json()
    assert body["attributes"] == {}


def test_slicer_average_size_zero_is_refused(api: httpx.Client) -> None:
    make_proxy(api)
    resp = api.post("/proxies/p1/toxics", json={"type": "slicer",
                                                "attributes": {"average_size": 0}})
    assert resp.status_code == 400
    assert resp.json()["error"].startswith("bad request body: ")
    ok = api.post("/proxies/p1/toxics", json={"type": "slicer",
                                              "attributes": {"average_size": 10}})
    assert ok.status_code == 200
    assert api.patch("/proxies/p1/toxics/slicer_downstream",
                     json={"attributes": {"average_size": -1}}).status_code == 400
    assert api.get("/proxies/p1/toxics/slicer_downstream").json()["attributes"][
        "average_size"] == 10


def test_toxic_update_errors_and_null_body(api: httpx.Client) -> None:
    make_proxy(api)
    api.post("/proxies/p1/toxics", json={"type": "latency", "attributes": {"latency": 7}})
    path = "/proxies/p1/toxics/latency_downstream"
    assert_error(api.patch(path, content=b""), 400, "bad request body: EOF")
    assert_error(api.patch("/proxies/p1/toxics/nope", content=b""), 404, "toxic not found")
    assert_error(api.patch("/proxies/nope/toxics/x", json={}), 404, "proxy not found")
    assert_error(api.post(path, json={"toxicity": "x"}), 400,
                 "bad request body: json: cannot unmarshal string into Go struct field "
                 ".toxicity of type float32")
    assert api.post(path, content=b"null").json()["attributes"] == {"latency": 7, "jitter": 0}


# -- reset, metrics, method/path errors ----------------------------------------------------------

def test_reset_enables_all_and_removes_all_toxics(api: httpx.Client) -> None:
    make_proxy(api, "a")
    make_proxy(api, "b")
    api.post("/proxies/a/toxics", json={"type": "latency"})
    api.post("/proxies/b", json={"enabled": False})
    resp = api.post("/reset", content=b"ignored body")
    assert (resp.status_code, resp.content) == (204, b"")
    for proxy in api.get("/proxies").json().values():
        assert proxy["enabled"] is True
        assert proxy["toxics"] == []


def test_reset_fails_with_500_when_a_proxy_cannot_rebind(api: httpx.Client) -> None:
    listen = make_proxy(api)["listen"]
    api.post("/proxies/p1", json={"enabled": False})
    port = int(listen.rsplit(":", 1)[1])
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", port))
        busy.listen()
        assert_error(api.post("/reset"), 500,
                     f"listen tcp 127.0.0.1:{port}: bind: address already in use")


def test_metrics_served_by_default(api: httpx.Client) -> None:
    make_proxy(api)
    resp = api.get("/metrics")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/plain")
    assert 'toxiproxy_proxy_received_bytes_total{direction="upstream"' in resp.text


def test_no_metrics_restores_toxiproxys_404(make_server: Callable[..., object]) -> None:
    server = make_server(metrics=False)
    resp = httpx.get(server.url + "/metrics")  # type: ignore[attr-defined]
    assert (resp.status_code, resp.content) == (404, b"404 page not found\n")


@pytest.mark.parametrize(("method", "path"), [
    ("HEAD", "/version"), ("PUT", "/proxies"), ("DELETE", "/proxies"), ("GET", "/populate"),
    ("GET", "/reset"), ("PUT", "/proxies/p1"), ("PUT", "/proxies/p1/toxics"),
    ("PUT", "/proxies/p1/toxics/t"),
])
def test_known_path_wrong_method_is_405_empty(api: httpx.Client, method: str, path: str) -> None:
    resp = api.request(method, path)
    assert resp.status_code == 405
    assert resp.content == b""
    assert "content-type" not in resp.headers


@pytest.mark.parametrize("path", ["/proxies/", "/nope", "/proxies/p1/toxics/t/x", "/version/",
                                  "/proxies/a%2Fb"])
def test_unknown_path_is_404_text(api: httpx.Client, path: str) -> None:
    resp = api.get(path)
    assert (resp.status_code, resp.content) == (404, b"404 page not found\n")
    assert resp.headers["content-type"] == PLAIN
