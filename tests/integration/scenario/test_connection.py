"""The engine's Connection on real loopback sockets (a subprocess: importing it imports locust).

A threaded stdlib server answers by path; the child makes the requests through
``peakready.scenario.locust_transport.Connection`` with a request event that records what it
was fired with, and prints each Reply and event as a JSON line.
"""

from __future__ import annotations

import gzip
import json
import ssl
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from support.sockets import free_port

CHILD = textwrap.dedent('''
    import json, sys
    import gevent
    from peakready.scenario.locust_transport import Connection

    class Event:
        def __init__(self):
            self.fired = []
        def fire(self, **kwargs):
            self.fired.append(kwargs)

    class JourneyOver(Exception):
        pass

    base, calls = sys.argv[1], json.loads(sys.argv[2])
    event = Event()
    connection = Connection(base, event, timeout=5.0)
    for method, path, body, headers in calls:
        if path.endswith("/stall"):  # the journey's timeout fires while the body is sent
            try:
                with gevent.Timeout(0.5, JourneyOver):
                    connection.request(method, path, name="n", json="x" * 50_000_000)
            except JourneyOver:
                print(json.dumps({"interrupted": path}), flush=True)
            continue
        with gevent.Timeout(10):
            reply = connection.request(method, path, name="n " + path, json=body,
                                       headers=headers)
        fired = event.fired.pop()
        print(json.dumps({
            "status": reply.status, "body": reply.body.decode("utf-8", "replace"),
            "error": reply.error, "value": reply.value if reply.parsed else "<unparsed>",
            "event": {"request_type": fired["request_type"], "name": fired["name"],
                      "response_length": fired["response_length"], "url": fired["url"],
                      "response_time": fired["response_time"], "start_time": fired["start_time"],
                      "exception": None if fired["exception"] is None else str(fired["exception"])},
        }), flush=True)
''')


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_: Any) -> None:
        pass

    def _answer(self, status: int, body: bytes, content_type: str = "application/json",
                encoding: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.end_headers()
        self.wfile.write(body)

    def _handle(self) -> None:
        if self.path.endswith("/stall"):  # reads nothing of the body: the client's send blocks
            time.sleep(2)
            self.close_connection = True
            return
        length = int(self.headers.get("Content-Length") or 0)
        sent = self.rfile.read(length).decode() if length else ""
        path = self.path.split("?", 1)[0]
        if path.endswith("/echo"):
            self._answer(200, json.dumps({
                "method": self.command, "path": self.path, "body": sent,
                "peer_port": self.client_address[1],
                "authorization": self.headers.get("Authorization"),
                "content_type": self.headers.get("Content-Type"),
                "accept_encoding": self.headers.get("Accept-Encoding")}).encode())
        elif path.endswith("/text"):
            self._answer(200, b"<html>maintenance</html>", "text/html")
        elif path.endswith("/down"):
            self._answer(503, b'{"message":"Service Unavailable"}')
        elif path.endswith("/gzip"):
            self._answer(200, gzip.compress(b'{"zipped":true}'), encoding="gzip")
        else:
            self._answer(404, b'{"message":"no route"}')

    do_GET = do_POST = do_PUT = _handle


def _serve(httpd: ThreadingHTTPServer, scheme: str) -> Iterator[str]:
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{scheme}://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    yield from _serve(ThreadingHTTPServer(("127.0.0.1", 0), _Handler), "http")


@pytest.fixture(scope="module")
def tls_server() -> Iterator[str]:
    """The same server behind TLS with a self-signed loopback certificate (a staging store's)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(Path(__file__).parents[2] / "support" / "selfsigned-loopback.pem")
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    yield from _serve(httpd, "https")


def run(base: str, *calls: tuple[str, str, Any, dict[str, str] | None]) -> list[dict[str, Any]]:
    done = subprocess.run([sys.executable, "-c", CHILD, base, json.dumps(calls)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def test_json_answer_is_parsed_and_reported_as_a_success(server: str) -> None:
    [got] = run(server, ("POST", "/rest/V1/echo", {"cartItem": {"qty": 2}},
                         {"Authorization": "Bearer t0ken"}))
    assert got["status"] == 200
    assert got["value"]["method"] == "POST"
    assert json.loads(got["value"]["body"]) == {"cartItem": {"qty": 2}}
    assert got["value"]["authorization"] == "Bearer t0ken"
    assert got["value"]["content_type"] == "application/json"
    assert "gzip" in got["value"]["accept_encoding"]
    event = got["event"]
    assert event["exception"] is None
    assert (event["request_type"], event["name"]) == ("POST", "n /rest/V1/echo")
    assert event["response_length"] == len(got["body"].encode())
    assert event["url"] == f"{server}/rest/V1/echo"
    assert event["response_time"] >= 0


def test_https_with_a_self_signed_certificate(tls_server: str) -> None:
    [got] = run(tls_server, ("POST", "/rest/V1/echo", {"a": 1}, None))
    assert got["status"] == 200
    assert json.loads(got["value"]["body"]) == {"a": 1}
    assert got["event"]["url"] == f"{tls_server}/rest/V1/echo"


def test_a_get_sends_no_body_and_no_content_type(server: str) -> None:
    [got] = run(server, ("GET", "/echo?searchCriteria[pageSize]=2", None, None))
    assert got["value"]["method"] == "GET"
    assert got["value"]["path"] == "/echo?searchCriteria[pageSize]=2"
    assert got["value"]["body"] == ""
    assert got["value"]["content_type"] is None


def test_a_path_under_the_base_url_is_kept(server: str) -> None:
    [got] = run(server + "/shop/", ("GET", "/rest/V1/echo", None, None))
    assert got["value"]["path"] == "/shop/rest/V1/echo"
    assert got["event"]["url"] == f"{server}/shop/rest/V1/echo"


def test_non_2xx_is_a_failure_with_status_and_first_bytes(server: str) -> None:
    [got] = run(server, ("POST", "/down", {}, None))
    assert got["status"] == 503
    assert got["value"] == "<unparsed>"
    assert got["event"]["exception"] == '503 {"message":"Service Unavailable"}'


def test_2xx_that_is_not_json_is_a_failure_not_a_crash(server: str) -> None:
    [got] = run(server, ("GET", "/text", None, None))
    assert got["status"] == 200
    assert got["value"] == "<unparsed>"
    assert got["body"] == "<html>maintenance</html>"
    assert got["event"]["exception"] == "200 not JSON: <html>maintenance</html>"


def test_gzip_answer_is_decoded(server: str) -> None:
    [got] = run(server, ("GET", "/gzip", None, None))
    assert got["value"] == {"zipped": True}
    assert got["event"]["exception"] is None


def test_refused_connection_is_status_0_with_the_error() -> None:
    [got] = run(f"http://127.0.0.1:{free_port()}", ("POST", "/rest/V1/guest-carts", {}, None))
    assert got["status"] == 0
    assert got["error"]
    assert got["event"]["exception"] == got["error"]
    assert got["event"]["response_length"] == 0


def test_one_keep_alive_connection_carries_many_requests(server: str) -> None:
    got = run(server, *[("GET", f"/echo?i={i}", None, None) for i in range(50)])
    assert [g["value"]["path"] for g in got] == [f"/echo?i={i}" for i in range(50)]
    assert len({g["value"]["peer_port"] for g in got}) == 1


def test_a_journey_timeout_while_sending_leaves_the_connection_usable(server: str) -> None:
    got = run(server, ("POST", "/stall", None, None), ("GET", "/echo", None, None))
    assert got[0] == {"interrupted": "/stall"}
    assert got[1]["status"] == 200
    assert got[1]["value"]["method"] == "GET"
