"""Start benchmark children (``roles.py``) and read their RSS."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

_ROLES = Path(__file__).with_name("roles.py")


class Child:
    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen([sys.executable, str(_ROLES), *args],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline().split()
        if len(line) != 2 or line[0] != "READY":
            self.stop()
            raise RuntimeError(f"child {args[0]} did not start: {line!r}")
        self.port = int(line[1])

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def stop(self) -> None:
        with suppress(Exception):
            assert self.process.stdin is not None
            self.process.stdin.close()
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextmanager
def child(*args: str) -> Iterator[Child]:
    started = Child(*args)
    try:
        yield started
    finally:
        started.stop()


@contextmanager
def proxy_to(port: int, *toxics: dict[str, Any]) -> Iterator[Child]:
    with child("proxy", f"127.0.0.1:{port}", *(json.dumps(t) for t in toxics)) as proxy:
        yield proxy
