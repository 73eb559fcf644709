"""``POST /populate`` keep/replace rules (toxiproxy-api.md §3.1) and ``--config``-style loading."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path

import httpx

from peakready.faultproxy.thread import FaultProxyThread

GO_SLICE = 'struct { toxiproxy.Proxy; Enabled *bool "json:\\"enabled\\"" }'


def test_populate_creates_in_request_order_with_201(api: httpx.Client,
                                                    port_factory: Callable[[], int]) -> None:
    ports = [port_factory(), port_factory()]
    resp = api.post("/populate", json=[
        {"name": "zz", "listen": f"127.0.0.1:{ports[0]}", "upstream": "x:1"},
        {"name": "aa", "listen": f"127.0.0.1:{ports[1]}", "upstream": "x:2", "enabled": False,
         "toxics": [{"type": "latency"}]},
    ])
    assert resp.status_code == 201
    assert resp.headers["content-type"] == "application/json"
    proxies = resp.json()["proxies"]
    assert [p["name"] for p in proxies] == ["zz", "aa"]
    assert [p["enabled"] for p in proxies] == [True, False]
    assert proxies[1]["toxics"] == []  # toxics inside entries are ignored


def test_populate_empty_array_and_null(api: httpx.Client) -> None:
    for body in (b"[]", b"null"):
        resp = api.post("/populate", content=body)
        # Toxiproxy answers null; we answer [] so the Node and Ruby clients can iterate it.
        assert (resp.status_code, resp.content) == (201, b'{"proxies":[]}')


def test_populate_rejects_non_array_with_go_type_text(api: httpx.Client) -> None:
    resp = api.post("/populate", json={"proxies": []})
    assert resp.status_code == 400
    assert resp.headers["content-type"] == "application/json"
    assert resp.json() == {
        "error": f"bad request body: json: cannot unmarshal object into Go value of type "
                 f"[]{GO_SLICE}",
        "status": 400, "proxies": None}
    assert not resp.content.endswith(b"\n")


def test_populate_validates_everything_before_creating(api: httpx.Client) -> None:
    resp = api.post("/populate", json=[{"name": "pop3", "upstream": "x:1"},
                                       {"listen": "x"}])
    assert resp.status_code == 400
    assert resp.json() == {"error": "missing required field: name at proxy 2", "status": 400,
                           "proxies": None}
    resp = api.post("/populate", json=[{"name": "a", "upstream": "x:1"}, {"name": "b"}])
    assert resp.json()["error"] == "missing required field: upstream at proxy 2"
    assert api.get("/proxies").json() == {}


def test_same_listen_and_upstream_keeps_the_proxy_untouched(
        api: httpx.Client, port_factory: Callable[[], int]) -> None:
    port = port_factory()
    api.post("/proxies", json={"name": "p1", "listen": f"127.0.0.1:{port}", "upstream": "x:1"})
    api.post("/proxies/p1/toxics", json={"type": "latency"})
    # localhost resolves to the bound 127.0.0.1 address, so it counts as the same listen (2.12).
    resp = api.post("/populate", json=[{"name": "p1", "listen": f"localhost:{port}",
                                        "upstream": "x:1", "enabled": False}])
    assert resp.status_code == 201
    kept = resp.json()["proxies"][0]
    assert kept["enabled"] is True  # the entry's enabled is ignored
    assert [t["name"] for t in kept["toxics"]] == ["latency_downstream"]


def test_different_upstream_replaces_with_a_brand_new_proxy(
        api: httpx.Client, port_factory: Callable[[], int]) -> None:
    port = port_factory()
    api.post("/proxies", json={"name": "p1", "listen": f"127.0.0.1:{port}", "upstream": "x:1"})
    api.post("/proxies/p1/toxics", json={"type": "latency"})
    resp = api.post("/populate", json=[{"name": "p1", "listen": f"127.0.0.1:{port}",
                                        "upstream": "x:2"}])
    new = resp.json()["proxies"][0]
    assert (new["upstream"], new["toxics"], new["listen"]) == ("x:2", [], f"127.0.0.1:{port}")


def test_port_zero_listen_is_replaced_every_time(api: httpx.Client) -> None:
    entry = [{"name": "eph", "listen": "127.0.0.1:0", "upstream": "x:1"}]
    first = api.post("/populate", json=entry).json()["proxies"][0]["listen"]
    api.post("/proxies/eph/toxics", json={"type": "noop"})
    second = api.post("/populate", json=entry).json()["proxies"][0]
    assert second["listen"] != first
    assert second["toxics"] == []


def test_missing_proxies_are_not_deleted(api: httpx.Client) -> None:
    api.post("/proxies", json={"name": "stay", "listen": "127.0.0.1:0", "upstream": "x:1"})
    api.post("/populate", json=[{"name": "other", "upstream": "x:1"}])
    assert sorted(api.get("/proxies").json()) == ["other", "stay"]


def test_partial_failure_keeps_earlier_proxies(api: httpx.Client) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        resp = api.post("/populate", json=[
            {"name": "ok", "listen": "127.0.0.1:0", "upstream": "x:1"},
            {"name": "clash", "listen": f"127.0.0.1:{port}", "upstream": "x:1"},
            {"name": "never", "upstream": "x:1"},
        ])
    assert resp.status_code == 500
    assert resp.headers["content-type"] == "application/json"
    body = resp.json()
    assert body["error"] == f"listen tcp 127.0.0.1:{port}: bind: address already in use"
    assert body["status"] == 500
    assert [p["name"] for p in body["proxies"]] == ["ok"]
    assert sorted(api.get("/proxies").json()) == ["ok"]


def test_populate_entry_type_errors_use_the_anonymous_struct(api: httpx.Client) -> None:
    resp = api.post("/populate", json=[{"name": 1, "upstream": "x:1"}])
    assert resp.json()["error"] == ("bad request body: json: cannot unmarshal number into Go "
                                    "struct field .name of type string")


def test_config_file_is_loaded_and_errors_are_not_fatal(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps([{"name": "erp", "listen": "127.0.0.1:0", "upstream": "x:1"},
                                {"name": "crm", "upstream": "x:2", "enabled": False}]))
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "an array"}')
    with FaultProxyThread(seed=1) as fp:
        assert fp.call(fp.server.load_config(good)) == 2
        assert fp.call(fp.server.load_config(bad)) == 0
        assert fp.call(fp.server.load_config(tmp_path / "missing.json")) == 0
        names = sorted(httpx.get(fp.url + "/proxies").json())
    assert names == ["crm", "erp"]


def test_an_unresolvable_listen_for_an_existing_name_is_a_500(api: httpx.Client) -> None:
    api.post("/proxies", json={"name": "p1", "listen": "127.0.0.1:0", "upstream": "x:1"})
    resp = api.post("/populate", json=[{"name": "p1", "listen": "bad", "upstream": "x:1"}])
    assert resp.status_code == 500
    assert resp.json() == {"error": "address bad: missing port in address", "status": 500,
                           "proxies": None}
    assert api.get("/proxies/p1").json()["enabled"] is True  # untouched
