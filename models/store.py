"""Persistence of fitted models: one folder per version, with a manifest (no bare pickles).

Layout under ``<workspace>/models/<name>/``::

    v0003/model.joblib     the fitted object (joblib)
    v0003/manifest.json    name, version, created_at, sha256 of model.joblib, library versions,
                           format version, data window (training cutoff), data fingerprint of the
                           canonical tables it was trained on, feature list, params, metrics
    LATEST                 the current version folder name

Loading checks the format version and the checksum, so a truncated or swapped file is refused
instead of unpickled. Only load model folders your own ``memberinsight build`` wrote: joblib
files are pickles.
"""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib

from memberinsight.errors import ModelNotReadyError, WorkspaceError
from memberinsight.workspace.clean import applied_exclusions

FORMAT_VERSION = 1
ARTIFACT = "model.joblib"
MANIFEST = "manifest.json"


@dataclass
class ModelManifest:
    """What is known about one saved model version."""

    name: str
    version: int
    created_at: str
    sha256: str
    format_version: int = FORMAT_VERSION
    model_class: str = ""
    libraries: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    features: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    data_fingerprint: dict[str, Any] = field(default_factory=dict)
    """:func:`data_fingerprint` of the analytics data at training time (``sha256`` plus per-table
    row counts and content hashes); empty in manifests written before it was recorded."""


FINGERPRINT_TABLES: tuple[str, ...] = ("members", "products", "orders", "reviews")


def data_fingerprint(con: Any) -> dict[str, Any]:
    """Row count and an order-independent content hash of each canonical table, and a ``sha256`` over them.

    Any added, removed or changed row of ``members``, ``products``, ``orders`` or ``reviews`` changes
    the digest, so a manifest says exactly which data a model saw. Tables that do not exist count as
    empty. ``fraud_exclusions`` counts the orders and accounts confirmed as fraud that business figures
    left out (:mod:`workspace.clean`); a change of them changes the digest too.
    """
    present = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    tables: dict[str, dict[str, Any]] = {}
    for table in FINGERPRINT_TABLES:
        if table in present:
            rows, digest = con.execute(
                f"SELECT count(*), CAST(coalesce(sum(hash(t)), 0) AS VARCHAR) FROM {table} t").fetchall()[0]
        else:
            rows, digest = 0, "0"
        tables[table] = {"rows": int(rows), "hash": str(digest)}
    sha = hashlib.sha256(json.dumps(tables, sort_keys=True).encode()).hexdigest()
    fraud = applied_exclusions(con)  # what clean_orders / clean_members left out (workspace.clean)
    if fraud.pairs:  # the digest of a shop without confirmed fraud stays what it was
        sha = hashlib.sha256((sha + json.dumps(sorted(fraud.pairs)) + str(fraud.excluded)).encode()).hexdigest()
    return {"sha256": sha, "tables": tables,
            "fraud_exclusions": {"orders": fraud.orders, "accounts": fraud.accounts, "excluded": bool(fraud.excluded),
                                 "orders_left_out": fraud.orders_left_out,
                                 "members_left_out": fraud.members_left_out}}


def _libraries() -> dict[str, str]:
    import lightgbm
    import numpy
    import pandas
    import scipy
    import sklearn

    return {"python": platform.python_version(), "numpy": numpy.__version__, "pandas": pandas.__version__,
            "scipy": scipy.__version__, "scikit-learn": sklearn.__version__, "lightgbm": lightgbm.__version__}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=lambda o: o.item() if hasattr(o, "item") else str(o)))


class ModelStore:
    """Versioned model folders inside a workspace's ``models/`` directory."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @classmethod
    def for_workspace(cls, ws: Any) -> ModelStore:
        """The store of a :class:`workspace.Workspace`."""
        return cls(ws.models_dir)

    def _dir(self, name: str) -> Path:
        if not name.replace("_", "").isalnum():
            raise WorkspaceError(f"bad model name {name!r}")
        return self.root / name

    def versions(self, name: str) -> list[int]:
        """Saved version numbers of ``name``, ascending."""
        folder = self._dir(name)
        if not folder.is_dir():
            return []
        return sorted(int(p.name[1:]) for p in folder.glob("v[0-9]*") if (p / MANIFEST).is_file())

    def save(self, name: str, model: Any, *, data: dict[str, Any] | None = None,
             features: list[str] | None = None, params: dict[str, Any] | None = None,
             metrics: dict[str, Any] | None = None,
             fingerprint: dict[str, Any] | None = None) -> ModelManifest:
        """Write a new version of ``name`` and point ``LATEST`` at it.

        ``data`` holds the training window (cutoffs), ``fingerprint`` the :func:`data_fingerprint`
        of the data the model was trained on.
        """
        folder = self._dir(name)
        version = (self.versions(name) or [0])[-1] + 1
        vdir = folder / f"v{version:04d}"
        vdir.mkdir(parents=True, exist_ok=False)
        joblib.dump(model, vdir / ARTIFACT, compress=3)
        manifest = ModelManifest(
            name=name, version=version, created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            sha256=_sha256(vdir / ARTIFACT), model_class=f"{type(model).__module__}.{type(model).__qualname__}",
            libraries=_libraries(), data=_json_safe(data or {}), features=list(features or []),
            params=_json_safe(params or {}), metrics=_json_safe(metrics or {}),
            data_fingerprint=_json_safe(fingerprint or {}),
        )
        (vdir / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2), encoding="utf-8")
        tmp = folder / "LATEST.tmp"
        tmp.write_text(vdir.name, encoding="utf-8")
        tmp.replace(folder / "LATEST")
        return manifest

    def manifest(self, name: str, version: int | None = None) -> ModelManifest:
        """The manifest of ``version`` (default: latest); :class:`ModelNotReadyError` when absent."""
        vdir = self._version_dir(name, version)
        raw = json.loads((vdir / MANIFEST).read_text(encoding="utf-8"))
        return ModelManifest(**raw)

    def _version_dir(self, name: str, version: int | None) -> Path:
        folder = self._dir(name)
        if version is None:
            latest = folder / "LATEST"
            if not latest.is_file():
                raise ModelNotReadyError(f"model '{name}' has not been built; run `memberinsight build`")
            vdir = folder / latest.read_text(encoding="utf-8").strip()
        else:
            vdir = folder / f"v{version:04d}"
        if not (vdir / MANIFEST).is_file():
            raise ModelNotReadyError(f"model '{name}' version folder {vdir.name} has no manifest")
        return vdir

    def load(self, name: str, version: int | None = None) -> tuple[Any, ModelManifest]:
        """The fitted object and its manifest, after checking format version and checksum."""
        vdir = self._version_dir(name, version)
        manifest = self.manifest(name, version)
        if manifest.format_version != FORMAT_VERSION:
            raise ModelNotReadyError(
                f"model '{name}' v{manifest.version} has format {manifest.format_version}, "
                f"expected {FORMAT_VERSION}; rebuild with `memberinsight build`")
        artifact = vdir / ARTIFACT
        if not artifact.is_file() or _sha256(artifact) != manifest.sha256:
            raise ModelNotReadyError(
                f"model '{name}' v{manifest.version}: {ARTIFACT} is missing or does not match its "
                "manifest checksum; rebuild with `memberinsight build`")
        try:
            return joblib.load(artifact), manifest
        except (ImportError, AttributeError) as exc:  # saved by a version whose classes lived elsewhere
            raise ModelNotReadyError(
                f"model '{name}' v{manifest.version} was saved by an older version of Member Insight ({exc}); "
                "rebuild with `memberinsight build`") from exc

    def prune(self, name: str, keep: int = 3) -> list[int]:
        """Delete all but the newest ``keep`` versions; returns the removed version numbers."""
        import shutil

        removed = self.versions(name)[:-keep] if keep > 0 else self.versions(name)
        for v in removed:
            shutil.rmtree(self._dir(name) / f"v{v:04d}")
        return removed
