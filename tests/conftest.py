"""Shared fixtures: a small real demo workspace built once per test session.

* Settings and caches are redirected to a temporary ``MEMBERINSIGHT_HOME`` for the whole session,
  so tests never touch the user's real workspace.
* ``demo_dir``: the demo shop generated with a fixed seed (CSV files).
* ``demo_workspace``: that shop ingested into a real DuckDB/SQLite workspace (read-mostly; tests that
  change data take ``workspace_copy``).
* ``built_workspace``: the same after ``memberinsight build`` (features, models, indexes, screening),
  built once and kept in ``.pytest_cache/memberinsight/built/<content hash>``: the hash covers every file of
  the packages, pyproject.toml, the installed distributions and the demo's size and seed, so any change to
  them builds afresh (one session builds, concurrent ones wait); every session takes a private copy.
"""

from __future__ import annotations

import fcntl
import fnmatch
import hashlib
import importlib.abc
import importlib.metadata
import os
import shutil
import sys
from collections.abc import Iterator
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


LASTING_CACHE = REPO_ROOT / ".pytest_cache" / "memberinsight"
"""What tests keep between sessions, every entry keyed by content: built workspaces, embeddings."""
BUILT_CACHE = LASTING_CACHE / "built"
"""Built demo workspaces by content hash (``build_inputs_hash``); the newest few are kept."""
BUILT_CACHE_KEEP = 3


def _files_under(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):  # links (memberinsight/agent -> agent/) are not followed
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if not name.endswith((".pyc", ".pyo")):
                yield Path(root) / name


def build_inputs_hash() -> str:
    """A content hash of everything the built demo workspace depends on: the files of every package folder,
    pyproject.toml and this file, the Python and installed distribution versions, the demo's size and seed, the
    ``MEMBERINSIGHT_*`` settings and a ``memberinsight.toml`` in the working directory."""
    digest = hashlib.sha256(f"{sys.version}|{DEMO_MEMBERS}|{DEMO_SEED}".encode())
    for dist in sorted(f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions()):
        digest.update(dist.encode() + b"\n")
    for folder in sorted(FOLDER_PACKAGES | {"memberinsight"}):
        for path in _files_under(REPO_ROOT / folder):
            if path.is_symlink():
                continue
            digest.update(str(path.relative_to(REPO_ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update((REPO_ROOT / "pyproject.toml").read_bytes())
    digest.update(Path(__file__).read_bytes())  # the recipe: the demo's generation and build steps
    per_session = {"MEMBERINSIGHT_HOME", "MEMBERINSIGHT_WORKSPACE", "MEMBERINSIGHT_CONFIG"}  # a temp folder each
    for name in sorted(k for k in os.environ if k.startswith("MEMBERINSIGHT_") and k not in per_session):
        digest.update(f"{name}={os.environ[name]}\n".encode())
    local_config = Path.cwd() / "memberinsight.toml"
    if local_config.is_file():
        digest.update(local_config.read_bytes())
    return digest.hexdigest()[:24]


def _prune_built_cache(keep: str) -> None:
    entries = sorted((p for p in BUILT_CACHE.iterdir() if p.is_dir() and p.name != keep),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[BUILT_CACHE_KEEP - 1:]:
        shutil.rmtree(old, ignore_errors=True)


@pytest.fixture(scope="session")
def built_workspace(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A demo workspace after every build step (features, models, indexes, screening): a private copy of
    the one built for this content hash (built here, under a lock, when there is none yet)."""
    from memberinsight.config import load_settings
    from memberinsight.pipeline import build
    from memberinsight.workspace import Workspace
    from memberinsight.workspace.ingest import ingest_directory

    key = build_inputs_hash()
    BUILT_CACHE.mkdir(parents=True, exist_ok=True)
    cached = BUILT_CACHE / key
    destination = tmp_path_factory.mktemp("built_ws") / "workspace"
    with open(BUILT_CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build at a time: parallel workers and sessions wait for it
        if not (cached / "complete").is_file():
            staging = BUILT_CACHE / f".staging-{os.getpid()}"
            shutil.rmtree(staging, ignore_errors=True)
            ws = Workspace.create(staging / "workspace")
            ingest_directory(ws, request.getfixturevalue("demo_dir"))
            build(ws, load_settings(workspace=ws.path))
            (staging / "complete").write_text(key, encoding="utf-8")
            shutil.rmtree(cached, ignore_errors=True)
            staging.rename(cached)
        os.utime(cached)
        shutil.copytree(cached / "workspace", destination)
        _prune_built_cache(key)
    return Workspace.open(destination)


@pytest.fixture(scope="session")
def lasting_model_cache() -> Path:
    """A settings ``cache_dir`` kept between sessions, for fixtures that embed the same fixed texts on every
    run (the real review set): its embeddings are keyed by model fingerprint and text hash, so a changed
    model or text is embedded afresh."""
    path = LASTING_CACHE / "model_cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


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
    # measured with `pytest --quick --durations=0` on the busy 2-core machine (issue 21): workspaces built
    # per test, incremental scans, live servers; 12 s or more a file there, about 4 s or more idle
    "tests/retrieval/test_retrieval_build.py", "tests/governance/test_direct_export_gate.py",
    "tests/governance/test_export_gating.py", "tests/fraud/test_fraud_cancelled.py", "tests/fraud/test_rating.py",
    "tests/fraud/test_coupon_rings.py", "tests/fraud/test_burst_items.py", "tests/agent/test_fraud_followups.py",
    "tests/governance/test_suppression.py", "tests/governance/test_eligibility.py", "tests/fraud/test_ingest_fields.py",
    "tests/cli/test_progress_plain.py", "tests/governance/test_private_report.py", "tests/fraud/test_demo_plant.py",
    "tests/agent/test_offers.py", "tests/cli/test_webapp.py", "tests/retrieval/test_retrieval_cli.py",
    "tests/cli/test_cli_help_text.py",
    # the copy corpora: every audience x offer x channel x tone composed and checked (20 s to minutes a file)
    "tests/agent/test_copy_families.py", "tests/agent/test_copy_set*_families.py",
    # single slow tests in otherwise quick files (node ids)
    "tests/segments/test_parser.py::test_random_word_salad_never_crashes",
    "tests/ui/test_server.py::test_serve_prints_the_login_and_requires_it",
    "tests/segments/test_segments_cli.py::test_evaluate_segments_reports_parse_accuracy",
    "tests/workspace/test_demo.py::test_chunked_streaming_adds_up",
})
"""Files (patterns allowed) and single tests (node ids) `--quick` (`make test-quick`) leaves out besides the slow, browser and
built tests."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--quick", action="store_true",
                     help="day-to-day subset: no slow, browser or built tests, none of QUICK_SKIP_FILES")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "built: uses the built demo workspace (set automatically; "
                                       "`make test-quick` leaves these out)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that uses the built demo workspace ``built``, so `-m "not built"` skips its setup;
    with ``--quick`` deselect the slow, browser and built tests and those of QUICK_SKIP_FILES."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if BUILT_FIXTURES & fixtures:
            item.add_marker(pytest.mark.built)
    if not config.getoption("--quick"):
        return
    keep, drop = [], []
    for item in items:
        path, _, name = item.nodeid.partition("::")
        heavy = any(item.get_closest_marker(m) for m in ("slow", "browser", "built"))
        test = f"{path}::{name.partition('[')[0]}"
        listed = any(fnmatch.fnmatchcase(path, p) or test == p for p in QUICK_SKIP_FILES)
        (drop if heavy or listed else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
