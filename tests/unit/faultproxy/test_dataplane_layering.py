"""The data plane's layering: the link builds toxics, the stub runs what it is given, the
connection reports its end through a callback, toxic names are registered once."""

from __future__ import annotations

import ast
import asyncio
import random
from pathlib import Path

import pytest

import peakready.faultproxy
from peakready.faultproxy.connection import Connection
from peakready.faultproxy.proxy import Proxy, ProxyStats
from peakready.faultproxy.stub import Chan, Chunk, Stub
from peakready.faultproxy.toxics import REGISTRY, ToxicType
from peakready.faultproxy.toxics.base import register
from peakready.registry import Registry

PACKAGE = Path(peakready.faultproxy.__file__).parent


def _imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_stub_imports_nothing_from_toxics() -> None:
    modules = _imported_modules(PACKAGE / "stub.py")
    assert not {m for m in modules if m.startswith("peakready.faultproxy.toxics")}


def test_toxics_import_chunk_at_module_level_only() -> None:
    for path in (PACKAGE / "toxics").glob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        functions = [fn for fn in ast.walk(tree)
                     if isinstance(fn, ast.AsyncFunctionDef | ast.FunctionDef)]
        nested = [node for fn in functions for node in ast.walk(fn)
                  if isinstance(node, ast.Import | ast.ImportFrom)]
        assert nested == [], f"{path.name} imports inside a function"


def test_connection_calls_no_private_member_of_the_proxy() -> None:
    tree = ast.parse((PACKAGE / "connection.py").read_text("utf-8"))
    private = [node.attr for node in ast.walk(tree)
               if isinstance(node, ast.Attribute) and node.attr.startswith("_")
               and isinstance(node.value, ast.Attribute) and node.value.attr == "proxy"]
    assert private == []


class _Doubler:
    """A toxic the stub has never heard of: it only needs ``pipe``."""

    async def pipe(self, stub: Stub) -> None:
        while (chunk := await stub.recv()) is not None:
            await stub.send(Chunk(chunk.data * 2, chunk.ts))
        stub.close()


def test_the_stub_runs_whatever_toxic_it_is_handed() -> None:
    async def main() -> list[bytes | None]:
        source, sink = Chan(4), Chan(4)
        stub = Stub(source, sink)
        stub.run(_Doubler())
        source.put_nowait(Chunk(b"ab", 0.0))
        source.put_nowait(None)
        out = [await sink.get(), await sink.get()]
        return [None if c is None else c.data for c in out]

    assert asyncio.run(main()) == [b"abab", None]


def test_a_closed_connection_reports_through_its_callback() -> None:
    closed: list[Connection] = []
    proxy = Proxy("p", "127.0.0.1:0", "127.0.0.1:1", rng=random.Random(1))
    conn = Connection(proxy, closed.append)
    conn.abort()
    conn.abort()  # a second teardown is not a second report
    assert closed == [conn]


def test_proxy_stats_are_typed_and_start_at_zero() -> None:
    stats = Proxy("p", "127.0.0.1:0", "127.0.0.1:1", rng=random.Random(1)).stats()
    assert isinstance(stats, ProxyStats)
    assert (stats.connections, stats.accepted) == (0, 0)
    assert stats.received_total("upstream") == stats.sent_total("downstream") == 0


def test_toxic_types_live_in_the_one_registry_and_a_name_is_taken_once() -> None:
    assert isinstance(REGISTRY, Registry)
    assert {"latency", "bandwidth", "slow_close", "timeout", "reset_peer", "slicer",
            "limit_data", "noop"} <= set(REGISTRY.names())

    class Impostor(ToxicType):
        type_name = "latency"

    with pytest.raises(ValueError, match="toxic 'latency' is registered twice"):
        register(Impostor)
    assert REGISTRY["latency"] is not Impostor


def test_the_plans_docs_list_the_registered_toxics() -> None:
    docs = Path(__file__).resolve().parents[3] / "docs" / "plans.md"
    row = next(line for line in docs.read_text("utf-8").splitlines()
               if line.startswith("| `toxic` |"))
    listed = row.split("|")[3].split(":", 1)[1]
    assert {name.strip(" `") for name in listed.split(",")} == set(REGISTRY.names())
