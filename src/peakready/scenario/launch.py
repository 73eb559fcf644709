"""How the orchestrator starts Locust for a plan (imports no locust: safe in asyncio processes).

::

    prepare_locust(plan, run_dir, targets, workers=None) ──► LocustLaunch
      preflight      a subprocess imports the scenario files and a .py shape: a broken one is
                     a ConfigError here, before any request is sent
      run_dir/locust_launch.json   the resolved plan and targets for the master (no token)
      master_argv    locust --master (or one local process when workers == 0), headless,
                     -u 0 (the open model starts journeys itself), --csv run_dir/locust
      worker_argv    locust --worker --master-host/--master-port (start it `workers` times)
      env            PEAKREADY_MAGENTO_TOKEN: the store token travels only here
      control_path   run_dir/control.jsonl (test_start, snapshot, worker_lost, test_stop)

The master stops by itself once the schedule has run and the journeys in flight ended (at most
``load.duration + load.journey_timeout`` plus a margin; -t bounds it too).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from peakready.config import Plan
from peakready.content import find_content_dir
from peakready.errors import ConfigError
from peakready.safety import check_target
from peakready.scenario.shapes import resolve_file_shape

__all__ = [
    "LAUNCH_FILE",
    "SCENARIO_FILES",
    "TOKEN_ENV",
    "LoadTargets",
    "LocustLaunch",
    "default_workers",
    "prepare_locust",
]

TOKEN_ENV = "PEAKREADY_MAGENTO_TOKEN"
LAUNCH_FILE = "locust_launch.json"
#: The bundled scenario files a peakready run loads (each also runs alone under locust -f).
SCENARIO_FILES = ("storefront.py", "flash_sale.py", "sync.py")
_STOP_MARGIN = 15.0


@dataclass(frozen=True)
class LoadTargets:
    """Where the load goes: the store, and the ERP and CRM mocks' direct URLs (sync traffic is
    their own activity, not traffic through the integration's links)."""

    magento_url: str
    erp_url: str | None = None
    crm_url: str | None = None
    flash_skus: list[str] = field(default_factory=list)
    token: str | None = None


@dataclass(frozen=True)
class LocustLaunch:
    master_argv: list[str]
    worker_argv: list[str]
    env: dict[str, str]
    control_path: Path
    workers: int
    master_port: int | None
    launch_path: Path
    #: the web UI's address with ``--ui`` (None: headless)
    web_url: str | None = None


def default_workers() -> int:
    """``workers: auto``: one per free core (a core is left to the master and the target)."""
    return max(1, (os.cpu_count() or 2) - 1)


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _scenario_paths(plan: Plan, plan_dir: Path | None, scenarios_dir: Path | None) -> list[Path]:
    folder = scenarios_dir or find_content_dir("scenarios")
    paths = [folder / name for name in SCENARIO_FILES]
    for index, extra in enumerate(plan.load.scenarios):
        path = Path(extra)
        if not path.is_absolute() and plan_dir is not None:
            path = plan_dir / path
        if not path.is_file():
            raise ConfigError(f"load.scenarios.{index} = {extra!r}: no such file ({path})")
        paths.append(path)
    return paths


def _preflight(python: str, launch_path: Path) -> None:
    """Import the scenario files and sample a .py shape in a child (locust must not load here)."""
    try:
        done = subprocess.run([python, "-m", "peakready.scenario.preflight", str(launch_path)],
                              capture_output=True, text=True, timeout=120, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ConfigError(f"{launch_path}: the scenario preflight did not finish in 120 s") \
            from exc
    if done.returncode == 2:
        raise ConfigError(done.stderr.strip().removeprefix("peakready: "))
    if done.returncode != 0:
        raise ConfigError(f"scenario preflight failed (exit {done.returncode}): "
                          f"{done.stderr.strip()[-600:]}")


def prepare_locust(plan: Plan, run_dir: Path, targets: LoadTargets, workers: int | None = None,
                   *, plan_dir: Path | None = None, scenarios_dir: Path | None = None,
                   fixtures_dir: Path | None = None, ui: bool = False, web_port: int = 8089,
                   master_host: str = "127.0.0.1",
                   python: str | None = None, preflight: bool = True) -> LocustLaunch:
    """Everything needed to start Locust for ``plan``; raises ConfigError / SafetyError."""
    allow = plan.target.allow_hosts
    check_target(targets.magento_url, allow, what="the store")
    for url, what in ((targets.erp_url, "the ERP"), (targets.crm_url, "the CRM")):
        if url:
            check_target(url, allow, what=what)
    count = workers if workers is not None else (
        default_workers() if plan.load.workers == "auto" else int(plan.load.workers))
    if count < 0:
        raise ConfigError(f"workers = {count}: use 0 (one local process) or more")
    python = python or sys.executable
    run_dir.mkdir(parents=True, exist_ok=True)
    files = _scenario_paths(plan, plan_dir, scenarios_dir)
    launch_path = run_dir / LAUNCH_FILE
    launch = {
        "plan": plan.to_json(), "run_dir": str(run_dir.resolve()),
        "targets": {"magento_url": targets.magento_url, "erp_url": targets.erp_url,
                    "crm_url": targets.crm_url, "flash_skus": list(targets.flash_skus)},
        "shape": resolve_file_shape(plan.load, plan_dir),
        "shape_file": None, "scenario_files": [str(p) for p in files], "workers": count,
        "fixtures_dir": str(fixtures_dir or find_content_dir("fixtures")),
    }
    if plan.load.shape.endswith(".py"):
        shape_path = Path(plan.load.shape)
        launch["shape_file"] = str(shape_path if shape_path.is_absolute() or plan_dir is None
                                   else plan_dir / shape_path)
    launch_path.write_text(json.dumps(launch, indent=1), "utf-8")
    if preflight:
        _preflight(python, launch_path)
    bound = plan.load.duration + plan.load.journey_timeout + _STOP_MARGIN
    locust = [python, "-m", "locust", "-f", ",".join(str(p) for p in files)]
    master = [*locust, "--host", targets.magento_url, "-u", "0", "-r", "1",
              "--csv", str(run_dir / "locust"), "--exit-code-on-error", "0",
              "--stop-timeout", "5", "--peakready-plan", str(launch_path)]
    master += ["--web-host", "127.0.0.1", "--web-port", str(web_port)] if ui else \
        ["--headless", "-t", f"{bound:.0f}s"]
    port = None
    worker: list[str] = []
    if count > 0:
        port = _free_port(master_host)
        master += ["--master", "--master-bind-host", master_host, "--master-bind-port", str(port),
                   "--expect-workers", str(count), "--expect-workers-max-wait", "60"]
        worker = [*locust, "--worker", "--master-host", master_host, "--master-port", str(port)]
    env = {TOKEN_ENV: targets.token} if targets.token else {}
    return LocustLaunch(master_argv=master, worker_argv=worker, env=env,
                        control_path=run_dir / "control.jsonl", workers=count,
                        master_port=port, launch_path=launch_path,
                        web_url=f"http://127.0.0.1:{web_port}" if ui else None)
