"""RunEvidence: the one reader of a run folder (docs/run-folder.md), for checks and reporting.

::

    RunEvidence.load(run_dir)          reads only the small files: run.json, control.jsonl's
    │                                  test_start/test_stop, faults.jsonl, evidence/manifest.json
    ├── test_start, test_stop, end     wall-clock bounds (end = the evidence export)
    ├── windows                        baseline, one per applied fault, recovery, whole
    ├── checkouts()                    [Checkout]          checkouts.jsonl        (cached)
    ├── latency()                      [LatencyLine]       latency.jsonl (HDR)    (cached)
    ├── samples()                      latency + arrivals decoded once (peakready.measure)
    ├── arrivals()                     [dict]              arrivals.jsonl         (cached)
    ├── magento_orders()               [MagentoOrder]      evidence/magento/orders.jsonl
    ├── erp_orders()                   [ErpOrder]          evidence/erp/orders.jsonl
    ├── acknowledged(), erp_received() what "acknowledged" means, the ERP's first receipts
    │                                  (peakready.measure.orders)                 (cached)
    ├── erp_attempts()                 {order key: Attempts}  evidence/erp/requests.jsonl,
    │                                  folded while streaming (a million lines stay compact)
    ├── records(rel) / json(rel)       any other evidence/ file, streamed / parsed
    └── plan()                         plan.yaml as a Plan

Nothing is read twice: the big files are parsed on first use into compact records and kept.
A file that is missing or cut short raises :class:`EvidenceError` when a check asks for it,
so only the checks that need it become ``error``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import yaml

from peakready.checks._files import EvidenceError, Manifest, parse_time, read_json, stream_jsonl
from peakready.checks.records import RETRYABLE, Attempts, Checkout, ErpOrder, MagentoOrder
from peakready.measure.latency import LatencyLine, Samples, collect
from peakready.measure.orders import Acknowledged, acknowledged, first_received
from peakready.measure.windows import Window, build_windows

if TYPE_CHECKING:
    from peakready.config import Plan

__all__ = ["EvidenceError", "LatencyLine", "RunEvidence"]

T = TypeVar("T")
_ABSENT: Any = object()
_NAN = math.nan
# What a refusal record may carry (the ERP mock: outcome "rejected", error {code, fields}).
_REFUSAL_FIELDS = ("outcome", "error", "errors", "message", "detail", "fields", "code", "body",
                   "answer")


class RunEvidence:
    """A finished (or killed) run's evidence. Build it with :meth:`load`."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.evidence_dir = run_dir / "evidence"
        self.manifest = Manifest(self.evidence_dir)
        self.run: dict[str, Any] = {}
        self.load_error: str | None = None      # why the load-side files cannot be trusted
        self.faults_error: str | None = None
        self.fault_lines: list[dict[str, Any]] = []
        self.test_start = 0.0
        self.test_stop = 0.0
        self.end = 0.0
        self._windows: list[Window] = []
        self._cache: dict[str, Any] = {}

    # -------------------------------------------------------------------------------- load
    @classmethod
    def load(cls, run_dir: Path | str) -> RunEvidence:
        """Read the run folder's small files and derive its windows. Raises EvidenceError only
        when ``run_dir`` is not a directory; every other gap surfaces in the checks needing it."""
        folder = Path(run_dir)
        if not folder.is_dir():
            raise EvidenceError(f"{folder}: no such run folder")
        self = cls(folder)
        try:
            run = read_json(folder / "run.json", "run")
            self.run = run if isinstance(run, dict) else {}
        except EvidenceError as exc:
            self.load_error = f"{exc}: the run did not finish"
        status = self.run.get("status")
        if self.load_error is None and status != "complete":
            self.load_error = (f"run.json status is {status!r}: the load was cut short "
                               f"({self.run.get('error') or 'no error given'})")
        start, stop = self._bounds()
        try:
            self.fault_lines = list(stream_jsonl(folder / "faults.jsonl", "faults"))
        except EvidenceError as exc:
            # A plan without faults may leave no faults.jsonl: no fault, no window.
            if not (folder / "faults.jsonl").exists() and self._planned_faults() == 0:
                self.fault_lines = []
            else:
                self.faults_error = str(exc)
        self.test_start, self.test_stop = start, max(start, stop)
        exported = self.manifest.exported_at
        self.end = max(self.test_stop, exported or parse_time(self.run.get("ended_at"))
                       or self.test_stop)
        self._windows = build_windows(self.fault_lines, self.test_start, self.test_stop,
                                      self.end)
        return self

    def _planned_faults(self) -> int | None:
        """How many faults plan.yaml lists (None: no readable plan.yaml)."""
        try:
            data = yaml.safe_load((self.run_dir / "plan.yaml").read_text("utf-8"))
        except (OSError, yaml.YAMLError):
            return None
        faults = data.get("faults") if isinstance(data, dict) else None
        return len(faults) if isinstance(faults, list) else 0 if isinstance(data, dict) else None

    def _bounds(self) -> tuple[float, float]:
        start = parse_time(self.run.get("test_start_wall"))
        stop = parse_time(self.run.get("test_stop_wall"))
        control = self.run_dir / "control.jsonl"
        if (start is None or stop is None) and control.is_file():
            try:
                for line in stream_jsonl(control, "control"):
                    if line.get("event") == "test_start" and start is None:
                        start = parse_time(line.get("wall"))
                    elif line.get("event") == "test_stop":
                        stop = parse_time(line.get("wall"))
            except EvidenceError:
                pass   # a killed master's partial line: keep what was read
        if start is None:
            start = parse_time(self.run.get("started_at")) or 0.0
        if stop is None:
            stop = parse_time(self.run.get("ended_at")) or start
        return start, stop

    # ----------------------------------------------------------------------------- windows
    @property
    def windows(self) -> list[Window]:
        if self.faults_error is not None:
            raise EvidenceError(f"{self.faults_error}: the fault windows are unknown")
        return self._windows

    def window(self, name: str) -> Window:
        for window in self.windows:
            if window.name == name:
                return window
        raise KeyError(name)

    def fault_windows(self) -> list[Window]:
        return [w for w in self.windows if w.kind == "fault"]

    # ------------------------------------------------------------------------- load files
    def _load_file(self, name: str) -> Iterator[dict[str, Any]]:
        if self.load_error is not None:
            raise EvidenceError(f"{name}: {self.load_error}")
        return stream_jsonl(self.run_dir / name, name.split(".", 1)[0])

    def checkouts(self) -> list[Checkout]:
        return self._cached("checkouts", lambda: [
            Checkout.parse(r) for r in self._load_file("checkouts.jsonl")])

    def latency(self) -> list[LatencyLine]:
        return self._cached("latency", lambda: [
            LatencyLine(float(r.get("wall") or 0.0), str(r.get("kind")), str(r.get("name")),
                        int(r.get("count") or 0), int(r.get("errors") or 0),
                        str(r.get("hdr") or ""))
            for r in self._load_file("latency.jsonl")])

    def arrivals(self) -> list[dict[str, Any]]:
        return self._cached("arrivals", lambda: list(self._load_file("arrivals.jsonl")))

    def samples(self) -> Samples:
        """latency.jsonl decoded once (peakready.measure.latency), with the journeys' dropped
        arrivals when arrivals.jsonl can be read (optional: drops are then not counted)."""
        def build() -> Samples:
            try:
                arrivals = self.arrivals()
            except EvidenceError:
                arrivals = []
            return collect(self.latency(), arrivals, self.test_start)
        return self._cached("samples", build)

    def timeline(self) -> list[dict[str, Any]]:
        """Witness samples during load and drain; absent is not an error (an empty list)."""
        path = self.run_dir / "timeline.jsonl"
        if not path.is_file():
            return []
        return self._cached("timeline", lambda: list(stream_jsonl(path, "timeline")))

    # --------------------------------------------------------------------- evidence files
    def records(self, relative: str) -> Iterator[dict[str, Any]]:
        """Stream ``evidence/<relative>`` (JSONL), checked against the manifest."""
        path, expected = self.manifest.path(relative)
        return stream_jsonl(path, f"evidence/{relative}", expected=expected)

    def json(self, relative: str) -> Any:
        """``evidence/<relative>`` parsed (manifest-checked), cached."""
        def read() -> Any:
            path, _ = self.manifest.path(relative)
            return read_json(path, f"evidence/{relative}")
        return self._cached(f"json:{relative}", read)

    def has(self, relative: str) -> bool:
        """Whether ``evidence/<relative>`` can be read (for optional witnesses)."""
        try:
            self.manifest.path(relative)
        except EvidenceError:
            return False
        return True

    def snapshot(self) -> dict[str, Any]:
        data = self.json("snapshot_before.json")
        if not isinstance(data, dict):
            raise EvidenceError("evidence/snapshot_before.json is not an object")
        return data

    def magento_orders(self) -> list[MagentoOrder]:
        return self._cached("magento_orders", lambda: [
            MagentoOrder.parse(r) for r in self.records("magento/orders.jsonl")])

    def erp_orders(self) -> list[ErpOrder]:
        return self._cached("erp_orders", lambda: [
            ErpOrder.parse(r) for r in self.records("erp/orders.jsonl")])

    def acknowledged(self) -> Acknowledged:
        """The orders Magento acknowledged and when (peakready.measure.orders)."""
        return self._cached("acknowledged", lambda: acknowledged(
            self.checkouts(), self.magento_orders(), self.test_start))

    def erp_received(self) -> dict[str, float]:
        """increment id → the ERP's first receipt of it (peakready.measure.orders)."""
        return self._cached("erp_received", lambda: first_received(self.erp_orders()))

    def erp_attempts(self) -> dict[str, Attempts]:
        """Order key (increment id, else idempotency key, else request id) → its attempts."""
        return self._cached("erp_attempts", self._fold_requests)

    def _fold_requests(self) -> dict[str, Attempts]:
        served = self._served_retry_after()
        out: dict[str, Attempts] = {}
        get = out.get
        # The hot loop of the checks (a million lines at peak): locals, no helper calls on
        # the common path.
        for r in self.records("erp/requests.jsonl"):
            key = r.get("increment_id") or r.get("idempotency_key") or r.get("request_id") \
                or f"#{r.get('id')}"
            attempts = get(key)
            if attempts is None:
                attempts = out[key] = Attempts()
            ts = r.get("ts")
            if type(ts) is not float:
                ts = float(ts) if isinstance(ts, int) else parse_time(r.get("arrived_at")) or 0.0
            status = r.get("status")
            if type(status) is not int or not 0 <= status < 65536:
                status = 0
            attempts.ts.append(ts)
            attempts.status.append(status)
            wait = r.get("retry_after", _ABSENT)
            if wait is None:
                attempts.retry_after.append(_NAN)
            else:
                if type(wait) not in (int, float):
                    wait = _retry_after(wait, status, ts, served)
                attempts.retry_after.append(wait)
                if wait == wait:                # not NaN
                    attempts.waited = True
            if not attempts.keyed and r.get("idempotency_key"):
                attempts.keyed = True
            if status >= 400 and status < 500 and status not in RETRYABLE:
                attempts.refusal = {"status": status, "at": ts, **{
                    f: r[f] for f in _REFUSAL_FIELDS if r.get(f) is not None}}
        return out

    def _served_retry_after(self) -> list[tuple[float, float, float]]:
        """(start, end, seconds) of the ERP HTTP faults that sent a Retry-After: used when a
        request record does not carry the header the mock sent (older ERP evidence)."""
        out = []
        for w in self._windows:
            if w.kind == "fault" and w.target == "mock:erp":
                http = w.spec.get("http") if isinstance(w.spec.get("http"), dict) else w.spec
                seconds = http.get("retry_after") if isinstance(http, dict) else None
                if isinstance(seconds, int | float):
                    out.append((w.start, w.end, float(seconds)))
        return out

    # --------------------------------------------------------------------------- the plan
    def plan(self) -> Plan:
        """The resolved plan the run used (plan.yaml)."""
        from peakready.config import load_plan
        return self._cached("plan", lambda: load_plan(self.run_dir / "plan.yaml"))

    def derived(self, name: str, build: Callable[[], T]) -> T:
        """A value built once from the evidence and shared by the checks that need it (e.g.
        the acknowledged orders, read by no_lost_orders and export_lag)."""
        return self._cached(f"derived:{name}", build)

    def _cached(self, name: str, build: Callable[[], T]) -> T:
        if name not in self._cache:
            self._cache[name] = build()
        return cast("T", self._cache[name])


def _retry_after(value: Any, status: int, ts: float,
                 served: list[tuple[float, float, float]]) -> float:
    """The seconds an answer asked to wait: the record's own (a header text too), else, for
    records without the field (older ERP evidence), the fault's that served it."""
    if value is not _ABSENT:
        try:
            return float(value)
        except (TypeError, ValueError):
            return math.nan
    if status in (429, 503):
        for start, end, seconds in served:
            if start <= ts < end:
                return seconds
    return math.nan
