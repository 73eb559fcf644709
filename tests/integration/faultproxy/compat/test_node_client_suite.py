"""ihsw/toxiproxy-node-client's jest suite (``src/tests/*.spec.ts``), replayed against our server
with the requests the client (4.1.0, ``dist/*.js``; global ``fetch``) sends.

What the client sends: undici fetch headers (``user-agent: node``, ``accept: */*``,
``accept-language: *``, ``sec-fetch-mode: cors``, ``accept-encoding: gzip, deflate``, keep-alive);
``content-type: application/json`` only when there is a body; every update by POST (proxy
update ``{enabled, listen, upstream}``, toxic update ``{attributes}``); toxics as
``{attributes, type}`` alone (the test helper), so name, stream and toxicity come from server
defaults; proxies as ``{listen: "localhost:0", name, upstream}`` (no ``enabled``); reset as a
body-less POST (fetch sends ``content-length: 0``). What it parses: any body as JSON unless empty
(so 204s must be empty), ``/version`` as text, errors only by status (``Request failed with status
code N``), and populate by iterating ``proxies`` (``for … of``).

``test_real_node_client`` in this file runs the real package from the npm registry.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

NODE_HEADERS = {"connection": "keep-alive", "accept": "*/*", "accept-language": "*",
                "sec-fetch-mode": "cors", "user-agent": "node",
                "accept-encoding": "gzip, deflate"}
JSON_CT = {"content-type": "application/json"}


@pytest.fixture
def node(make_wire: Callable[[Mapping[str, str]], Any]) -> Any:
    return make_wire(NODE_HEADERS)


def post(node: Any, path: str, body: Any = None) -> Any:
    """HttpClient.post: JSON.stringify(body) with a content type, or no body at all."""
    if body is None:
        return node.post(path)
    return node.post(path, json.dumps(body, separators=(",", ":")).encode(), headers=JSON_CT)


def parsed(resp: Any) -> Any:
    """HttpClient.request: !res.ok throws; empty text → undefined; else JSON.parse."""
    assert 200 <= resp.status < 300, f"Request failed with status code {resp.status}"
    return resp.json() if resp.body else None


def create_proxy(node: Any, name: str, upstream: str = "localhost:6379") -> dict[str, Any]:
    """TestHelper.createProxy."""
    resp = post(node, "/proxies", {"listen": "localhost:0", "name": name, "upstream": upstream})
    assert resp.status == 201
    proxy: dict[str, Any] = parsed(resp)
    return proxy


def create_toxic(node: Any, proxy: str, type_: str, attributes: dict[str, Any]) -> Any:
    """TestHelper.createToxic: only attributes and type are sent."""
    return parsed(post(node, f"/proxies/{proxy}/toxics", {"attributes": attributes,
                                                         "type": type_}))


# toxiproxy-node-client src/tests/Toxiproxy.spec.ts "Toxiproxy Should create a proxy" /
# "Should get a proxy" (+ Proxy.remove: DELETE must be 204 with an empty body).
def test_create_get_and_remove_proxy(node: Any) -> None:
    created = create_proxy(node, "get-test")
    assert created["enabled"] is True and created["listen"].startswith("127.0.0.1:")
    fetched = parsed(node.get("/proxies/get-test"))
    assert fetched["name"] == created["name"]
    resp = node.delete("/proxies/get-test")
    assert (resp.status, resp.body) == (204, b"")
    assert parsed(resp) is None


# toxiproxy-node-client src/tests/Toxiproxy.spec.ts "Toxiproxy Should get version" (res.text()).
def test_get_version(node: Any) -> None:
    resp = node.get("/version")
    assert resp.status == 200 and json.loads(resp.body.decode())["version"].startswith("2.")


# toxiproxy-node-client src/tests/Toxiproxy.spec.ts "Toxiproxy Should reset": a body-less POST;
# the 204 must have no body (the client JSON-parses any non-empty text).
def test_reset(node: Any) -> None:
    resp = post(node, "/reset")
    assert (resp.status, resp.body) == (204, b"")


# toxiproxy-node-client src/tests/Toxiproxy.spec.ts "Toxiproxy Should populate", and an empty
# populate: Toxiproxy.populate iterates res.data.proxies, so it must always be an array.
def test_populate_and_empty_populate(node: Any) -> None:
    resp = post(node, "/populate", [{"listen": "localhost:0", "name": "get-all-test",
                                    "upstream": "localhost:6379"}])
    assert resp.status == 201
    assert [p["name"] for p in parsed(resp)["proxies"]] == ["get-all-test"]
    assert node.delete("/proxies/get-all-test").status == 204
    empty = parsed(post(node, "/populate", []))
    assert empty["proxies"] == []


# toxiproxy-node-client src/tests/Toxiproxy.spec.ts "Toxiproxy Should get all proxies": listen
# given as 127.0.0.1:N comes back identical.
def test_get_all_proxies(node: Any, kit: Any) -> None:
    p1 = {"listen": f"127.0.0.1:{kit.free_port()}", "name": "get-all-test1",
          "upstream": "localhost:6379"}
    p2 = {"listen": f"127.0.0.1:{kit.free_port()}", "name": "get-all-test2",
          "upstream": "localhost:12345"}
    parsed(post(node, "/populate", [p1, p2]))
    proxies = parsed(node.get("/proxies"))
    assert len(proxies) == 2
    for want in (p1, p2):
        got = proxies[want["name"]]
        assert (got["name"], got["listen"], got["upstream"]) == (
            want["name"], want["listen"], want["upstream"])


# toxiproxy-node-client src/tests/Proxy.spec.ts "Proxy Should update a proxy": POST
# {enabled, listen, upstream}; an unresolvable upstream is accepted as a plain string.
def test_update_proxy(node: Any, kit: Any) -> None:
    proxy = create_proxy(node, "update-proxy-test")
    disabled = parsed(post(node, "/proxies/update-proxy-test", {
        "enabled": False, "listen": proxy["listen"], "upstream": proxy["upstream"]}))
    assert disabled["enabled"] is False and not kit.can_connect(proxy["listen"])
    updated = parsed(post(node, "/proxies/update-proxy-test", {
        "enabled": True, "listen": proxy["listen"], "upstream": "somehost:12345"}))
    assert updated["enabled"] is True and updated["upstream"] == "somehost:12345"
    assert updated["listen"] == proxy["listen"] and kit.can_connect(proxy["listen"])
    assert node.delete("/proxies/update-proxy-test").status == 204


# toxiproxy-node-client src/tests/Proxy.spec.ts "Creating the same proxy twice should result in
# an error" (status 409).
def test_create_same_proxy_twice(node: Any) -> None:
    create_proxy(node, "duplicate")
    assert post(node, "/proxies", {"listen": "localhost:0", "name": "duplicate",
                                   "upstream": "localhost:6379"}).status == 409


# toxiproxy-node-client src/tests/Toxic.spec.ts "CRUD for Toxics".
def test_crud_for_toxics(node: Any) -> None:
    create_proxy(node, "remove-toxic-test")
    toxic = create_toxic(node, "remove-toxic-test", "latency", {"latency": 1000, "jitter": 100})
    assert (toxic["name"], toxic["toxicity"]) == ("latency_downstream", 1)
    assert toxic["attributes"] == {"latency": 1000, "jitter": 100}
    path = "/proxies/remove-toxic-test/toxics/latency_downstream"
    from_server = parsed(node.get(path))
    assert {k: from_server[k] for k in ("name", "type", "stream", "toxicity")} == {
        k: toxic[k] for k in ("name", "type", "stream", "toxicity")}
    updated = parsed(post(node, path, {"attributes": {"latency": 12345, "jitter": 42}}))
    assert updated["attributes"] == {"latency": 12345, "jitter": 42}
    resp = node.delete(path)
    assert (resp.status, resp.body) == (204, b"")
    assert node.get("/proxies/remove-toxic-test/toxics/latency").status == 404


# toxiproxy-node-client src/tests/Toxic.spec.ts "Creating the same Toxic twice should result in an
# error" (status 409).
def test_create_same_toxic_twice(node: Any) -> None:
    create_proxy(node, "duplicate-toxic-test")
    create_toxic(node, "duplicate-toxic-test", "latency", {"latency": 1000, "jitter": 100})
    assert post(node, "/proxies/duplicate-toxic-test/toxics", {
        "attributes": {"latency": 1000, "jitter": 100}, "type": "latency"}).status == 409


# toxiproxy-node-client src/tests/ToxicTypes.spec.ts: every toxic type echoes its attributes.
@pytest.mark.parametrize(("type_", "attributes"), [
    ("latency", {"latency": 1000, "jitter": 100}),
    ("bandwidth", {"rate": 1000}),
    ("slow_close", {"delay": 1000}),
    ("timeout", {"timeout": 5000}),
    ("slicer", {"average_size": 1000, "delay": 1000, "size_variation": 1000}),
    ("reset_peer", {"timeout": 1000}),
    ("limit_data", {"bytes": 42})])
def test_toxic_types(node: Any, type_: str, attributes: dict[str, int]) -> None:
    create_proxy(node, f"add-{type_}-toxic-test")
    toxic = create_toxic(node, f"add-{type_}-toxic-test", type_, attributes)
    assert {k: toxic["attributes"][k] for k in attributes} == attributes


# --- the real client ------------------------------------------------------------------------

NODE_PACKAGE = "toxiproxy-node-client@4.1.0"
_SCRIPT = Path(__file__).with_name("node_client_script.js")


def _install_dir() -> Path:
    # Installed once per checkout: .pytest_cache (git-ignored) survives between runs.
    return Path(__file__).resolve().parents[4] / ".pytest_cache" / "node-toxiproxy-client"


@pytest.fixture(scope="module")
def node_client_dir() -> Iterator[Path]:
    node_bin, npm_bin = shutil.which("node"), shutil.which("npm")
    if not node_bin or not npm_bin:
        pytest.skip("node/npm are not installed on this machine (environment limit)")
    target = _install_dir()
    pkg = target / "node_modules" / "toxiproxy-node-client" / "package.json"
    if not pkg.exists():
        target.mkdir(parents=True, exist_ok=True)
        try:
            proc = subprocess.run(
                [npm_bin, "install", "--no-audit", "--no-fund", "--no-save",
                 "--fetch-timeout=30000", "--fetch-retries=1", "--prefix", str(target),
                 NODE_PACKAGE],
                capture_output=True, text=True, timeout=120, check=False)
        except subprocess.TimeoutExpired:
            pytest.skip("npm registry unreachable: npm install timed out (environment limit)")
        if proc.returncode != 0 or not pkg.exists():
            pytest.skip("npm registry unreachable or refused "
                        f"{NODE_PACKAGE} (environment limit): {proc.stderr.strip()[-300:]}")
    assert json.loads(pkg.read_text())["version"] == "4.1.0"
    yield target


def test_real_node_client(node_client_dir: Path, server: Any, echo_upstream: str,
                          kit: Any) -> None:
    """Drives our server with the published client: every public method it has."""
    env = {**os.environ, "NODE_PATH": str(node_client_dir / "node_modules")}
    listen_port = kit.free_port()
    start = time.monotonic()
    proc = subprocess.run(
        ["node", str(_SCRIPT), server.url, echo_upstream, str(listen_port)],
        capture_output=True, text=True, timeout=60, env=env, check=False)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert time.monotonic() - start < 30
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    got = {line["step"]: line for line in lines}
    assert got["version"]["text"].startswith('{"version": "2.')
    assert got["create"] == {"step": "create", "name": "shop", "enabled": True,
                             "listen": f"127.0.0.1:{listen_port}", "upstream": echo_upstream}
    assert got["get"]["name"] == "shop" and got["get"]["enabled"] is True
    assert got["disable"]["enabled"] is False and got["disable"]["connect"] is False
    assert got["enable"]["enabled"] is True and got["enable"]["connect"] is True
    assert got["add_toxic"] == {"step": "add_toxic", "name": "latency_downstream",
                                "type": "latency", "stream": "downstream", "toxicity": 1,
                                "attributes": {"latency": 20, "jitter": 0}}
    assert got["get_toxic"]["attributes"] == {"latency": 20, "jitter": 0}
    assert got["update_toxic"]["attributes"] == {"latency": 30, "jitter": 5}
    assert got["remove_toxic"] == {"step": "remove_toxic", "status": 404}
    assert got["populate"]["names"] == ["crm", "erp"]
    assert got["populate_empty"]["names"] == []
    assert sorted(got["get_all"]["names"]) == ["crm", "erp", "shop"]
    assert got["reset"]["enabled"] == [True, True, True] and got["reset"]["toxics"] == 0
    assert got["duplicate"]["message"] == "Request failed with status code 409"
    assert got["remove"]["names"] == []
