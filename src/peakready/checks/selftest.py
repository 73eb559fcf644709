"""The detection self-test: every integration flag caught by its check, no false alarm on good.

::

    run_selftest(flags, reports_dir) ──► for each scenario of the flags (selftest_plans):
        │   one run per flag        (good + the flag, under the scenario's fault)
        │   one run of `good`       (same plan, no flag)
        │   each: open_estate → run_load_phase (+ side traffic) → journals → judge
        └── Matrix: flag x check, expected vs observed; caught / misses / false alarms

A flag is **caught** when its check is ``fail`` (an ``error`` is not a catch); a **false
alarm** is any verdict of a good run that is not ``pass``. Runs use the RUN part's building
blocks (peakready.run), one fresh estate each, one after another (the machine's CPU is part of
what the latency checks measure).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from peakready.checks.evidence import RunEvidence
from peakready.checks.judge import judge
from peakready.checks.selftest_plans import CASES, SCENARIOS, Case, Scenario, scenario_plan
from peakready.checks.verdict import Verdict
from peakready.errors import PeakreadyError

if TYPE_CHECKING:
    from peakready.run import Estate

__all__ = ["Matrix", "RunOutcome", "run_selftest"]

log = logging.getLogger("peakready.checks.selftest")
_JOURNALS = ("erp", "magento")


@dataclass
class RunOutcome:
    """One run of the matrix: a flag's (``flag`` set) or good's."""

    scenario: str
    flag: str | None
    run_dir: Path
    verdicts: list[Verdict] = field(default_factory=list)
    error: str | None = None          # the run itself failed (harness), no verdicts
    seconds: float = 0.0

    def status(self, check: str) -> str:
        for verdict in self.verdicts:
            if verdict.check == check:
                return verdict.status
        return "error" if self.error else "-"

    def verdict(self, check: str) -> Verdict | None:
        return next((v for v in self.verdicts if v.check == check), None)


@dataclass
class Matrix:
    cases: list[Case]
    runs: list[RunOutcome] = field(default_factory=list)

    def flag_runs(self) -> list[tuple[Case, RunOutcome]]:
        by_flag = {r.flag: r for r in self.runs if r.flag is not None}
        return [(c, by_flag[c.flag]) for c in self.cases if c.flag in by_flag]

    def good_runs(self) -> list[RunOutcome]:
        return [r for r in self.runs if r.flag is None]

    def caught(self) -> list[str]:
        return [c.flag for c, run in self.flag_runs() if run.status(c.check) == "fail"]

    def misses(self) -> list[str]:
        return [c.flag for c, run in self.flag_runs() if run.status(c.check) != "fail"]

    def false_alarms(self) -> list[tuple[str, str, str]]:
        """(scenario, check, status) of every good verdict that is not a pass."""
        out: list[tuple[str, str, str]] = [
            (r.scenario, v.check, v.status) for r in self.good_runs() for v in r.verdicts
            if v.status != "pass"]
        out.extend((r.scenario, "(run)", "error") for r in self.good_runs() if r.error)
        return out

    @property
    def ok(self) -> bool:
        return not self.misses() and not self.false_alarms() and \
            len(self.flag_runs()) == len(self.cases)


async def _customer_edits(estate: Estate, run_dir: Path) -> None:
    """Edit a few customers through Magento's admin REST once the load has started: the
    changes the customer sync must carry to the CRM without touching the CRM's own fields."""
    control = run_dir / "control.jsonl"
    deadline = time.monotonic() + 120.0
    while time.monotonic() < deadline and not (
            control.is_file() and b"test_start" in control.read_bytes()):
        await asyncio.sleep(0.5)
    await asyncio.sleep(3.0)
    base = f"{estate.magento_direct}/rest/V1"
    headers = {"Authorization": f"Bearer {estate.token}"}
    async with httpx.AsyncClient(timeout=10.0, headers=headers) as http:
        found = await http.get(f"{base}/customers/search", params={
            "searchCriteria[pageSize]": 8, "searchCriteria[currentPage]": 1})
        found.raise_for_status()
        for n, customer in enumerate(found.json().get("items", [])[:8]):
            body = {"customer": {"id": customer["id"], "email": customer["email"],
                                 "firstname": f"{customer['firstname']} Selftest{n}",
                                 "lastname": customer["lastname"],
                                 "website_id": customer.get("website_id", 1)}}
            answer = await http.put(f"{base}/customers/{customer['id']}", json=body)
            if answer.status_code != 200:
                log.warning("selftest customer edit refused: %s %s", answer.status_code,
                            answer.text[:200])
            await asyncio.sleep(0.5)


_SIDES: dict[str, Callable[[Estate, Path], Coroutine[Any, Any, None]]] = {
    "customer_edits": _customer_edits}


async def _export_journals(estate: Estate, evidence_dir: Path) -> None:
    """``<mock>/journal.json`` where the run's export did not write one (docs/run-folder.md):
    sync_efficiency counts the ERP's stock reads from it."""
    urls = {"erp": estate.mocks.get("erp"), "magento": estate.magento_direct}
    async with httpx.AsyncClient(timeout=10.0) as http:
        for name in _JOURNALS:
            path = evidence_dir / name / "journal.json"
            url = urls.get(name)
            if path.exists() or url is None:
                continue
            with contextlib.suppress(httpx.HTTPError):
                answer = await http.get(f"{url}/__admin/journal", params={"recent": 0})
                if answer.status_code == 200:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(answer.content)


async def _one_run(scenario: Scenario, flag: str | None, reports_dir: Path) -> RunOutcome:
    from peakready.run import new_run_dir, open_estate, run_load_phase

    plan = scenario_plan(scenario, [flag] if flag else [])
    run_dir = new_run_dir(reports_dir, plan.name)
    outcome = RunOutcome(scenario.name, flag, run_dir)
    started = time.monotonic()
    try:
        async with open_estate(plan, run_dir) as estate:
            side: asyncio.Task[None] | None = None
            if scenario.side is not None:
                side = asyncio.create_task(_SIDES[scenario.side](estate, run_dir))
            try:
                await run_load_phase(estate, run_dir, plan=plan)
            finally:
                if side is not None:
                    side.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await side
            await _export_journals(estate, run_dir / "evidence")
        outcome.verdicts = judge(RunEvidence.load(run_dir), plan)
    except (PeakreadyError, ExceptionGroup) as exc:
        # The estate starts components in a task group: a failure arrives grouped.
        outcome.error = _reason(exc)
        log.error("selftest run %s failed: %s", run_dir.name, outcome.error)
    outcome.seconds = time.monotonic() - started
    return outcome


def _reason(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(_reason(e) for e in exc.exceptions)
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


async def run_selftest(flags: list[str], reports_dir: Path,
                       on_run: Callable[[RunOutcome], None] | None = None) -> Matrix:
    """Run the matrix for ``flags`` (each with its scenario's good run), one run at a time."""
    cases = [CASES[f] for f in flags]
    matrix = Matrix(cases)
    for name in dict.fromkeys(c.scenario for c in cases):
        scenario = SCENARIOS[name]
        for flag in [*(c.flag for c in cases if c.scenario == name), None]:
            outcome = await _one_run(scenario, flag, reports_dir)
            matrix.runs.append(outcome)
            if on_run is not None:
                on_run(outcome)
    return matrix
