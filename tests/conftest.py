"""Shared fixtures: a small real demo workspace built once per test session.

* Settings and caches are redirected to a temporary ``MEMBERINSIGHT_HOME`` for the whole session,
  so tests never touch the user's real workspace.
* ``demo_dir``: the demo shop generated with a fixed seed (CSV files).
* ``demo_workspace``: that shop ingested into a real DuckDB/SQLite workspace (read-mostly; tests that
  change data take ``workspace_copy``).
* ``built_workspace``: the same after ``memberinsight build`` (features, models, indexes, screening).
"""

from __future__ import annotations

import importlib.abc
import os
import shutil
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
DEMO_MEMBERS = 2000
DEMO_SEED = 7

FOLDER_PACKAGES = frozenset(link.name for link in (REPO_ROOT / "memberinsight").iterdir() if link.is_symlink())
"""``agent``, ``models``...: imported only as ``memberinsight.<folder>`` (the distribution installs one name)."""


class _OnlyTheImportRoot(importlib.abc.MetaPathFinder):
    """Fails ``import models`` (or ``importlib.import_module("agent")``) as it fails for an installed user.

    Here the repository root is on ``sys.path``, so a bare folder import would quietly load a second copy of the
    package and the tests would pass while the installed app breaks."""

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
        if fullname.partition(".")[0] in FOLDER_PACKAGES:
            raise ModuleNotFoundError(f"No module named {fullname!r}: import memberinsight.{fullname}", name=fullname)
        return None


sys.meta_path.insert(0, _OnlyTheImportRoot())

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session", autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Point MEMBERINSIGHT_HOME at a temp folder for the session (config, default workspace, caches)."""
    home = tmp_path_factory.mktemp("memberinsight_home")
    previous = {k: os.environ.get(k) for k in ("MEMBERINSIGHT_HOME", "MEMBERINSIGHT_WORKSPACE", "MEMBERINSIGHT_CONFIG")}
    os.environ["MEMBERINSIGHT_HOME"] = str(home)
    os.environ.pop("MEMBERINSIGHT_WORKSPACE", None)
    os.environ.pop("MEMBERINSIGHT_CONFIG", None)
    yield home
    for key, value in previous.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real data sets in ../shared/data; skips when they are absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data sets not available ({SHARED_DATA} is absent)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixed-seed demo shop as CSV files."""
    from memberinsight.workspace.demo import generate_demo

    out = tmp_path_factory.mktemp("demo_csv")
    generate_demo(out, members=DEMO_MEMBERS, seed=DEMO_SEED)
    return out


@pytest.fixture(scope="session")
def demo_workspace(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """The demo shop ingested into a real workspace (do not modify: use ``workspace_copy``)."""
    from memberinsight.workspace import Workspace
    from memberinsight.workspace.ingest import ingest_directory

    ws = Workspace.create(tmp_path_factory.mktemp("demo_ws") / "workspace")
    ingest_directory(ws, demo_dir)
    return ws


@pytest.fixture(scope="session")
def built_workspace(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """A demo workspace after every build step (features, models, indexes, screening)."""
    from memberinsight.config import load_settings
    from memberinsight.pipeline import build
    from memberinsight.workspace import Workspace
    from memberinsight.workspace.ingest import ingest_directory

    ws = Workspace.create(tmp_path_factory.mktemp("built_ws") / "workspace")
    ingest_directory(ws, demo_dir)
    build(ws, load_settings(workspace=ws.path))
    return ws


def copy_workspace(ws, destination: Path):
    """A private copy of a workspace directory, for tests that change data."""
    from memberinsight.workspace import Workspace

    shutil.copytree(ws.path, destination)
    return Workspace.open(destination)


@pytest.fixture
def workspace_copy(built_workspace, tmp_path: Path):
    """A private copy of the built demo workspace; change it freely."""
    return copy_workspace(built_workspace, tmp_path / "workspace")


BUILT_FIXTURES = frozenset({"built_workspace", "workspace_copy"})
"""Fixtures that need the built demo workspace (about 1-2 minutes to set up once per session)."""


QUICK_SKIP_FILES = frozenset({
    # integration-heavy files (the LLM, the embedding model, HTTP servers, real data sets, many
    # workspaces): 5 s or more each, measured with `pytest --durations`; `make test` runs them
    "tests/agent/test_phrasebank.py", "tests/screening/test_screening_cli.py", "tests/agent/test_untrusted_text.py",
    "tests/agent/test_llm.py", "tests/models/test_intervals.py", "tests/agent/test_campaign_source.py",
    "tests/retrieval/test_embedder.py", "tests/workspace/test_ingest_retail.py", "tests/retrieval/test_content_recs.py",
    "tests/models/recommenders/test_recs_champion.py", "tests/workspace/test_audit.py",
    "tests/workspace/test_ingest_canonical.py", "tests/ui/test_access.py", "tests/workspace/test_users.py",
    "tests/agent/test_export_safety.py", "tests/workspace/test_ingest_batches.py", "tests/cli/test_data_cli.py",
    "tests/fraud/test_fraud_evaluate.py", "tests/agent/test_fraud_tool.py", "tests/fraud/test_fraud_queue.py",
    "tests/memberinsight/test_fraud_build_step.py", "tests/models/recommenders/test_recs_new_products.py",
    "tests/models/recommenders/test_recs_models.py", "tests/workspace/test_ingest_zoo.py",
    "tests/fraud/test_detectors.py", "tests/fraud/test_cli.py", "tests/agent/test_llm_guidance.py",
    "tests/retrieval/test_near_duplicates.py",
})
"""Files `--quick` (`make test-quick`) leaves out besides the slow, browser and built tests."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--quick", action="store_true",
                     help="day-to-day subset: no slow, browser or built tests, none of QUICK_SKIP_FILES")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "built: uses the built demo workspace (set automatically; "
                                       "`make test-quick` leaves these out)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that uses the built demo workspace ``built``, so `-m "not built"` skips its setup;
    with ``--quick`` deselect the slow, browser and built tests and the files of QUICK_SKIP_FILES."""
    for item in items:
        if BUILT_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.built)
    if not config.getoption("--quick"):
        return
    keep, drop = [], []
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        heavy = any(item.get_closest_marker(m) for m in ("slow", "browser", "built"))
        (drop if heavy or path in QUICK_SKIP_FILES else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
