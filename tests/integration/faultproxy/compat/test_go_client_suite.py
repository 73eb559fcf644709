"""Shopify/toxiproxy's own API suite (``api_test.go``, which drives the server through the Go
client in ``client/``) and the Go client's ``client/client_test.go``, replayed against our
server with the exact requests the Go client sends.

What the Go client sends: ``User-Agent: toxiproxy-cli`` (the CLI: ``toxiproxy-cli/<v> (os/arch)``),
``Content-Type: application/json`` on every request, Go's ``Accept-Encoding: gzip``; the whole
``Proxy`` struct on create/populate/save (``"toxics": null`` when it has none, the full toxic list
when it came from the server); toxics as ``{"name":"","type":…,"stream"?:…,"toxicity":…,
"attributes":…}`` (``name`` is not omitempty, ``stream`` is); toxic updates as PATCH with
``{"attributes":…,"toxicity"?:…}``; reset as POST with an empty body (``Content-Length: 0``).
What it parses: any 2xx body into typed structs (``enabled`` bool, ``toxicity`` float32), and
errors as ``{"error": string, "status": int}``, shown as ``<Op>: HTTP <status>: <error>``.
The ``go`` fixture (``GoWire`` in conftest.py) speaks that dialect; toxiproxy-cli, the
``proxy_test.go`` cases and the older clients are in test_go_cli_suite.py.
"""

from __future__ import annotations

from typing import Any

import pytest


def find(toxic_list: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    return next((t for t in toxic_list if t["name"] == name), None)


# -- client/client_test.go ---------------------------------------------------------------------

# Shopify/toxiproxy client/client_test.go TestClient_Headers: a versioned CLI user agent.
def test_client_headers_versioned_user_agent_is_served(go: Any) -> None:
    ua = {"User-Agent": "toxiproxy-cli/v1.25.0 (darwin/arm64)"}
    assert go.get("/version", headers=ua).status == 200
    assert go.get("/proxies", headers=ua).status == 200
    assert go.post("/proxies", go.proxy_body("foo", "127.0.0.1:0", "example.com:0"),
                   headers=ua).status == 201
    assert go.post("/reset", b"", headers=ua).status == 204


# Shopify/toxiproxy client/client_test.go TestClient_AuthToken: newer clients send a bearer token;
# Toxiproxy ignores it, so must we (with and without).
@pytest.mark.parametrize("token", ["", "Bearer secret"])
def test_client_auth_token_is_ignored(go: Any, token: str) -> None:
    headers = {"Authorization": token} if token else {}
    resp = go.get("/version", headers=headers)
    assert resp.status == 200
    assert tuple(int(x) for x in resp.json()["version"].split(".")) >= (2, 6, 0)


# -- api_test.go -------------------------------------------------------------------------------

# Shopify/toxiproxy api_test.go TestRequestId (User-Agent: curl).
def test_request_id(go: Any) -> None:
    resp = go.get("/version", headers={"User-Agent": "curl"})
    assert len(resp.headers["x-toxiproxy-request-id"]) == 20


# Shopify/toxiproxy api_test.go TestBrowserGets403 / TestNonBrowserGets200.
def test_browser_gets_403_non_browser_200(go: Any) -> None:
    opera = ("Mozilla/5.0 (Linux; Android 4.4.2); Nexus 5 Build/KOT49H) AppleWebKit/537.36"
             "(KHTML, like Gecko) Chrome/33.0.1750.117 Mobile Safari/537.36 OPR/20.0.1396.72047")
    assert go.get("/proxies", headers={"User-Agent": opera}).status == 403
    assert go.get("/proxies", headers={"User-Agent": "Wget/2.1"}).status == 200


# Shopify/toxiproxy api_test.go TestIndexWithNoProxies.
def test_index_with_no_proxies(go: Any) -> None:
    resp = go.get("/proxies")
    assert (resp.status, resp.json()) == (200, {})


# Shopify/toxiproxy api_test.go TestCreateProxyBlankName / TestCreateProxyBlankUpstream.
def test_create_proxy_blank_name_and_upstream(go: Any) -> None:
    assert go.error("Create", go.post("/proxies", go.proxy_body("", "", ""))) == \
        "Create: HTTP 400: missing required field: name"
    assert go.error("Create", go.post("/proxies", go.proxy_body("test", "", ""))) == \
        "Create: HTTP 400: missing required field: upstream"


def populate(go: Any, entries: list[dict[str, Any]]) -> Any:
    return go.post("/populate", entries)


# Shopify/toxiproxy api_test.go TestPopulateProxy.
def test_populate_proxy(go: Any, kit: Any) -> None:
    p1, p2 = kit.free_port(), kit.free_port()
    resp = populate(go, [go.proxy_body("one", f"localhost:{p1}", "localhost:7171"),
                         go.proxy_body("two", f"localhost:{p2}", "localhost:7474")])
    assert resp.status == 201
    proxies = [go.check_proxy(p) for p in resp.json()["proxies"]]
    assert [p["name"] for p in proxies] == ["one", "two"]
    assert all(kit.can_connect(p["listen"]) for p in proxies)


# Shopify/toxiproxy api_test.go TestPopulateDefaultEnabled (plain http.Post, Go's default UA).
def test_populate_default_enabled(go: Any, kit: Any) -> None:
    port = kit.free_port()
    resp = go.post("/populate", f'[{{"name": "test", "listen": "localhost:{port}", '
                   f'"upstream": "localhost:7171"}}]'.encode(),
                   headers={"User-Agent": "Go-http-client/1.1"})
    assert resp.status == 201
    proxies = go.get("/proxies").json()
    assert list(proxies) == ["test"] and proxies["test"]["enabled"] is True
    assert kit.can_connect(proxies["test"]["listen"])


# Shopify/toxiproxy api_test.go TestPopulateDisabledProxy.
def test_populate_disabled_proxy(go: Any, kit: Any) -> None:
    p1, p2 = kit.free_port(), kit.free_port()
    resp = populate(go, [go.proxy_body("one", f"localhost:{p1}", "localhost:7171", False),
                         go.proxy_body("two", f"localhost:{p2}", "localhost:7474")])
    assert resp.status == 201
    assert [p["name"] for p in resp.json()["proxies"]] == ["one", "two"]
    assert not kit.can_connect(f"localhost:{p1}")
    assert kit.can_connect(f"localhost:{p2}")


# Shopify/toxiproxy api_test.go TestPopulateExistingProxy: same resolved listen and upstream →
# kept with its toxic; a different listen → replaced.
def test_populate_existing_proxy(go: Any, kit: Any) -> None:
    p1, p2, p3 = kit.free_port(), kit.free_port(), kit.free_port()
    go.create("one", f"localhost:{p1}", "localhost:7171")
    go.create("two", f"localhost:{p2}", "localhost:7474")
    assert go.post("/proxies/one/toxics",
                   go.toxic_body("", "latency", "downstream", 1, None)).status == 200
    resp = populate(go, [go.proxy_body("one", f"127.0.0.1:{p1}", "localhost:7171"),
                         go.proxy_body("two", f"127.0.0.1:{p3}", "localhost:7676")])
    assert resp.status == 201
    got = [go.check_proxy(p) for p in resp.json()["proxies"]]
    assert [(p["name"], p["listen"]) for p in got] == [
        ("one", f"127.0.0.1:{p1}"), ("two", f"127.0.0.1:{p3}")]
    assert [t["type"] for t in go.toxics("one")] == ["latency"]
    assert all(kit.can_connect(p["listen"]) for p in got)


# Shopify/toxiproxy api_test.go TestPopulateWithBadName.
def test_populate_with_bad_name(go: Any, kit: Any) -> None:
    resp = populate(go, [go.proxy_body("one", f"localhost:{kit.free_port()}", "localhost:7171"),
                         go.proxy_body("", "", "")])
    assert go.error("Populate", resp) == \
        "Populate: HTTP 400: missing required field: name at proxy 2"
    assert go.get("/proxies").json() == {}


# Shopify/toxiproxy api_test.go TestPopulateProxyWithBadDataShouldReturnError: stops at the bad
# listen; the proxy before it stays, the ones from it on are not created.
def test_populate_proxy_with_bad_data_should_return_error(go: Any, kit: Any) -> None:
    resp = populate(go, [go.proxy_body("one", f"localhost:{kit.free_port()}", "localhost:7171"),
                         go.proxy_body("two", "local373", "localhost:7474"),
                         go.proxy_body("three", f"localhost:{kit.free_port()}", "localhost:7676")])
    assert resp.status >= 400
    go.error("Populate", resp)
    assert list(go.get("/proxies").json()) == ["one"]


# Shopify/toxiproxy api_test.go TestPopulateAddToxic.
def test_populate_add_toxic(go: Any, kit: Any) -> None:
    resp = populate(go, [go.proxy_body("one", f"localhost:{kit.free_port()}", "localhost:7171")])
    (proxy,) = resp.json()["proxies"]
    assert proxy["name"] == "one"
    add = go.post("/proxies/one/toxics", go.toxic_body("", "latency", "downstream", 1, None))
    assert add.status == 200


# Shopify/toxiproxy api_test.go TestListingProxies / TestCreateAndGetProxy: listen reported
# resolved, no toxics.
def test_listing_proxies_and_create_and_get_proxy(go: Any, kit: Any) -> None:
    port = kit.free_port()
    go.create("mysql_master", f"localhost:{port}", "localhost:20001")
    listed = go.check_proxy(go.get("/proxies").json()["mysql_master"])
    shown = go.check_proxy(go.get("/proxies/mysql_master").json())
    for proxy in (listed, shown):
        assert (proxy["name"], proxy["listen"], proxy["upstream"], proxy["enabled"]) == (
            "mysql_master", f"127.0.0.1:{port}", "localhost:20001", True)
        assert proxy["toxics"] == []


# Shopify/toxiproxy api_test.go TestCreateProxyWithSave.
def test_create_proxy_with_save(go: Any, kit: Any) -> None:
    port = kit.free_port()
    go.create("mysql_master", f"localhost:{port}", "localhost:20001")
    proxy = go.check_proxy(go.get("/proxies/mysql_master").json())
    assert proxy["listen"] == f"127.0.0.1:{port}" and proxy["enabled"] is True
    assert kit.can_connect(proxy["listen"])


# Shopify/toxiproxy api_test.go TestCreateDisabledProxy / TestCreateDisabledProxyAndEnable: a
# disabled proxy keeps its listen as sent; Save() POSTs the whole object back.
def test_create_disabled_proxy_and_enable(go: Any, kit: Any) -> None:
    port = kit.free_port()
    resp = go.post("/proxies", go.proxy_body("mysql_master", f"localhost:{port}",
                                             "localhost:20001", enabled=False))
    assert resp.status == 201
    proxy = go.check_proxy(go.get("/proxies/mysql_master").json())
    assert (proxy["listen"], proxy["enabled"]) == (f"localhost:{port}", False)
    assert not kit.can_connect(proxy["listen"])
    proxy["enabled"] = True
    resp = go.post("/proxies/mysql_master", {k: proxy[k] for k in (
        "name", "listen", "upstream", "enabled", "toxics")})
    assert resp.status == 200 and go.check_proxy(resp.json())["enabled"] is True
    assert kit.can_connect(f"localhost:{port}")
    saved = resp.json()
    saved["enabled"] = False
    resp = go.post("/proxies/mysql_master", {k: saved[k] for k in (
        "name", "listen", "upstream", "enabled", "toxics")})
    assert resp.status == 200 and resp.json()["enabled"] is False
    assert not kit.can_connect(f"localhost:{port}")


# Shopify/toxiproxy api_test.go TestDeleteProxy.
def test_delete_proxy(go: Any, kit: Any) -> None:
    proxy = go.create("mysql_master", f"localhost:{kit.free_port()}", "localhost:20001")
    assert kit.can_connect(proxy["listen"])
    resp = go.delete("/proxies/mysql_master")
    assert (resp.status, resp.body) == (204, b"")
    assert not kit.can_connect(proxy["listen"])
    assert go.get("/proxies").json() == {}
    assert go.error("Delete", go.delete("/proxies/mysql_master")) == \
        "Delete: HTTP 404: proxy not found"


# Shopify/toxiproxy api_test.go TestCreateProxyPortConflict.
def test_create_proxy_port_conflict(go: Any, kit: Any) -> None:
    port = kit.free_port()
    go.create("mysql_master", f"localhost:{port}", "localhost:20001")
    resp = go.post("/proxies", go.proxy_body("test", f"localhost:{port}", "localhost:20001"))
    assert go.error("Create", resp) == \
        f"Create: HTTP 500: listen tcp 127.0.0.1:{port}: bind: address already in use"
    assert go.delete("/proxies/mysql_master").status == 204
    go.create("test", f"localhost:{port}", "localhost:20001")


# Shopify/toxiproxy api_test.go TestCreateProxyNameConflict.
def test_create_proxy_name_conflict(go: Any, kit: Any) -> None:
    go.create("mysql_master", f"localhost:{kit.free_port()}", "localhost:20001")
    resp = go.post("/proxies", go.proxy_body("mysql_master", f"localhost:{kit.free_port()}",
                                             "localhost:20001"))
    assert go.error("Create", resp) == "Create: HTTP 409: proxy already exists"
    assert go.delete("/proxies/mysql_master").status == 204
    go.create("mysql_master", f"localhost:{kit.free_port()}", "localhost:20001")


# Shopify/toxiproxy api_test.go TestResetState (ResetState posts an empty body).
def test_reset_state(go: Any, kit: Any) -> None:
    go.create("mysql_master", f"localhost:{kit.free_port()}", "localhost:20001")
    latency = go.post("/proxies/mysql_master/toxics", go.toxic_body(
        "", "latency", "downstream", 1, {"latency": 100, "jitter": 10})).json()
    assert latency["attributes"] == {"latency": 100, "jitter": 10}
    go.post("/proxies/mysql_master", {"enabled": False})
    resp = go.post("/reset", b"")
    assert (resp.status, resp.body) == (204, b"")
    proxy = go.check_proxy(go.get("/proxies").json()["mysql_master"])
    assert proxy["enabled"] is True
    assert find(go.toxics("mysql_master"), "latency_downstream") is None
    assert kit.can_connect(proxy["listen"])


# Shopify/toxiproxy api_test.go TestListingToxics.
def test_listing_toxics(go: Any, kit: Any) -> None:
    go.create("mysql_master", f"localhost:{kit.free_port()}", "localhost:20001")
    assert go.toxics("mysql_master") == []


# Shopify/toxiproxy api_test.go TestAddToxic.
def test_add_toxic(go: Any, kit: Any) -> None:
    go.create("mysql_master", f"localhost:{kit.free_port()}", "localhost:20001")
    resp = go.post("/proxies/mysql_master/toxics", go.toxic_body(
        "foobar", "latency", "downstream", 1, {"latency": 100, "jitter": 10}))
    assert resp.status == 200
    assert go.check_toxic(resp.json())["attributes"] == {"latency": 100, "jitter": 10}
    toxic = find(go.toxics("mysql_master"), "foobar")
    assert toxic is not None
    assert (toxic["type"], toxic["stream"], toxic["toxicity"]) == ("latency", "downstream", 1)
    assert toxic["attributes"] == {"latency": 100, "jitter": 10}


# Shopify/toxiproxy api_test.go TestAddMultipleToxics (attributes nil → zero-filled).
def test_add_multiple_toxics(go: Any, kit: Any) -> None:
    go.create("mysql_master", f"localhost:{kit.free_port()}", "localhost:20001")
    for name in ("latency1", "latency2"):
        assert go.post("/proxies/mysql_master/toxics", go.toxic_body(
            name, "latency", "downstream", 1, None)).status == 200
    listed = go.toxics("mysql_master")
    assert [(t["name"], t["stream"]) for t in listed] == [
        ("latency1", "downstream"), ("latency2", "downstream")]
    assert listed[1]["toxicity"] == 1 and listed[1]["attributes"] == {"latency": 0, "jitter": 0}


# Shopify/toxiproxy api_test.go TestAddConflictingToxic / TestAddConflictingToxicsMultistream.
@pytest.mark.parametrize(("first", "second"), [
    (("latency", "downstream"), ("slow_close", "downstream")),
    (("latency", "upstream"), ("latency", "downstream"))])
def test_add_conflicting_toxic(go: Any, first: tuple[str, str],
                               second: tuple[str, str], kit: Any) -> None:
    go.create("mysql_master", f"localhost:{kit.free_port()}", "localhost:20001")
    assert go.post("/proxies/mysql_master/toxics",
                   go.toxic_body("foobar", first[0], first[1], 1, None)).status == 200
    resp = go.post("/proxies/mysql_master/toxics",
                   go.toxic_body("foobar", second[0], second[1], 1, None))
    assert go.error("AddToxic", resp) == "AddToxic: HTTP 409: toxic already exists"
    (toxic,) = go.toxics("mysql_master")
    assert (toxic["name"], toxic["type"], toxic["stream"]) == ("foobar", *first)
    assert toxic["attributes"] == {"latency": 0, "jitter": 0}


# Shopify/toxiproxy api_test.go TestAddConflictingToxicsMultistreamDefaults.
def test_add_conflicting_toxics_multistream_defaults(go: Any, kit: Any) -> None:
    go.create("mysql_master", f"localhost:{kit.free_port()}", "localhost:20001")
    for stream in ("upstream", "downstream"):
        assert go.post("/proxies/mysql_master/toxics",
                       go.toxic_body("", "latency", stream, 1, None)).status == 200
    listed = go.toxics("mysql_master")
    assert [(t["name"], t["type"], t["stream"], t["toxicity"]) for t in listed] == [
        ("latency_upstream", "latency", "upstream", 1),
        ("latency_downstream", "latency", "downstream", 1)]


# Shopify/toxiproxy api_test.go TestAddToxicWithToxicity: float32 0.2 round-trips as 0.2.
def test_add_toxic_with_toxicity(go: Any, kit: Any) -> None:
    go.create("mysql_master", f"localhost:{kit.free_port()}", "localhost:20001")
    resp = go.post("/proxies/mysql_master/toxics", go.toxic_body(
        "", "latency", "downstream", 0.2, {"latency": 100, "jitter": 10}))
    assert b'"toxicity":0.2' in resp.body
    toxic = find(go.toxics("mysql_master"), "latency_downstream")
    assert toxic is not None and toxic["toxicity"] == 0.2
    assert toxic["attributes"] == {"latency": 100, "jitter": 10}


# Shopify/toxiproxy api_test.go TestAddNoop: stream omitted (omitempty) → downstream.
def test_add_noop(go: Any, kit: Any) -> None:
    go.create("mysql_master", f"localhost:{kit.free_port()}", "localhost:20001")
    resp = go.post("/proxies/mysql_master/toxics", go.toxic_body("foobar", "noop", "", 1, None))
    noop = go.check_toxic(resp.json())
    assert (noop["name"], noop["type"], noop["stream"], noop["toxicity"]) == (
        "foobar", "noop", "downstream", 1)
    assert find(go.toxics("mysql_master"), "foobar") is not None


# Shopify/toxiproxy api_test.go TestUpdateToxics: PATCH merges attributes; toxicity -1 is not
# sent and keeps the current value.
def test_update_toxics(go: Any, kit: Any) -> None:
    go.create("mysql_master", f"localhost:{kit.free_port()}", "localhost:20001")
    created = go.post("/proxies/mysql_master/toxics", go.toxic_body(
        "", "latency", "downstream", -1, {"latency": 100, "jitter": 10})).json()
    assert created["toxicity"] == 1
    path = "/proxies/mysql_master/toxics/latency_downstream"
    first = go.patch(path, {"attributes": {"latency": 1000}, "toxicity": 0.5}).json()
    assert (first["toxicity"], first["attributes"]) == (0.5, {"latency": 1000, "jitter": 10})
    second = go.patch(path, {"attributes": {"latency": 500}}).json()
    assert (second["toxicity"], second["attributes"]) == (0.5, {"latency": 500, "jitter": 10})
    toxic = find(go.toxics("mysql_master"), "latency_downstream")
    assert toxic is not None and toxic["attributes"] == {"latency": 500, "jitter": 10}


# Shopify/toxiproxy api_test.go TestRemoveToxic.
def test_remove_toxic(go: Any, kit: Any) -> None:
    go.create("mysql_master", f"localhost:{kit.free_port()}", "localhost:20001")
    go.post("/proxies/mysql_master/toxics", go.toxic_body("", "latency", "downstream", 1, None))
    resp = go.delete("/proxies/mysql_master/toxics/latency_downstream")
    assert (resp.status, resp.body) == (204, b"")
    assert go.toxics("mysql_master") == []


# Shopify/toxiproxy api_test.go TestVersionEndpointReturnsVersion: the whole body, byte for
# byte, as toxiproxy-server 2.12.0 writes it (a space after the colon, a trailing newline).
def test_version_endpoint_returns_version(go: Any) -> None:
    resp = go.get("/version")
    assert resp.status == 200
    assert resp.body == b'{"version": "2.12.0"}\n'
    major, minor, _ = (int(x) for x in resp.json()["version"].split("."))
    assert (major, minor) >= (2, 6)  # what the Ruby gem needs to use PATCH


# Shopify/toxiproxy api_test.go TestInvalidStream.
def test_invalid_stream(go: Any, kit: Any) -> None:
    go.create("mysql_master", f"localhost:{kit.free_port()}", "localhost:20001")
    resp = go.post("/proxies/mysql_master/toxics",
                   go.toxic_body("", "latency", "walrustream", 1, None))
    assert go.error("AddToxic", resp) == \
        "AddToxic: HTTP 400: stream was invalid, can be either upstream or downstream"


# client/client.go Proxy.Save on an existing proxy posts the full struct including the toxics it
# read back; the extra "toxics" array must be ignored (not re-created, not an error).
def test_save_with_toxics_in_body_keeps_toxics(go: Any, kit: Any) -> None:
    go.create("p", f"localhost:{kit.free_port()}", "localhost:20001")
    go.post("/proxies/p/toxics", go.toxic_body("", "latency", "downstream", 1, {"latency": 5}))
    proxy = go.get("/proxies/p").json()
    proxy["enabled"] = False
    resp = go.post("/proxies/p", {k: proxy[k] for k in (
        "name", "listen", "upstream", "enabled", "toxics")})
    assert resp.status == 200
    assert [t["name"] for t in go.check_proxy(resp.json())["toxics"]] == ["latency_downstream"]
