"""``peakready proxy`` as a real child process, for CLI and client-compatibility tests."""

from __future__ import annotations

import contextlib
import select
import signal
import subprocess
import sys
import time

__all__ = ["READY_PREFIX", "CliProxy"]

READY_PREFIX = "peakready proxy: API listening on "


class CliProxy:
    """Starts ``peakready proxy *args``; ``url``/``host``/``port`` come from its ready line
    (empty when it exited or stayed silent). stderr is kept for tests that read it."""

    def __init__(self, *args: str, ready_timeout: float = 20.0) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "peakready.cli", "proxy", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.ready_line = ""
        self.url = ""
        deadline = time.monotonic() + ready_timeout
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.1)
            if ready:
                self.ready_line = self.proc.stdout.readline()
                break
            if self.proc.poll() is not None:
                break
        if self.ready_line.startswith(READY_PREFIX):
            self.url = self.ready_line.strip()[len(READY_PREFIX):]
        self.host, _, port = self.url.removeprefix("http://").rpartition(":")
        self.port = int(port) if port else 0

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        """Signal it and return its exit code (killed, and re-raised, if it hangs)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            raise

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(5)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()

    def close(self) -> None:
        """Graceful stop for fixtures: SIGTERM, then SIGKILL if it does not exit."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.stop()
        self.kill()
