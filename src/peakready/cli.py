"""The ``peakready`` command line: a thin layer of verbs over the engine.

Each verb declares its flags here and names its handler as ``"module:function"``; the handler
is imported only when the verb runs, so ``peakready proxy`` never imports the mocks, and no verb
but the Locust runner ever imports locust. A handler takes the parsed namespace and returns the
exit code (DESIGN §4: 0 pass, 1 verdict failed, 2 usage/config/safety, 3 harness error).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence

from peakready import __version__
from peakready.errors import PeakreadyError
from peakready.integration_flags import FLAGS as INTEGRATION_FLAGS

__all__ = ["build_parser", "main"]

Handler = Callable[[argparse.Namespace], int]
MOCK_NAMES = ("erp", "crm", "payment", "shipping", "magento")


def _add_proxy(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("proxy", help="run the embedded Toxiproxy-compatible fault proxy",
                       description="The equivalent of toxiproxy-server, loopback by default.")
    p.add_argument("--host", default="127.0.0.1", help="API listen host (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8474, help="API listen port (default 8474)")
    p.add_argument("--config", metavar="POPULATE_JSON",
                   help="a Toxiproxy populate-format JSON array of proxies to create at start")
    p.add_argument("--seed", type=int, help="make toxicity and jitter draws reproducible")
    p.add_argument("--allow-host", action="append", default=[], metavar="HOST",
                   help="allow a non-loopback API or proxy address (repeatable)")
    p.add_argument("--no-metrics", action="store_true",
                   help="no /metrics route (404, like toxiproxy-server without metric flags)")
    p.set_defaults(handler="peakready.faultproxy.cli:serve")


def _add_mock(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("mock", help="run one mock service (or the Magento simulator)",
                       description="Loads the app from mocks/ by path (DESIGN §2).")
    p.add_argument("name", choices=MOCK_NAMES)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, help="listen port (default: the estate's port, DESIGN §1)")
    p.add_argument("--seed", type=int, default=0, help="seed for fault rates and generated data")
    p.add_argument("--data", metavar="DIR", help="directory for the durable evidence store")
    p.add_argument("--mocks-dir", metavar="DIR", help="where mocks/ lives (default: discovered)")
    p.add_argument("--fixtures-dir", metavar="DIR", help="where fixtures/ lives")
    p.add_argument("--dialect",
                   help="erp / crm: the vendor API to speak (default peakready, the mock's own; "
                        "docs/dialects.md lists each dialect's routes and default credentials)")
    p.add_argument("--contract", metavar="FILE",
                   help="erp / crm: an in-house API's contract (YAML) instead of a dialect")
    p.add_argument("--tls-cert", metavar="PEM",
                   help="serve HTTPS with this certificate (and its key, or --tls-key): "
                        "for client libraries that insist on https://")
    p.add_argument("--tls-key", metavar="PEM", help="the key of --tls-cert, if separate")
    magento = p.add_argument_group("magento simulator")
    magento.add_argument("--profile", default="small", help="fixture profile: small | medium")
    magento.add_argument("--inventory", choices=("strict", "race"), default="strict")
    magento.add_argument("--visibility", choices=("immediate", "realistic"),
                         help="realistic: orders reach searches after a seeded delay, out of "
                              "entity-id order (default: the config file's, else immediate)")
    magento.add_argument("--capacity-model", choices=("on", "off"), default="off")
    magento.add_argument("--version", dest="magento_version", default="2.4.7",
                         help="Magento version whose behaviours to imitate (2.4.4 .. 2.4.8)")
    magento.add_argument("--integration", choices=("good", "none"), default="good")
    magento.add_argument("--flag", action="append", default=[],
                         choices=INTEGRATION_FLAGS.names(),
                         help="enable one classic integration mistake (repeatable)")
    magento.add_argument("--config", metavar="FILE", help="simulator settings file (YAML/JSON)")
    magento.add_argument("--coverage", action="store_true",
                         help="print which routes of Magento's REST schema are served, per "
                              "service group (served / total and the missing ones), and exit")
    magento.add_argument("--service", action="append", metavar="NAME=URL",
                         help="where the built-in integration calls erp|crm|payment|shipping "
                              "(default: the fault proxy listeners, DESIGN §1; repeatable)")
    p.set_defaults(handler="peakready.mockkit.cli:serve_mock")


def _add_seed(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("seed", help="fill the simulator or a real store with a fixture profile")
    p.add_argument("--profile", default="small")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--target", metavar="URL", help="store base URL (default: the simulator)")
    p.add_argument("--token-env", metavar="VAR", help="environment variable holding the token")
    p.add_argument("--allow-host", action="append", default=[], metavar="HOST")
    p.set_defaults(handler="peakready.seeding.cli:main")


def _add_run(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("run", help="run a plan: estate, load, faults, drain, evidence, report")
    p.add_argument("plan", nargs="?", help="plan YAML (default: fixtures/plans/smoke.yaml)")
    p.add_argument("--reports-dir", default="reports", help="where run folders are written")
    p.add_argument("-q", "--quiet", action="store_true", help="no live progress")
    p.add_argument("--ui", action="store_true",
                   help="Locust's web UI instead of headless (you start the test there; the "
                        "fault timeline follows its start)")
    p.add_argument("--dry-run", action="store_true",
                   help="print what would be started and sent where; send nothing")
    p.add_argument("--flag", action="append", default=[], choices=INTEGRATION_FLAGS.names(),
                   metavar="FLAG", help="switch on a classic mistake of the built-in "
                                        "integration on top of the plan's (repeatable)")
    p.set_defaults(handler="peakready.orchestrator:main")


def _add_validate(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("validate", help="check plan files without running them (exit 2 if not)")
    p.add_argument("plans", nargs="+", metavar="PLAN", help="plan YAML file(s)")
    p.set_defaults(handler="peakready.orchestrator:validate_main")


def _add_report(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("report", help="re-judge a run folder and redraw its reports",
                       description="Re-runs the checks on DIR's evidence and rewrites "
                                   "result.json, report.html and junit.xml from the files.")
    p.add_argument("dir", metavar="DIR", help="a run folder (reports/<stamp>-<plan>)")
    p.add_argument("-q", "--quiet", action="store_true", help="no console summary")
    p.set_defaults(handler="peakready.reporting.cli:main")


def _add_worker(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("worker", help="join a run's Locust master as a load worker",
                       description="Becomes a Locust worker of a peakready run (docs/load.md).")
    p.add_argument("--master", required=True, metavar="HOST:PORT",
                   help="the master's address (LocustLaunch.master_port on its host)")
    p.add_argument("--scenario", action="append", metavar="FILE",
                   help="use this local scenario file (repeatable; default: fetch the master's)")
    p.add_argument("--processes", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--allow-host", action="append", default=[], metavar="HOST",
                   help="allow a non-loopback master address (repeatable)")
    p.set_defaults(handler="peakready.scenario.worker_cli:main")


def _add_init(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("init", help="copy the shipped scenarios, mocks and fixtures out to edit",
                       description="Creates DIR/scenarios, DIR/mocks and DIR/fixtures (plans "
                                   "included) from the installed package; refuses to overwrite.")
    p.add_argument("directory", nargs="?", default=".", metavar="DIR",
                   help="where to create them (default: the working directory)")
    p.set_defaults(handler="peakready.project_init:init_main")


def _add_selftest(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("selftest", help="prove every check catches its integration mistake",
                       description="Per classic mistake, a short run under the fault that "
                                   "exposes it (its check must fail) and the clean "
                                   "integration under the same plan (every check must pass); "
                                   "each a real run (run_plan, finalize).")
    p.add_argument("--connector", nargs="?", const=True, default=None, metavar="PATH",
                   help="prove the checks on the example connector (integration: none) with "
                        "its CONNECTOR_MISTAKES switches instead of the built-in integration's "
                        "flags (default path: examples/connector/connector.py)")
    p.add_argument("--quick", action="store_true", help="the quick subset (a few minutes)")
    p.add_argument("--flag", action="append", metavar="NAME",
                   help="only this mistake (repeatable; default: the whole matrix)")
    p.add_argument("--reports-dir", default="reports/selftest",
                   help="where the run folders go (default reports/selftest)")
    p.set_defaults(handler="peakready.run.selftest_cli:main")


def _add_capacity(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("capacity", help="search the highest orders/min the SLO and checks hold",
                       description="Arrival-rate steps, then bisection near the knee, each a "
                                   "load phase judged by the plan's checks and SLO; writes a "
                                   "run folder with the capacity, headroom and curve.")
    p.add_argument("plan", help="plan YAML (its capacity: section sets the steps and target)")
    p.add_argument("--reports-dir", default="reports", help="where run folders are written")
    p.add_argument("-q", "--quiet", action="store_true", help="no live progress")
    p.set_defaults(handler="peakready.capacity.cli:main")


def _add_doctor(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("doctor", help="check a store is ready for a run (read-only probes)",
                       description="Reachability, the token, every REST route the scenarios "
                                   "use (GET only) and the fault proxy's listeners "
                                   "(docs/staging.md).")
    p.add_argument("--target", required=True, metavar="URL", help="the store's base URL")
    p.add_argument("--token-env", default="MAGENTO_TOKEN", metavar="VAR",
                   help="environment variable holding the bearer token (default MAGENTO_TOKEN)")
    p.add_argument("--proxy", metavar="URL",
                   help="fault proxy API (default: $TOXIPROXY_URL, else http://127.0.0.1:8474)")
    p.add_argument("--no-proxy", action="store_true", help="skip the fault proxy checks")
    p.add_argument("--watch", type=float, default=20.0, metavar="SECONDS",
                   help="how long to watch the listeners for the integration's traffic")
    p.add_argument("--timeout", type=float, default=10.0, help="per-request timeout (s)")
    p.add_argument("--allow-host", action="append", default=[], metavar="HOST",
                   help="allow a non-loopback store or proxy host (repeatable)")
    p.set_defaults(handler="peakready.doctor:main")


_VERBS: tuple[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None], ...] = (
    _add_proxy, _add_mock, _add_seed, _add_run, _add_validate,
    _add_report, _add_worker, _add_init, _add_selftest,
    _add_capacity, _add_doctor,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="peakready", description="Load and resilience harness for Magento integrations.")
    parser.add_argument("-V", "--version", action="version", version=f"peakready {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more log output (-vv for debug)")
    sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for add in _VERBS:
        add(sub)
    return parser


def _resolve(target: str) -> Handler:
    module_name, _, function = target.partition(":")
    handler: Handler = getattr(importlib.import_module(module_name), function)
    return handler


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return _resolve(args.handler)(args)
    except PeakreadyError as exc:
        print(f"peakready: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
