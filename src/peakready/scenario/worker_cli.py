"""``peakready worker --master HOST:PORT``: join a peakready run's Locust master from here.

The process becomes a Locust worker (``exec``: no child is left behind on any signal). By
default it fetches the scenario files from the master (Locust's ``-f -``), so only peakready
needs to be installed here; the master sends the plan, the targets and this worker's share of
the arrivals in its start message. Imports no locust itself.
"""

from __future__ import annotations

import argparse
import os
import sys

from peakready.errors import ConfigError
from peakready.safety import check_target, split_host_port

__all__ = ["main", "worker_argv"]


def worker_argv(master: str, *, scenarios: list[str] | None = None, processes: int = 1,
                allow_hosts: list[str] | None = None, python: str | None = None) -> list[str]:
    try:
        host, port = split_host_port(master)
    except ValueError as exc:
        raise ConfigError(f"--master = {master!r}: {exc}; write HOST:PORT, e.g. "
                          f"10.0.0.5:5557") from exc
    check_target(host, allow_hosts or [], what="the Locust master")
    if processes < 1:
        raise ConfigError(f"--processes = {processes}: use 1 or more")
    files = ",".join(scenarios) if scenarios else "-"
    argv = [python or sys.executable, "-m", "locust", "--worker", "--master-host", host,
            "--master-port", str(port), "-f", files]
    if processes > 1:
        argv += ["--processes", str(processes)]
    return argv


def main(args: argparse.Namespace) -> int:
    argv = worker_argv(args.master, scenarios=args.scenario, processes=args.processes,
                       allow_hosts=args.allow_host)
    os.execv(argv[0], argv)
    return 0  # not reached
