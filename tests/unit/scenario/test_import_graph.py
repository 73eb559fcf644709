"""The scenario package's import graph: only it imports locust, and it has no cycle.

Read from the source (every import statement, lazy ones inside functions included, except
``if TYPE_CHECKING:`` blocks), so a cycle hidden behind a function-level import is seen too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import peakready

_SRC = Path(peakready.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(_SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _graph(package: str) -> dict[str, set[str]]:
    files = {_module_name(p): p for p in _SRC.rglob("*.py")}
    members = {name for name in files if name == package or name.startswith(package + ".")}
    return {name: {m for m in _imports(files[name]) if m in members and m != name}
            for name in members}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_scenario_package_has_no_import_cycle() -> None:
    assert _cycle(_graph("peakready.scenario")) is None


def test_the_cycle_finder_sees_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_the_coordinator_and_the_worker_do_not_import_the_plugin() -> None:
    graph = _graph("peakready.scenario")
    for module in ("peakready.scenario.coordinator", "peakready.scenario.worker",
                   "peakready.scenario.protocol"):
        assert "peakready.scenario.plugin" not in graph[module]


def test_only_the_scenario_package_imports_locust_or_gevent() -> None:
    offenders = []
    for path in _SRC.rglob("*.py"):
        name = _module_name(path)
        if name.startswith("peakready.scenario"):
            continue
        bad = {m for m in _imports(path) if m.split(".")[0] in ("locust", "gevent")}
        if bad:
            offenders.append((name, sorted(bad)))
    assert offenders == []
