"""Finding and loading user content: ``scenarios/``, ``mocks/`` and ``fixtures/`` (DESIGN §2).

Content is found, in order: an explicit directory (a CLI flag), ``[tool.peakready]`` in the
nearest ``pyproject.toml`` above the working directory, ``./<kind>`` in the working directory,
then the copy bundled with the installed package (``peakready/_bundled/<kind>``).

Mocks are loaded by path into a synthetic package (``peakready_content.mocks``) so that
``mocks/erp.py`` and ``mocks/magento/`` import as ``peakready_content.mocks.erp`` and
``peakready_content.mocks.magento``: relative imports inside a mock package work, and nothing
collides with an installed module of the same name.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import tomllib
import types
from pathlib import Path
from typing import Literal

from peakready.errors import ConfigError, ContentError

__all__ = ["ContentKind", "find_content_dir", "import_python_file", "load_content_module"]

ContentKind = Literal["scenarios", "mocks", "fixtures"]
_SYNTHETIC_ROOT = "peakready_content"


def _from_pyproject(kind: ContentKind, start: Path) -> Path | None:
    for folder in (start, *start.parents):
        pyproject = folder / "pyproject.toml"
        if not pyproject.is_file():
            continue
        try:
            table = tomllib.loads(pyproject.read_text("utf-8")).get("tool", {}).get("peakready", {})
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ContentError(f"{pyproject}: cannot read [tool.peakready]: {exc}") from exc
        configured = table.get(kind)
        if configured is None:
            return None
        if not isinstance(configured, str):
            raise ContentError(
                f"{pyproject}: tool.peakready.{kind} must be a path string, got {configured!r}"
            )
        return (folder / configured).resolve()
    return None


def find_content_dir(kind: ContentKind, explicit: str | Path | None = None) -> Path:
    """Locate the directory holding ``kind`` content, or raise ContentError saying what to do."""
    if explicit is not None:
        path = Path(explicit).expanduser().resolve()
        if not path.is_dir():
            raise ContentError(f"{kind} directory {path} does not exist (given explicitly)")
        return path
    cwd = Path.cwd()
    candidates = [_from_pyproject(kind, cwd), cwd / kind,
                  Path(__file__).resolve().parent / "_bundled" / kind]
    for candidate in candidates:
        if candidate is not None and candidate.is_dir():
            return candidate
    raise ContentError(
        f"no {kind}/ directory found (looked in [tool.peakready], {cwd / kind} and the bundled "
        f"copy). Run from a peakready checkout or pass the directory explicitly (e.g. "
        f"--mocks-dir)."
    )


def _synthetic_package(kind: ContentKind, directory: Path) -> str:
    """Register ``peakready_content.<kind>`` with ``directory`` as its search path."""
    root = sys.modules.get(_SYNTHETIC_ROOT)
    if root is None:
        root = types.ModuleType(_SYNTHETIC_ROOT)
        root.__path__ = []
        sys.modules[_SYNTHETIC_ROOT] = root
    name = f"{_SYNTHETIC_ROOT}.{kind}"
    package = sys.modules.get(name)
    if package is None or list(getattr(package, "__path__", [])) != [str(directory)]:
        package = types.ModuleType(name)
        package.__path__ = [str(directory)]
        sys.modules[name] = package
        for stale in [m for m in sys.modules if m.startswith(name + ".")]:
            del sys.modules[stale]
    return name


def load_content_module(
    kind: ContentKind, module: str, explicit_dir: str | Path | None = None
) -> types.ModuleType:
    """Import ``<kind>/<module>.py`` (or the package ``<kind>/<module>/``) by path."""
    directory = find_content_dir(kind, explicit_dir)
    if not ((directory / f"{module}.py").is_file() or (directory / module).is_dir()):
        raise ContentError(f"{directory} has no {module}.py or {module}/ package")
    package = _synthetic_package(kind, directory)
    try:
        return importlib.import_module(f"{package}.{module}")
    except Exception as exc:
        raise ContentError(f"cannot load {kind}/{module} from {directory}: {exc!r}") from exc


def import_python_file(path: Path, module_name: str, what: str) -> types.ModuleType:
    """Execute a user's Python file (a scenario, a shape) as ``module_name``; whatever it raises
    becomes a ConfigError naming the file, so a broken file stops a run before any request."""
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"{what} cannot be loaded as a Python file")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise ConfigError(f"{what} fails to import: {type(exc).__name__}: {exc}") from exc
    return module
