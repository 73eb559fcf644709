"""Reading a run folder's files: JSONL streamed a line at a time, the export manifest honoured.

A file a check needs that is absent, cut short (a partial last line, fewer lines than the
manifest counted) or named by a failed export raises :class:`EvidenceError`, which the judge
turns into an ``error`` verdict: missing evidence is never a pass.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from peakready.errors import HarnessError

__all__ = ["EvidenceError", "Manifest", "parse_time", "read_json", "stream_jsonl"]

_CHUNK = 4 << 20


class EvidenceError(HarnessError):
    """Evidence a check needs is missing or incomplete; the check's verdict is ``error``."""


def parse_time(value: Any) -> float | None:
    """Epoch seconds from a number, an ISO-8601 string or Magento's ``YYYY-MM-DD HH:MM:SS``
    (UTC, as Magento stores it); None when absent or unreadable."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str) or not value:
        return None
    return _parse_text_time(value)


@functools.lru_cache(maxsize=1 << 16)
def _parse_text_time(value: str) -> float | None:
    # Cached: Magento's whole-second stamps repeat across the orders of one second.
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def read_json(path: Path, what: str) -> Any:
    if not path.is_file():
        raise EvidenceError(f"{what}: {path.name} is missing")
    try:
        return orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise EvidenceError(f"{what}: {path.name} is not valid JSON ({exc})") from None


def stream_jsonl(path: Path, what: str, *, expected: int | None = None) -> Iterator[dict[str, Any]]:
    """Yield one object per line. A partial or unparseable line, or a line count that differs
    from ``expected`` (the manifest's), raises EvidenceError after the lines before it."""
    if not path.is_file():
        raise EvidenceError(f"{what}: {path.name} is missing")
    count = 0
    loads = orjson.loads
    with path.open("rb") as handle:
        tail = b""
        while True:
            # Chunks, not lines: a million ERP requests cost one split per 4 MB, not a
            # readline each, and memory stays one chunk.
            chunk = handle.read(_CHUNK)
            if not chunk:
                break
            lines = (tail + chunk).split(b"\n")
            tail = lines.pop()
            for line in lines:
                try:
                    record = loads(line)
                except orjson.JSONDecodeError:
                    if not line.strip():
                        continue
                    raise EvidenceError(f"{what}: {path.name} record {count + 1} is not "
                                        f"JSON") from None
                if type(record) is not dict:
                    raise EvidenceError(f"{what}: {path.name} record {count + 1} is not an "
                                        f"object")
                count += 1
                yield record
        if tail.strip():
            raise EvidenceError(f"{what}: {path.name} is truncated (its last line has no "
                                f"end: the writer was killed mid-line)")
    if expected is not None and count != expected:
        raise EvidenceError(f"{what}: {path.name} has {count} records, the export manifest "
                            f"counted {expected} (truncated)")


def _names(error: str, source: str, relative: str) -> bool:
    """Whether an export error ("erp: ...", "magento customers: ...", "erp stock: ...") is
    about this file: its first word is the source, the other words name the file."""
    label = error.split(":", 1)[0].split()
    return bool(label) and label[0] == source and all(w in relative for w in label[1:])


class Manifest:
    """``evidence/manifest.json``: which exports completed, their record counts, their errors."""

    def __init__(self, evidence_dir: Path) -> None:
        self.dir = evidence_dir
        self.error: str | None = None
        self.data: dict[str, Any] = {}
        try:
            data = read_json(evidence_dir / "manifest.json", "evidence")
        except EvidenceError as exc:
            self.error = f"{exc} (the evidence export did not finish)"
            return
        if not isinstance(data, dict):
            self.error = "evidence: manifest.json is not an object"
            return
        self.data = data

    @property
    def complete(self) -> bool:
        return self.error is None and bool(self.data.get("complete"))

    @property
    def exported_at(self) -> float | None:
        return parse_time(self.data.get("exported_at"))

    def errors(self) -> list[str]:
        return [str(e) for e in self.data.get("errors") or []]

    def path(self, relative: str) -> tuple[Path, int | None]:
        """The file's path and its manifest count, or EvidenceError saying why it cannot be
        trusted."""
        if self.error is not None:
            raise EvidenceError(self.error)
        files = self.data.get("files") or {}
        source = relative.split("/", 1)[0]
        failed = [e for e in self.errors() if _names(e, source, relative)]
        if failed:
            raise EvidenceError(f"evidence/{relative}: the export of {source} failed: "
                                f"{'; '.join(failed)}")
        path = self.dir / relative
        if relative not in files:
            if not self.complete:
                raise EvidenceError(f"evidence/{relative}: not exported (manifest complete: "
                                    f"false; errors: {'; '.join(self.errors()) or 'none'})")
            if not path.is_file():
                raise EvidenceError(f"evidence/{relative} is missing")
            return path, None
        if not path.is_file():
            raise EvidenceError(f"evidence/{relative} is missing (the manifest names it)")
        count = files[relative]
        return path, int(count) if isinstance(count, int) else None
