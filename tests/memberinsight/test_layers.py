"""The import rule (pyproject's import-linter contracts) holds, and an import against it fails the lint.

Both run ``lint-imports`` on a temporary copy of the packages, so the check is the one ``make lint`` runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _root_packages() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(config["tool"]["importlinter"]["root_packages"])


@pytest.fixture()
def package_copy(tmp_path: Path) -> Path:
    """The root package (its links to the top-level folders kept as links), those folders' Python files and
    pyproject.toml, copied into ``tmp_path``."""
    ignore = shutil.ignore_patterns("__pycache__", "*.yaml", "*.json")
    for name in _root_packages():
        shutil.copytree(ROOT / name, tmp_path / name, symlinks=True, ignore=ignore)
        for link in (tmp_path / name).iterdir():
            if link.is_symlink():
                target = (ROOT / name / link.readlink()).resolve()
                shutil.copytree(target, tmp_path / target.name, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _lint(where: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(where)}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=where, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed (make setup installs it)")
def test_the_packages_keep_the_import_rule_and_an_upward_import_fails_it(package_copy: Path) -> None:
    clean = _lint(package_copy)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "0 broken" in clean.stdout

    # the workspace (bottom layer) reaching up into the UI
    target = package_copy / "workspace" / "writelock.py"
    target.write_text(target.read_text(encoding="utf-8") + "\nimport memberinsight.ui.widgets  # noqa: E402,F401\n",
                      encoding="utf-8")
    # the foundation reaching into a feature package, and the UI into a database driver
    errors = package_copy / "memberinsight" / "errors.py"
    errors.write_text(errors.read_text(encoding="utf-8") + "\nimport memberinsight.segments  # noqa: E402,F401\n", encoding="utf-8")
    widgets = package_copy / "ui" / "widgets.py"
    widgets.write_text(widgets.read_text(encoding="utf-8") + "\nimport duckdb  # noqa: E402,F401\n", encoding="utf-8")

    broken = _lint(package_copy)
    assert broken.returncode != 0
    assert "memberinsight.workspace is not allowed to import memberinsight.ui" in broken.stdout
    assert "memberinsight.errors -> memberinsight.segments" in broken.stdout
    assert "memberinsight.ui.widgets -> duckdb" in broken.stdout
    assert "3 broken" in broken.stdout
