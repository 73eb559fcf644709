"""Shopify/toxiproxy-ruby's suite (``test/toxiproxy_test.rb``), replayed against our server with
the requests the gem (``lib/toxiproxy.rb``, ``lib/toxiproxy/toxic.rb``) sends.

What the gem sends: Net::HTTP's headers (``User-Agent: Ruby``, ``Accept: */*``, its
``Accept-Encoding`` and ``Connection: close``, since it never starts a keep-alive session);
``Content-Type: application/json`` on create, enable/disable, reset and populate; create as
``{"upstream","name","listen":"localhost:0","enabled":null}`` (``enabled`` is nil unless given);
enable/disable as ``{"enabled":bool}`` by PATCH when ``/version`` parses as >= 2.6.0, else POST;
toxics as ``{"name","type","stream","toxicity":1.0,"attributes"}`` with no content type (Net::HTTP
then labels it form-urlencoded); reset as a body-less POST (Ruby 3.1's Net::HTTP sends
``Content-Length: 0``, captured on the wire; a request with no length at all is checked too).
What it parses: ``/proxies`` as an object, toxics as an array, populate's ``proxies`` key,
statuses 409 → ProxyExists, 404 → NotFound, 400 → InvalidToxic, anything else non-2xx raises.

Client-only tests of the suite (``test_proxy_not_running_with_bad_host``, the WebMock allow-list
tests, ``test_invalidate_cache_http_on_host``, the stubbed ``server_supports_patch?`` cases and
``test_toxic_default_name_is_type_and_stream``) never reach a server; what they depend on from the
server (the version body, the default name) is checked below.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest

RUBY_HEADERS = {"Accept-Encoding": "gzip;q=1.0,deflate;q=0.6,identity;q=0.3",
                "Accept": "*/*", "User-Agent": "Ruby", "Connection": "close"}
JSON_CT = {"Content-Type": "application/json"}
FORM_CT = {"Content-Type": "application/x-www-form-urlencoded"}  # Toxic#save sets none

# One latency toxic adds ~100 ms to Ruby's line round trip (upstream suite allows ± 10 ms). On a
# loaded shared machine scheduling adds noise, so allow more above; the lower bound stays tight
# (a latency toxic can never make it faster).
SLACK_BELOW_S, SLACK_ABOVE_S = 0.005, 0.075


@pytest.fixture
def ruby(make_wire: Callable[[Mapping[str, str]], Any]) -> Any:
    return make_wire(RUBY_HEADERS)


def ruby_json(obj: Any) -> bytes:
    # Ruby's to_json: compact, floats keep ".0", nil is null.
    return json.dumps(obj, separators=(",", ":")).encode()


def create(ruby: Any, name: str, upstream: str, listen: str = "localhost:0",
           enabled: bool | None = None) -> dict[str, Any]:
    """Toxiproxy.create(upstream:, name:) → Toxiproxy#create."""
    resp = ruby.post("/proxies", ruby_json({"upstream": upstream, "name": name,
                                            "listen": listen, "enabled": enabled}),
                     headers=JSON_CT)
    assert resp.status == 201, resp
    proxy: dict[str, Any] = resp.json()
    return proxy


def save_toxic(ruby: Any, proxy: str, type_: str, stream: str = "downstream",
               name: str | None = None, toxicity: float = 1.0,
               attributes: dict[str, Any] | None = None) -> Any:
    """Toxiproxy::Toxic#save (name defaults client-side to <type>_<stream>)."""
    body = {"name": name or f"{type_}_{stream}", "type": type_, "stream": stream,
            "toxicity": toxicity, "attributes": attributes or {}}
    return ruby.post(f"/proxies/{proxy}/toxics", ruby_json(body), headers=FORM_CT)


def destroy_toxic(ruby: Any, proxy: str, name: str) -> None:
    assert ruby.delete(f"/proxies/{proxy}/toxics/{name}").status == 204


def set_enabled(ruby: Any, proxy: str, enabled: bool, method: str = "PATCH") -> None:
    """Toxiproxy#enable / #disable (PATCH on servers >= 2.6.0, POST before)."""
    resp = ruby.send(method, f"/proxies/{proxy}", ruby_json({"enabled": enabled}),
                     headers=JSON_CT)
    assert resp.status == 200 and resp.json()["enabled"] is enabled, resp


def reset(ruby: Any) -> None:
    resp = ruby.post("/reset", headers=JSON_CT)
    assert (resp.status, resp.body) == (204, b"")


def toxics(ruby: Any, proxy: str) -> list[dict[str, Any]]:
    resp = ruby.get(f"/proxies/{proxy}/toxics")
    assert resp.status == 200
    result: list[dict[str, Any]] = resp.json()
    return result


def all_proxies(ruby: Any) -> dict[str, Any]:
    resp = ruby.get("/proxies")
    assert resp.status == 200
    result: dict[str, Any] = resp.json()
    return result


def populate(ruby: Any, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    resp = ruby.post("/populate", ruby_json(entries), headers=JSON_CT)
    assert resp.status == 201, resp
    # JSON.parse(body).fetch('proxies', []).map { … }: must be an array.
    body = resp.json()
    proxies = body.get("proxies", [])  # fetch('proxies', []): a present null stays nil
    assert isinstance(proxies, list), resp.body
    return proxies


def within_latency(elapsed: float, expected: float) -> bool:
    return expected - SLACK_BELOW_S <= elapsed <= expected + SLACK_ABOVE_S


# toxiproxy-ruby test/toxiproxy_test.rb test_create_proxy / test_find_proxy ("enabled": null
# must mean enabled; "localhost:0" is reported resolved so TCPSocket.new(*listen.split(":"))).
def test_create_and_find_proxy(ruby: Any, kit: Any) -> None:
    proxy = create(ruby, "test_mysql_master", "localhost:3306")
    assert (proxy["upstream"], proxy["name"], proxy["enabled"]) == (
        "localhost:3306", "test_mysql_master", True)
    host, port = proxy["listen"].split(":")
    assert host == "127.0.0.1" and int(port) > 0
    found = all_proxies(ruby)["test_mysql_master"]
    assert (found["upstream"], found["name"]) == ("localhost:3306", "test_mysql_master")
    assert kit.can_connect(proxy["listen"])


# toxiproxy-ruby test/toxiproxy_test.rb test_toggle_proxy (both the PATCH and the POST path).
@pytest.mark.parametrize("method", ["PATCH", "POST"])
def test_toggle_proxy(ruby: Any, kit: Any, echo_upstream: str, method: str) -> None:
    proxy = create(ruby, "test_rubby_server", echo_upstream)
    assert save_toxic(ruby, "test_rubby_server", "latency",
                      attributes={"latency": 123}).status == 200
    set_enabled(ruby, "test_rubby_server", False, method)
    assert not kit.can_connect(proxy["listen"])
    set_enabled(ruby, "test_rubby_server", True, method)
    assert kit.can_connect(proxy["listen"])


# toxiproxy-ruby test/toxiproxy_test.rb test_toxic_available_after_toggle_toxic.
def test_toxic_available_after_toggle_toxic(ruby: Any, echo_upstream: str) -> None:
    proxy = create(ruby, "test_rubby_server", echo_upstream)
    save_toxic(ruby, "test_rubby_server", "latency", attributes={"latency": 123})
    set_enabled(ruby, "test_rubby_server", False)
    set_enabled(ruby, "test_rubby_server", True)
    latency = next(t for t in toxics(ruby, "test_rubby_server")
                   if t["name"] == "latency_downstream")
    assert latency["attributes"]["latency"] == 123
    assert all_proxies(ruby)["test_rubby_server"]["listen"] == proxy["listen"]


# toxiproxy-ruby test/toxiproxy_test.rb test_delete_toxic.
def test_delete_toxic(ruby: Any, echo_upstream: str) -> None:
    proxy = create(ruby, "test_rubby_server", echo_upstream)
    save_toxic(ruby, "test_rubby_server", "latency", attributes={"latency": 123})
    destroy_toxic(ruby, "test_rubby_server", "latency_downstream")
    assert toxics(ruby, "test_rubby_server") == []
    assert all_proxies(ruby)["test_rubby_server"]["listen"] == proxy["listen"]


# toxiproxy-ruby test/toxiproxy_test.rb test_reset (Toxiproxy.reset: a body-less POST).
def test_reset(ruby: Any, kit: Any, echo_upstream: str) -> None:
    proxy = create(ruby, "test_rubby_server", echo_upstream)
    set_enabled(ruby, "test_rubby_server", False)
    assert save_toxic(ruby, "test_rubby_server", "latency",
                      attributes={"latency": 123}).status == 200
    reset(ruby)
    assert kit.can_connect(proxy["listen"])
    assert toxics(ruby, "test_rubby_server") == []
    assert all_proxies(ruby)["test_rubby_server"]["listen"] == proxy["listen"]


# toxiproxy-ruby test/toxiproxy_test.rb test_take_endpoint_down (Toxiproxy#down).
def test_take_endpoint_down(ruby: Any, kit: Any, echo_upstream: str) -> None:
    proxy = create(ruby, "test_rubby_server", echo_upstream)
    set_enabled(ruby, "test_rubby_server", False)
    try:
        assert not kit.can_connect(proxy["listen"])
    finally:
        set_enabled(ruby, "test_rubby_server", True)
    assert kit.can_connect(proxy["listen"])
    assert all_proxies(ruby)["test_rubby_server"]["listen"] == proxy["listen"]


# toxiproxy-ruby test/toxiproxy_test.rb test_raises_when_proxy_doesnt_exist: the gem searches
# GET /proxies client-side; a direct lookup must be 404 (→ Toxiproxy::NotFound).
def test_raises_when_proxy_doesnt_exist(ruby: Any) -> None:
    assert "does_not_exist" not in all_proxies(ruby)
    assert ruby.get("/proxies/does_not_exist").status == 404
    assert ruby.delete("/proxies/does_not_exist").status == 404


# toxiproxy-ruby test/toxiproxy_test.rb test_proxies_all_returns_proxy_collection,
# test_select_from_toxiproxy_collection, test_grep_returns_toxiproxy_collection,
# test_indexing_allows_regexp: all built from the GET /proxies object.
def test_collections_are_built_from_the_proxies_object(ruby: Any, echo_upstream: str) -> None:
    assert all_proxies(ruby) == {}
    create(ruby, "test_proxy", echo_upstream)
    create(ruby, "other", "localhost:1")
    listed = all_proxies(ruby)
    assert list(listed) == ["other", "test_proxy"]  # Go marshals map keys sorted
    assert [n for n, p in listed.items() if p["upstream"] == echo_upstream] == ["test_proxy"]
    assert [n for n in listed if n.startswith("test")] == ["test_proxy"]


# toxiproxy-ruby test/toxiproxy_test.rb test_down_on_proxy_collection_disables_entire_collection
# and test_disable_on_proxy_collection.
def test_disable_and_enable_on_proxy_collection(ruby: Any, kit: Any, echo_upstream: str) -> None:
    proxies = [create(ruby, f"test_proxy{n}", echo_upstream) for n in (1, 2)]
    for name in all_proxies(ruby):
        set_enabled(ruby, name, False)
    assert not any(kit.can_connect(p["listen"]) for p in proxies)
    for name in all_proxies(ruby):
        set_enabled(ruby, name, True)
    assert all(kit.can_connect(p["listen"]) for p in proxies)


# toxiproxy-ruby test/toxiproxy_test.rb test_apply_upstream_toxic / test_apply_downstream_toxic:
# ToxicCollection#apply saves, runs the block, destroys.
@pytest.mark.parametrize("stream", ["upstream", "downstream"])
def test_apply_toxic(ruby: Any, kit: Any, line_upstream: str, stream: str) -> None:
    proxy = create(ruby, "test_proxy", line_upstream)
    assert save_toxic(ruby, "test_proxy", "latency", stream,
                      attributes={"latency": 100}).status == 200
    try:
        elapsed = kit.line_roundtrip_s(proxy["listen"])
    finally:
        destroy_toxic(ruby, "test_proxy", f"latency_{stream}")
    assert within_latency(elapsed, 0.100), elapsed
    assert kit.line_roundtrip_s(proxy["listen"]) < 0.100 - SLACK_BELOW_S


# toxiproxy-ruby test/toxiproxy_test.rb test_toxic_applies_a_downstream_toxic (proxy.toxic).
def test_toxic_applies_a_downstream_toxic(ruby: Any, line_upstream: str) -> None:
    create(ruby, "test_proxy", line_upstream)
    resp = save_toxic(ruby, "test_proxy", "latency", attributes={"latency": 100})
    assert resp.json()["attributes"]["latency"] == 100 and resp.json()["toxicity"] == 1
    latency = next(t for t in toxics(ruby, "test_proxy") if t["name"] == "latency_downstream")
    assert (latency["attributes"]["latency"], latency["stream"]) == (100, "downstream")


# toxiproxy-ruby test/toxiproxy_test.rb test_toxic_default_name_is_type_and_stream: the gem
# names it; the server must accept the name and echo it.
def test_toxic_default_name_is_type_and_stream(ruby: Any, echo_upstream: str) -> None:
    create(ruby, "test_proxy", echo_upstream)
    assert save_toxic(ruby, "test_proxy", "latency").json()["name"] == "latency_downstream"


# toxiproxy-ruby test/toxiproxy_test.rb test_apply_prolong_toxics / test_apply_toxics_to_collection
# / test_multiple_of_same_toxic_type: toxics compose (100 + 100 ms).
@pytest.mark.parametrize("second", [("upstream", None),
                                    ("downstream", "second_latency_downstream")])
def test_apply_prolong_toxics(ruby: Any, kit: Any, line_upstream: str,
                              second: tuple[str, str | None]) -> None:
    proxies = [create(ruby, f"test_proxy{n}", line_upstream) for n in (1, 2)]
    for n in (1, 2):
        save_toxic(ruby, f"test_proxy{n}", "latency", attributes={"latency": 100})
        resp = save_toxic(ruby, f"test_proxy{n}", "latency", second[0], name=second[1],
                          attributes={"latency": 100})
        assert resp.status == 200, resp
    for proxy in proxies:
        elapsed = kit.line_roundtrip_s(proxy["listen"])
        assert within_latency(elapsed, 0.200), elapsed


# toxiproxy-ruby test/toxiproxy_test.rb test_multiple_of_same_toxic_type_with_same_name: the gem
# refuses before sending; a server that gets it anyway answers 409 (→ Toxiproxy::ProxyExists).
def test_multiple_of_same_toxic_type_with_same_name(ruby: Any, line_upstream: str) -> None:
    create(ruby, "test_proxy", line_upstream)
    assert save_toxic(ruby, "test_proxy", "latency", attributes={"latency": 100}).status == 200
    assert save_toxic(ruby, "test_proxy", "latency", attributes={"latency": 100}).status == 409


# toxiproxy-ruby test/toxiproxy_test.rb test_populate_creates_proxies_array / _args.
def test_populate_creates_proxies(ruby: Any, kit: Any) -> None:
    ports = [kit.free_port(), kit.free_port()]
    proxies = populate(ruby, [
        {"name": f"test_toxiproxy_populate{n}", "upstream": "localhost:3306",
         "listen": f"localhost:{port}"} for n, port in enumerate(ports, 1)])
    assert [p["name"] for p in proxies] == ["test_toxiproxy_populate1", "test_toxiproxy_populate2"]
    assert all(kit.can_connect(p["listen"]) for p in proxies)


# toxiproxy-ruby test/toxiproxy_test.rb test_populate_creates_proxies_update_listen.
def test_populate_creates_proxies_update_listen(ruby: Any, kit: Any) -> None:
    first, second = kit.free_port(), kit.free_port()
    populate(ruby, [{"name": "test_toxiproxy_populate1", "upstream": "localhost:3306",
                     "listen": f"localhost:{first}"}])
    proxies = populate(ruby, [{"name": "test_toxiproxy_populate1", "upstream": "localhost:3306",
                               "listen": f"localhost:{second}"}])
    assert [p["listen"] for p in proxies] == [f"127.0.0.1:{second}"]
    assert kit.can_connect(proxies[0]["listen"])
    assert not kit.can_connect(f"127.0.0.1:{first}")


# toxiproxy-ruby test/toxiproxy_test.rb test_populate_creates_proxies_update_upstream.
def test_populate_creates_proxies_update_upstream(ruby: Any, kit: Any) -> None:
    listen = f"localhost:{kit.free_port()}"
    before = populate(ruby, [{"name": "test_toxiproxy_populate1", "upstream": "localhost:3306",
                              "listen": listen}])
    after = populate(ruby, [{"name": "test_toxiproxy_populate1", "upstream": "localhost:3307",
                             "listen": listen}])
    assert before[0]["upstream"] != after[0]["upstream"] == "localhost:3307"
    assert kit.can_connect(after[0]["listen"])


# The gem's populate maps the "proxies" array; an empty populate must still give an array
# (Ruby's fetch returns nil for a present null key, and nil.map raises NoMethodError).
def test_populate_empty_gives_an_array(ruby: Any) -> None:
    assert populate(ruby, []) == []


# toxiproxy-ruby test/toxiproxy_test.rb test_running_helper / test_version, and the gem's
# server_supports_patch?: JSON.parse(version)["version"] must parse as a version >= 2.6.0.
def test_running_and_version(ruby: Any, kit: Any, server: Any) -> None:
    assert kit.can_connect(f"{server.host}:{server.port}")
    resp = ruby.get("/version")
    assert resp.status == 200 and isinstance(resp.body.decode(), str)
    version = json.loads(resp.body)["version"]
    assert tuple(int(x) for x in version.split(".")) >= (2, 6, 0)


# toxiproxy-ruby test/toxiproxy_test.rb test_invalid_direction (→ Toxiproxy::InvalidToxic).
def test_invalid_direction(ruby: Any, line_upstream: str) -> None:
    create(ruby, "test_rubby_server", line_upstream)
    resp = save_toxic(ruby, "test_rubby_server", "latency", "lolstream",
                      attributes={"latency": 123})
    assert resp.status == 400


# The gem's reset is a body-less POST; without any Content-Length it must answer the same.
def test_reset_with_and_without_content_length(ruby: Any) -> None:
    reset(ruby)
    resp = ruby.post("/reset", headers=JSON_CT, content_length=False)
    assert (resp.status, resp.body) == (204, b"")
