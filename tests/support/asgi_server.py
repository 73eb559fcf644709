"""Serve an ASGI app on a loopback socket from a thread (uvicorn), plain or over TLS.

For real client libraries that open their own connections (odoorpc, msal, netsuite): the
lowest rung they can climb. TLS uses a throwaway certificate for ``127.0.0.1`` and
``localhost`` (IP and DNS subject alternative names, which hostname checks need), made per
test session; the client trusts its file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

__all__ = ["Served", "loopback_certificate", "serve_asgi"]


def loopback_certificate(directory: Path) -> tuple[Path, Path]:
    """(certificate, key) PEM files of a self-signed certificate for the loopback names."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = directory / "loopback-cert.pem", directory / "loopback-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@dataclass(frozen=True)
class Served:
    url: str
    port: int


@contextlib.contextmanager
def serve_asgi(app: Any, *, tls: tuple[Path, Path] | None = None) -> Iterator[Served]:
    """Run ``app`` (with its lifespan) on 127.0.0.1:<free port> until the block ends."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # A client that keeps a TLS connection open must not hold the shutdown up for long.
    options: dict[str, Any] = {"log_config": None, "access_log": False, "lifespan": "on",
                               "timeout_graceful_shutdown": 1}
    if tls is not None:
        options.update(ssl_certfile=str(tls[0]), ssl_keyfile=str(tls[1]))
    server = uvicorn.Server(uvicorn.Config(app, **options))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started, "the ASGI server did not start"
    try:
        yield Served(f"{'https' if tls else 'http'}://127.0.0.1:{port}", port)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
