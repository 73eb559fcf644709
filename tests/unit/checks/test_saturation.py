"""The harness watches itself: latency verdicts of windows where a process of ours or the
machine was saturated are not judged, with the reason, never failed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from peakready.checks import RunEvidence, judge
from peakready.config import parse_plan
from peakready.measure.saturation import CPU_FILE, Saturation
from peakready.run.cpu import CpuSampler
from unit.checks.builder import T0, HealthyRun, hdr

_HOG = "import time\nend = time.time() + {seconds}\nwhile time.time() < end: pass\n"


def _slow(run: HealthyRun, start: float, end: float, ms: float) -> None:
    for line in run.latency:
        if line["kind"] == "journey" and T0 + start <= line["wall"] < T0 + end:
            line.update(hdr=hdr([ms, ms]))


def _cpu(samples: list[dict[str, Any]], run_dir: Path) -> None:
    (run_dir / CPU_FILE).write_text("".join(json.dumps(s) + "\n" for s in samples), "utf-8")


def _quiet(t: float, **procs: float) -> dict[str, Any]:
    return {"wall": T0 + t, "dt": 1.0, "cores": 2, "machine": 0.4,
            "procs": {"magento": 0.3, "locust-worker-1": 0.2, **procs}}


def _samples(busy: tuple[float, float], who: str = "magento",
             until: int = 60) -> list[dict[str, Any]]:
    out = []
    for t in range(1, until + 1):
        sample = _quiet(t)
        if busy[0] < t <= busy[1]:
            if who == "machine":
                sample["machine"] = 1.0
            else:
                sample["procs"][who] = 1.0
        out.append(sample)
    return out


def _judge(run: HealthyRun, tmp_path: Path, cpu: list[dict[str, Any]] | None,
           **plan: Any) -> dict[str, Any]:
    run_dir = run.write(tmp_path)
    if cpu is not None:
        _cpu(cpu, run_dir)
    evidence = RunEvidence.load(run_dir)
    verdicts = judge(evidence, parse_plan({
        "faults": run.plan["faults"], "load": {"duration": run.seconds},
        "checks": ["checkout_slo", "no_oversell"], **plan}))
    return {v.check: v for v in verdicts}


def _hog_samples(seconds: float) -> list[dict[str, Any]]:
    """Real samples of this machine while one spinning process per core runs."""
    hogs = [subprocess.Popen([sys.executable, "-c", _HOG.format(seconds=seconds)])
            for _ in range(os.cpu_count() or 1)]
    try:
        sampler = CpuSampler(Path(os.devnull), lambda: {"magento": hogs[0].pid}, every=0.5)
        lines = []
        deadline = time.monotonic() + seconds - 0.2
        sampler.sample()
        while time.monotonic() < deadline:
            time.sleep(0.5)
            line = sampler.sample()
            if line is not None:
                lines.append(line)
        return lines
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


def test_a_cpu_hog_makes_that_windows_latency_not_judged_never_failed(tmp_path: Path) -> None:
    # Real samples from hogs on every core, moved onto the synthetic run's 4 s fault window
    # (35-39 s), where checkout latency breaks the gate.
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    if usable is not None and usable < (os.cpu_count() or 1):
        pytest.skip(f"only {usable} of the host's {os.cpu_count()} CPUs are ours: hogs cannot "
                    f"saturate the machine /proc/stat describes")
    recorded = _hog_samples(3.5)
    assert len(recorded) >= 5
    assert max(s["machine"] for s in recorded) >= 0.95
    shift = T0 + 35.0 - recorded[0]["wall"]
    busy = [{**s, "wall": s["wall"] + shift} for s in recorded]
    calm = [_quiet(t) for t in range(1, 35)] + [_quiet(t) for t in range(40, 61)]
    run = HealthyRun(fault=(35.0, 4.0))
    _slow(run, 35, 39, 6100)
    verdicts = _judge(run, tmp_path, calm + busy)
    slo = verdicts["checkout_slo"]
    assert slo.status == "not_judged", slo.summary
    assert "CPU from 3" in slo.summary and "latency in window '" in slo.summary
    assert "not the store's" in slo.summary
    assert "p95 61" in slo.figures["unjudged_summary"]
    assert verdicts["no_oversell"].status == "pass"     # only latency verdicts are excused


def test_the_saturated_process_is_named_with_its_span(tmp_path: Path) -> None:
    run = HealthyRun()
    _slow(run, 40, 50, 6100)
    slo = _judge(run, tmp_path, _samples((40, 75)))["checkout_slo"]
    assert slo.status == "not_judged"
    assert slo.summary == ("not judged: the simulator was at 100% CPU from 40 s to 60 s: "
                           "latency in window 'recovery' is the harness's, not the store's")
    assert slo.figures["saturated"] == [{"who": "magento", "from_s": 40.0, "to_s": 60.0,
                                         "peak": 1.0}]


def test_a_breach_outside_the_saturated_span_still_fails(tmp_path: Path) -> None:
    run = HealthyRun()
    _slow(run, 0, 20, 6100)           # baseline: quiet CPU
    _slow(run, 40, 50, 6100)          # recovery: the simulator saturated throughout
    slo = _judge(run, tmp_path, _samples((30, 60)))["checkout_slo"]
    assert slo.status == "fail"
    assert "baseline: p95 61" in slo.summary
    assert "not judged where the harness was saturated: the simulator" in slo.summary


def test_the_connector_being_busy_excuses_nothing(tmp_path: Path) -> None:
    run = HealthyRun()
    _slow(run, 40, 50, 6100)
    slo = _judge(run, tmp_path, _samples((40, 50), who="connector"))["checkout_slo"]
    assert slo.status == "fail"


def test_a_short_saturation_in_a_long_window_does_not_excuse_it(tmp_path: Path) -> None:
    # A busy simulator for less than half of a window leaves more clean seconds than saturated
    # ones: the breach is judged (excusing it would turn a red gate green). One busy second is
    # no span at all.
    assert Saturation.from_samples(_samples((40, 41))).spans == []
    run = HealthyRun(fault=None, seconds=120)
    _slow(run, 0, 120, 6100)
    slo = _judge(run, tmp_path, _samples((40, 43), until=120))["checkout_slo"]
    assert slo.status == "fail"
    slo = _judge(run, tmp_path / "quarter", _samples((40, 70), until=120))["checkout_slo"]
    assert slo.status == "fail"                         # 30 s = a quarter of it: judged
    assert Saturation.from_samples(_samples((40, 100), until=120)).reason(
        T0, T0 + 120, T0) is not None                   # 60 s = half of it: excused


def test_a_pass_stays_a_pass_and_says_where_it_was_saturated(tmp_path: Path) -> None:
    slo = _judge(HealthyRun(), tmp_path, _samples((10, 20), who="machine"))["checkout_slo"]
    assert slo.status == "pass"
    assert slo.figures["saturated"][0]["who"] == "machine"


def test_gates_are_excused_like_the_checkout_check(tmp_path: Path) -> None:
    run = HealthyRun()
    _slow(run, 40, 50, 6100)
    verdicts = _judge(run, tmp_path, _samples((38, 60), who="machine"), slo={
        "checkout": {"p95_ms": 2000}, "guest_checkout": {"p95_ms": 2000}})
    gate = verdicts["slo:guest_checkout"]
    assert gate.status == "not_judged"
    assert "the machine (all 2 cores) was at 100% CPU from 38 s to 60 s" in gate.summary
    assert "is the host's, not the store's" in gate.summary


def test_without_cpu_samples_the_run_is_judged_as_before(tmp_path: Path) -> None:
    run = HealthyRun()
    _slow(run, 40, 50, 6100)
    assert _judge(run, tmp_path, None)["checkout_slo"].status == "fail"


def test_spans_need_consecutive_samples_and_shares_average() -> None:
    samples = _samples((10, 13))
    del samples[11]                                  # t = 12 missing: 11 and 13 stay apart
    saturation = Saturation.from_samples(samples)
    assert saturation.spans == []
    saturation = Saturation.from_samples(_samples((10, 13)))
    assert [(s.who, s.start - T0, s.end - T0) for s in saturation.spans] == \
        [("magento", 10.0, 13.0)]
    shares = saturation.shares(T0 + 1, T0 + 10)
    assert shares["magento"] == 0.3 and shares["machine"] == 0.4


def test_windows_blamed_on_the_same_span_share_one_sentence(tmp_path: Path) -> None:
    # No faults: baseline and whole both break the gate; the machine was saturated from
    # before the load began (Locust starting), which the sentence cuts to the load.
    run = HealthyRun(fault=None)
    _slow(run, 0, 60, 6100)
    early = [{**_quiet(t), "machine": 1.0} for t in range(-8, 1)]
    busy = early + [{**s, "machine": 1.0} if s["wall"] <= T0 + 60 else s
                    for s in _samples((0, 0))]
    slo = _judge(run, tmp_path, busy)["checkout_slo"]
    assert slo.status == "not_judged"
    assert slo.summary == ("not judged: the machine (all 2 cores) was at 100% CPU from 0 s to "
                           "60 s: latency in windows 'baseline' and 'whole' is the host's, not "
                           "the store's")


def test_a_short_dip_does_not_split_a_saturated_span() -> None:
    samples = _samples((10, 20), who="machine")
    samples[14]["machine"] = 0.9                      # t = 15: one second below the line
    [span] = Saturation.from_samples(samples).spans
    assert (span.who, span.start - T0, span.end - T0) == ("machine", 10.0, 20.0)
    samples[13]["machine"] = samples[15]["machine"] = 0.5   # 14 to 16 s: three seconds
    assert len(Saturation.from_samples(samples).spans) == 2
