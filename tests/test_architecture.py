"""The floors hold, and the contracts that hold them catch a forbidden import.

`make check` runs import-linter over the real packages; these tests run it over a copy of
the packages with one forbidden import added, to show that the contracts would fail CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("engine", "datagen", "typologies", "services", "cli", "api")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _py_only(directory: str, names: list[str]) -> set[str]:
    return {n for n in names if n == "__pycache__" or (not n.endswith(".py") and not Path(directory, n).is_dir())}


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    """The Python sources of every package and the contracts, in a scratch folder."""
    dest = tmp_path_factory.mktemp("floors")
    for pkg in PACKAGES:
        shutil.copytree(ROOT / pkg, dest / pkg, ignore=_py_only)
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env, capture_output=True,
                          text=True, timeout=120)


def test_the_real_packages_keep_every_contract():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("engine/_floor_probe.py", "from services import scans\n", "Floors"),
        ("engine/_floor_probe.py", "import typologies.registry\n", "Floors"),
        ("datagen/_floor_probe.py", "from typologies import registry\n", "Floors"),
        ("typologies/_floor_probe.py", "from services import scans\n", "Floors"),
        ("typologies/_floor_probe.py", "from datagen.planters import PlantContext\n", "Floors"),
        ("services/_floor_probe.py", "import cli.main\n", "Floors"),
        ("api/_floor_probe.py", "from cli import common\n", "Floors"),
        ("engine/_floor_probe.py", "import fastapi\n", "Only the faces"),
        ("services/_floor_probe.py", "from rich.console import Console\n", "Only the faces"),
    ],
)
def test_a_forbidden_import_breaks_a_contract(copy: Path, module: str, line: str, contract: str):
    probe = copy / module
    probe.write_text(line)
    try:
        result = _lint(copy)
    finally:
        probe.unlink()
    assert result.returncode == 1, result.stdout + result.stderr
    broken = [ln for ln in result.stdout.splitlines() if ln.endswith("BROKEN")]
    assert any(b.startswith(contract) for b in broken), result.stdout
    assert module.removesuffix(".py").replace("/", ".") in result.stdout


def test_a_type_only_reference_across_siblings_is_allowed(copy: Path):
    """A planter names datagen's PlantContext for the type checker; nothing is imported at run time."""
    probe = copy / "typologies/_floor_probe.py"
    probe.write_text("from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
                     "    from datagen.planters import PlantContext\n")
    try:
        result = _lint(copy)
    finally:
        probe.unlink()
    assert result.returncode == 0, result.stdout + result.stderr
