"""Interrupts: the first signal cancels the run, the second asks for stop-now (and the exit
code is 128 + the signal)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from peakready.run.signals import Interrupts


def test_first_signal_cancels_second_hurries_exit_code_is_128_plus_signal() -> None:
    hurried: list[bool] = []

    async def scenario() -> tuple[Interrupts, bool]:
        async def run() -> None:
            await asyncio.sleep(30)

        task = asyncio.ensure_future(run())
        interrupts = Interrupts(task)
        interrupts.on_hurry.append(lambda: hurried.append(True))
        with interrupts:
            os.kill(os.getpid(), signal.SIGTERM)
            await asyncio.gather(task, return_exceptions=True)
            cancelled = task.cancelled()
            assert not interrupts.stop_now.is_set()
            os.kill(os.getpid(), signal.SIGTERM)
            await asyncio.sleep(0.05)
        return interrupts, cancelled

    interrupts, cancelled = asyncio.run(scenario())
    assert cancelled
    assert interrupts.stop_now.is_set() and hurried == [True]
    assert interrupts.exit_code == 143 and interrupts.name == "SIGTERM"


def test_bounded_gives_up_on_a_slow_step_or_when_told_to_stop_now() -> None:
    async def scenario() -> tuple[object, object, object]:
        interrupts = Interrupts()

        async def slow() -> str:
            await asyncio.sleep(5)
            return "late"

        async def quick() -> str:
            return "done"

        timed_out = await interrupts.bounded(slow(), 0.05)
        finished = await interrupts.bounded(quick(), 1.0)
        interrupts.stop_now.set()
        skipped = await interrupts.bounded(quick(), 1.0)
        return timed_out, finished, skipped

    assert asyncio.run(scenario()) == (None, "done", None)


def test_run_interruptible_runs_the_cleanup_then_exits_128_plus_signal(tmp_path: Path) -> None:
    marker = tmp_path / "cleaned"
    code = f"""
import asyncio, pathlib
from peakready.run.signals import run_interruptible
async def main(interrupts):
    try:
        print("ready", flush=True)
        await asyncio.sleep(30)
    finally:
        pathlib.Path({str(marker)!r}).write_text(interrupts.name or "")
run_interruptible(main)
"""
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline() == "ready\n"
    process.send_signal(signal.SIGINT)
    assert process.wait(20) == 130
    assert marker.read_text() == "SIGINT"
