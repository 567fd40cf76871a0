"""Fixtures for the analytics tests: a small hand-made shop and a private copy of the demo shop."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from synth import load_frames, small_shop  # noqa: E402


@pytest.fixture(scope="module")
def small_frames():
    """The hand-made shop as canonical frames."""
    return small_shop(seed=0)


@pytest.fixture(scope="module")
def small_ws(small_frames, tmp_path_factory: pytest.TempPathFactory):
    """A real workspace holding the hand-made shop (module-scoped; do not modify)."""
    from memberinsight.workspace import Workspace

    ws = Workspace.create(tmp_path_factory.mktemp("small") / "ws")
    load_frames(ws, small_frames)
    return ws


@pytest.fixture
def demo_copy(demo_workspace, tmp_path: Path):
    """A private, modifiable copy of the ingested demo workspace."""
    from memberinsight.workspace import Workspace

    dst = tmp_path / "demo_copy"
    shutil.copytree(demo_workspace.path, dst)
    return Workspace.open(dst)
