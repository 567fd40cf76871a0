"""Retrieval fixtures: a private copy of the demo workspace with its indexes built (once per session)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def retrieval_settings(isolated_home: Path):
    """Settings of the isolated test home (ONNX export cached under its cache directory)."""
    from memberinsight.config import load_settings

    return load_settings()


@pytest.fixture(scope="session")
def indexed_workspace(demo_workspace, retrieval_settings, tmp_path_factory: pytest.TempPathFactory):
    """The demo shop with product and review indexes built (read-only for tests: copy it to change it)."""
    from memberinsight.retrieval.build import build_indexes
    from memberinsight.workspace import Workspace

    target = tmp_path_factory.mktemp("retrieval_ws") / "workspace"
    shutil.copytree(demo_workspace.path, target)
    ws = Workspace.open(target)
    build_indexes(ws, retrieval_settings, show_progress=False)
    return ws


@pytest.fixture
def indexed_copy(indexed_workspace, tmp_path: Path):
    """A private, changeable copy of the indexed demo workspace (embedding cache included)."""
    from memberinsight.workspace import Workspace

    shutil.copytree(indexed_workspace.path, tmp_path / "workspace")
    return Workspace.open(tmp_path / "workspace")


@pytest.fixture(scope="session")
def embedder(retrieval_settings):
    """The default (fastest quality-preserving) embedder, loaded once."""
    from memberinsight.retrieval.embedder import get_embedder

    return get_embedder(retrieval_settings)
