"""``python -m peakready.scenario.preflight LAUNCH_JSON``: refuse a broken load before it starts.

Run by prepare_locust in a child process (importing locust would monkey-patch the
orchestrator): the plan re-validates, each scenario file imports, a .py shape samples sanely,
the schedule can be built. Exit 0, or 2 with the ConfigError on stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path

from peakready.content import import_python_file
from peakready.errors import ConfigError

__all__ = ["main", "preflight"]


def preflight(launch_path: Path) -> None:
    from peakready.scenario.arrivals import schedule
    from peakready.scenario.protocol import read_launch
    from peakready.scenario.shapes import build_shape

    launch = read_launch(launch_path)
    for index, name in enumerate(launch["scenario_files"]):
        import_python_file(Path(name), f"peakready_preflight_{index}",
                           f"{name}: scenario file")
    spec = launch.get("shape")
    if launch.get("shape_file"):
        from peakready.scenario.shape_file import sample_shape_file
        spec = sample_shape_file(Path(launch["shape_file"]), launch["plan_model"].load.duration)
    plan = launch["plan_model"]
    next(iter(schedule(plan.load, plan.arrivals_seed, build_shape(plan.load, spec))), None)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        preflight(Path(args[0]))
    except ConfigError as exc:
        print(f"peakready: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
