"""A component that will not start fails the estate with its own error and log (exit 3), and
every child already started is stopped."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from peakready.config import parse_plan
from peakready.errors import ComponentStartError
from peakready.run import estate as estate_module
from peakready.run import open_estate


def test_a_mock_that_will_not_start_fails_the_estate_and_stops_the_rest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = estate_module.peakready_argv
    broken = [sys.executable, "-c", "import sys; print('crm: bad config', file=sys.stderr); "
                                    "sys.exit(5)"]
    monkeypatch.setattr(estate_module, "peakready_argv",
                        lambda *args: broken if args[:2] == ("mock", "crm") else real(*args))
    monkeypatch.delenv("TOXIPROXY_URL", raising=False)
    started: list[int] = []
    real_start = estate_module.Stack.start

    async def recording_start(self: estate_module.Stack, name: str, *args: object,
                              **kwargs: object) -> object:
        try:
            return await real_start(self, name, *args, **kwargs)  # type: ignore[arg-type]
        finally:
            component = self.components.get(name)
            if component and component.process:
                started.append(component.process.pid)

    monkeypatch.setattr(estate_module.Stack, "start", recording_start)

    async def scenario() -> None:
        async with open_estate(parse_plan({}), tmp_path):
            pytest.fail("the estate came up without its CRM")

    with pytest.raises(ComponentStartError, match="exited with code 5") as excinfo:
        asyncio.run(scenario())
    assert "crm: bad config" in str(excinfo.value)
    assert len(started) >= 2
    for pid in started:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
