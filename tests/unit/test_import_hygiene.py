"""`import peakready` (and every engine module outside peakready.scenario) must not pull in
locust or gevent: gevent monkey-patches the process and breaks asyncio components."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import peakready

_PROBE = """
import importlib, sys
for name in {modules!r}:
    importlib.import_module(name)
bad = sorted(m for m in sys.modules if m.split('.')[0] in ('locust', 'gevent'))
print(','.join(bad))
"""


def _engine_modules() -> list[str]:
    names = ["peakready"]
    for info in pkgutil.walk_packages(peakready.__path__, "peakready."):
        if not info.name.startswith("peakready.scenario"):
            names.append(info.name)
    return names


def test_import_peakready_does_not_load_locust_or_gevent() -> None:
    out = subprocess.run([sys.executable, "-c", _PROBE.format(modules=["peakready"])],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_no_engine_module_outside_scenario_loads_locust_or_gevent() -> None:
    modules = _engine_modules()
    out = subprocess.run([sys.executable, "-c", _PROBE.format(modules=modules)],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"locust/gevent imported by one of {modules}"


def test_probe_detects_a_locust_import() -> None:
    # The hygiene probe itself must be able to fail: importing locust is seen.
    out = subprocess.run([sys.executable, "-c", _PROBE.format(modules=["locust"])],
                         capture_output=True, text=True, check=True)
    assert "locust" in out.stdout
