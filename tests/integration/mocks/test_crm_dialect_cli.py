"""``peakready mock crm --dialect NAME`` serves a CRM dialect standalone with its documented
default credentials (docs/dialects.md), over HTTPS with ``--tls-cert``."""

from __future__ import annotations

import signal
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from tests.support.asgi_server import loopback_certificate


def test_salesforce_over_tls_with_the_default_client_credentials(
        mock_process: Callable[..., Any], tmp_path: Path) -> None:
    cert, key = loopback_certificate(tmp_path)
    mock = mock_process("crm", "--dialect", "salesforce", "--tls-cert", str(cert),
                        "--tls-key", str(key), data_dir=tmp_path / "data")
    assert mock.url.startswith("https://127.0.0.1:")
    trust = ssl.create_default_context(cafile=str(cert))
    with httpx.Client(base_url=mock.url, verify=trust, timeout=5) as http:
        token = http.post("/services/oauth2/token", auth=("peakready", "peakready"),
                          data={"grant_type": "client_credentials"}).json()
        assert token["instance_url"] == mock.url and token["token_type"] == "Bearer"
        limits = http.get("/services/data/v59.0/limits",
                          headers={"Authorization": f"Bearer {token['access_token']}"})
        assert limits.status_code == 200 and "Sforce-Limit-Info" in limits.headers
    assert mock.stop(signal.SIGTERM) == 0


def test_hubspot_with_the_default_private_app_token(mock_process: Callable[..., Any],
                                                    tmp_path: Path) -> None:
    mock = mock_process("crm", "--dialect", "hubspot", data_dir=tmp_path / "data")
    page = httpx.get(f"{mock.url}/crm/v3/objects/contacts", params={"limit": 2}, timeout=5,
                     headers={"Authorization": "Bearer pat-na1-peakready"})
    assert page.status_code == 200 and len(page.json()["results"]) == 2
    assert page.headers["X-HubSpot-RateLimit-Max"] == "190"
    assert mock.stop(signal.SIGTERM) == 0


def test_an_unknown_dialect_is_refused_naming_the_known_ones(
        mock_process: Callable[..., Any], tmp_path: Path) -> None:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "peakready.cli", "mock", "crm", "--port", "0",
                          "--dialect", "salesforse", "--data", str(tmp_path)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "did you mean 'salesforce'" in out.stderr
