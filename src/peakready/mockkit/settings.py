"""What ``peakready mock NAME`` hands to a mock's ``create_app(settings)``.

Every module in ``mocks/`` exposes ``create_app(settings: MockSettings) -> ASGI app``. The
settings are plain data so tests can build an app in-process (``httpx.ASGITransport``) with
the same object the CLI builds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_PORTS", "MockSettings"]

# DESIGN §1: the embedded estate's default ports.
DEFAULT_PORTS = {"magento": 8280, "erp": 8281, "crm": 8282, "payment": 8283, "shipping": 8284}


@dataclass
class MockSettings:
    name: str
    host: str = "127.0.0.1"
    port: int = 0
    seed: int = 0
    # Durable evidence lives here (SQLite); None means a fresh temporary directory.
    data_dir: Path | None = None
    fixtures_dir: Path | None = None
    # Mock-specific options, e.g. for magento: profile, inventory, capacity_model,
    # magento_version, integration, flags, config.
    options: dict[str, Any] = field(default_factory=dict)
