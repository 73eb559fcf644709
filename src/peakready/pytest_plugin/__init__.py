"""peakready's pytest plugin (entry point ``pytest11``: ``peakready``), for CI resilience tests.

::

    fixtures
    ├── peakready_estate   function-scoped view of ONE session-scoped embedded estate (fault
    │                      proxy, mocks, simulator with its integration); after each test the
    │                      mocks, the simulator and the proxy are reset (like pytest-httpserver)
    ├── fault              fault("erp", toxic="latency", attributes={...}) / down=True /
    │                      http={"status": 503}: a context manager, cleared on the way out and
    │                      at teardown whatever happened
    └── peakready_run      peakready_run(plan) → PlanRun(run_dir, exit_code, result, verdicts)
    marker
    └── @pytest.mark.resilience(plan=..., checks=[...])   runs the plan (once per session per
                           plan, shared by every test naming it); after the test body, a
                           failed or unjudged check fails the test with its summary and
                           examples; the test may take ``peakready_result`` to look closer
    ini
    └── peakready_plan     the plan the session estate is built from (default: defaults)

Nothing heavy is imported until a fixture or the marker is used: the plugin loads in every
pytest session of an environment where peakready is installed. It never imports locust.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from peakready.pytest_plugin.estate import EstateHandle
from peakready.pytest_plugin.faults import FaultSwitch
from peakready.pytest_plugin.runs import PlanRun, failure_message, resolve_plan, run_plan

__all__ = ["EstateHandle", "FaultSwitch", "PlanRun"]

_RUNS = pytest.StashKey[dict[Path, PlanRun]]()
_RESULT = pytest.StashKey[PlanRun]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("peakready_plan", "plan YAML the peakready_estate fixture is built from "
                                    "(relative to the rootdir; default: the plan defaults)")
    parser.addini("peakready_reports", "where peakready_run and resilience tests write run "
                                       "folders (default: a session temporary folder)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "resilience(plan, checks=None): run the peakready plan (once per session) "
                   "and fail the test when one of the checks (default: every verdict) fails")
    config.stash[_RUNS] = {}


def _reports_dir(config: pytest.Config, factory: pytest.TempPathFactory) -> Path:
    configured = config.getini("peakready_reports")
    if configured:
        return Path(config.rootpath, str(configured))
    return factory.getbasetemp() / "peakready-runs"


# ------------------------------------------------------------------------------ the estate
@pytest.fixture(scope="session")
def peakready_estate_session(pytestconfig: pytest.Config,
                             tmp_path_factory: pytest.TempPathFactory
                             ) -> Iterator[EstateHandle]:
    """The session's one embedded estate (prefer ``peakready_estate``, which resets it)."""
    from peakready.config import Plan, load_plan

    configured = pytestconfig.getini("peakready_plan")
    plan = load_plan(Path(pytestconfig.rootpath, str(configured))) if configured else Plan()
    handle = EstateHandle(plan, tmp_path_factory.mktemp("peakready-estate"))
    try:
        yield handle.start()
    finally:
        handle.stop()


@pytest.fixture
def peakready_estate(peakready_estate_session: EstateHandle) -> Iterator[EstateHandle]:
    """The embedded estate; every mock, the simulator and the proxy reset after the test."""
    yield peakready_estate_session
    peakready_estate_session.reset()


@pytest.fixture
def fault(peakready_estate: EstateHandle) -> Iterator[FaultSwitch]:
    """``with fault("erp", down=True): ...`` on the estate's links; always cleared."""
    switch = FaultSwitch(peakready_estate)
    try:
        yield switch
    finally:
        switch.close()


# ------------------------------------------------------------------------------- the runs
def _runner(request: pytest.FixtureRequest) -> Callable[..., PlanRun]:
    config = request.config
    factory = request.getfixturevalue("tmp_path_factory")
    reports = _reports_dir(config, factory)
    bases = [Path(request.path).parent, config.rootpath]

    def run(plan: Any, *, timeout: float = 1800.0, cache: bool = False) -> PlanRun:
        path = resolve_plan(plan, bases, factory.mktemp("peakready-plan"))
        runs = config.stash[_RUNS]
        if cache and path in runs:
            return runs[path]
        done = run_plan(path, reports, timeout=timeout)
        if cache:
            runs[path] = done
        return done

    return run


@pytest.fixture
def peakready_run(request: pytest.FixtureRequest) -> Callable[..., PlanRun]:
    """``peakready_run(plan)`` runs a plan (path, bundled name or mapping) → PlanRun."""
    return _runner(request)


@pytest.fixture(autouse=True)
def _peakready_resilience(request: pytest.FixtureRequest) -> None:
    marker = request.node.get_closest_marker("resilience")
    if marker is None:
        return
    plan = marker.kwargs.get("plan", marker.args[0] if marker.args else None)
    if plan is None:
        raise pytest.UsageError(f"{request.node.nodeid}: @pytest.mark.resilience needs "
                                f"plan=<path or bundled plan name>")
    request.node.stash[_RESULT] = _runner(request)(plan, cache=True)


@pytest.fixture
def peakready_result(request: pytest.FixtureRequest) -> PlanRun:
    """The run of this test's ``@pytest.mark.resilience`` plan."""
    try:
        run: PlanRun = request.node.stash[_RESULT]
    except KeyError:
        raise pytest.UsageError("peakready_result needs @pytest.mark.resilience(plan=...) "
                                "on the test") from None
    return run


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    outcome = yield
    run = item.stash.get(_RESULT, None)
    marker = item.get_closest_marker("resilience")
    if run is not None and marker is not None:
        message = failure_message(run, marker.kwargs.get("checks"))
        if message is not None:
            pytest.fail(message, pytrace=False)
    return outcome
