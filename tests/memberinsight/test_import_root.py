"""One import root: installing the distribution adds exactly one top-level name, ``memberinsight``.

The code stays in the top-level folders of the layout (``agent/``, ``models/``, ...); ``memberinsight/`` holds a
link to each, so ``agent/`` is imported as ``memberinsight.agent`` by Python, mypy, import-linter and the wheel.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_FOLDERS = sorted(link.name for link in (ROOT / "memberinsight").iterdir() if link.is_symlink())
# at a line start, or after a quote or a semicolon: code held in a string for `python -c`
OLD_IMPORT = re.compile(rf"(?:^|[;\"'])\s*(?:from|import)\s+(?:{'|'.join(PACKAGE_FOLDERS)})(?:[\s.,]|$)", re.M)


def test_every_top_level_package_folder_is_linked_under_memberinsight() -> None:
    folders = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"memberinsight", "tests"}
    assert folders == set(PACKAGE_FOLDERS)
    for name in PACKAGE_FOLDERS:
        assert (ROOT / "memberinsight" / name).resolve() == (ROOT / name).resolve()


def test_no_code_imports_a_package_by_its_folder_name() -> None:
    tracked = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True)
    offenders = []
    for name in tracked.stdout.split():
        text = (ROOT / name).read_text(encoding="utf-8")
        offenders += [f"{name}: {m.group(0).strip()}" for m in OLD_IMPORT.finditer(text)]
    assert offenders == []


@pytest.mark.slow
def test_installing_the_wheel_adds_one_top_level_name(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(tmp_path / "dist"), str(ROOT)], check=True, capture_output=True, timeout=600)
    (wheel,) = (tmp_path / "dist").glob("member_insight-*.whl")
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    str(wheel)], check=True, capture_output=True, timeout=600)

    top_level = {p.name for p in target.iterdir() if not p.name.endswith(".dist-info") and p.name != "bin"}
    assert top_level == {"memberinsight"}
    for name in PACKAGE_FOLDERS:  # the links became real folders in the wheel
        assert (target / "memberinsight" / name / "__init__.py").is_file()
        assert not (target / "memberinsight" / name).is_symlink()
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert any(n.startswith("memberinsight/agent/campaigns/phrases/") and n.endswith(".yaml") for n in names)
    assert {n.split("/")[0] for n in names if ".dist-info/" not in n} == {"memberinsight"}
