"""The built wheel works outside the repository (issue 12 item 3).

The wheel is built from a copy of the checkout's sources, installed with ``--no-deps`` into a
new virtualenv, and run from folders that hold no peakready content: ``peakready init`` copies
the bundled scenarios, mocks and fixtures out, ``peakready validate`` reads the copied and the
bundled smoke plan. The new virtualenv reaches the third-party dependencies through a ``.pth``
line naming this environment's site-packages (a path line: the ``.pth`` files there, such as the
editable install's pointer at ``src/``, are not processed), so nothing is downloaded and the only
peakready it can import is the installed wheel's, which the test checks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
_SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "src", "scenarios",
            "mocks", "fixtures")


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """(bin folder of a new virtualenv holding only the built wheel, its environment)."""
    root = tmp_path_factory.mktemp("wheel")
    tree = root / "tree"
    tree.mkdir()
    for name in _SOURCES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, tree / name, ignore=shutil.ignore_patterns(
                "__pycache__", "*.pyc", "*.egg-info", "_bundled"))
        else:
            shutil.copy2(source, tree / name)
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                  "-q", "-w", str(root / "dist"), str(tree)], cwd=root)
    assert built.returncode == 0, built.stderr
    (wheel,) = (root / "dist").glob("peakready-*.whl")

    target = root / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / "bin" / "python"
    purelib = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                   cwd=root).stdout.strip()
    Path(purelib, "_peakready_test_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    install = _run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-deps", "--no-index", str(wheel)], cwd=root)
    assert install.returncode == 0, install.stderr
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{target / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return target / "bin", env


def test_the_wheel_bundles_content_and_imports_from_the_new_environment(
        installed: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    bin_dir, env = installed
    probe = ("import peakready, peakready.content as c\n"
             "print(peakready.__file__)\n"
             "for kind in ('scenarios', 'mocks', 'fixtures'): print(c.find_content_dir(kind))\n")
    out = _run([str(bin_dir / "python"), "-c", probe], cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    module, *content = out.stdout.split()
    package = Path(module).parent
    assert package.is_relative_to(bin_dir.parent) and not package.is_relative_to(REPO)
    assert content == [str(package / "_bundled" / k) for k in ("scenarios", "mocks", "fixtures")]
    assert (package / "_bundled" / "fixtures" / "plans" / "smoke.yaml").is_file()
    assert (package / "_bundled" / "mocks" / "magento" / "__init__.py").is_file()


def test_init_then_validate_outside_the_repository(installed: tuple[Path, dict[str, str]],
                                                   tmp_path: Path) -> None:
    bin_dir, env = installed
    peakready = str(bin_dir / "peakready")
    init = _run([peakready, "init", "demo"], cwd=tmp_path, env=env)
    assert init.returncode == 0, init.stderr
    demo = tmp_path / "demo"
    for kind in ("scenarios", "mocks", "fixtures"):
        assert f"created {Path('demo') / kind}/" in init.stdout
    assert (demo / "fixtures" / "plans" / "smoke.yaml").is_file()
    assert (demo / "scenarios" / "storefront.py").is_file()

    check = _run([peakready, "validate", "fixtures/plans/smoke.yaml"], cwd=demo, env=env)
    assert check.returncode == 0, check.stderr
    assert "ok" in check.stdout and "'smoke'" in check.stdout

    again = _run([peakready, "init", "demo"], cwd=tmp_path, env=env)
    assert again.returncode == 2 and "never overwrites" in again.stderr


def test_an_empty_folder_falls_back_to_the_bundled_smoke_plan(
        installed: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    bin_dir, env = installed
    probe = ("from peakready.orchestrator import default_plan_path\n"
             "print(default_plan_path())\n")
    out = _run([str(bin_dir / "python"), "-c", probe], cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    plan = Path(out.stdout.strip())
    assert plan.parts[-4:] == ("_bundled", "fixtures", "plans", "smoke.yaml")
    check = _run([str(bin_dir / "peakready"), "validate", str(plan)], cwd=tmp_path, env=env)
    assert check.returncode == 0, check.stderr
