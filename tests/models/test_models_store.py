"""Model persistence: versions, manifests with metadata, checksum verification."""

from __future__ import annotations

import json

import numpy as np
import pytest

from memberinsight.errors import ModelNotReadyError
from memberinsight.models.bgnbd import BetaGeoModel
from memberinsight.models.store import ModelStore, data_fingerprint


def test_save_load_versions_and_manifest(tmp_path):
    store = ModelStore(tmp_path)
    with pytest.raises(ModelNotReadyError):
        store.load("bgnbd")
    m = BetaGeoModel()
    m.params_ = np.array([0.3, 5.0, 0.7, 2.0])
    first = store.save("bgnbd", m, data={"as_of": "2026-09-30"}, features=["x"], metrics={"mae": 0.5})
    second = store.save("bgnbd", m, metrics={"mae": 0.4})
    assert (first.version, second.version) == (1, 2)
    loaded, manifest = store.load("bgnbd")
    assert manifest.version == 2 and manifest.metrics == {"mae": 0.4}
    assert manifest.model_class == "memberinsight.models.bgnbd.BetaGeoModel"
    assert {"numpy", "lightgbm", "scikit-learn"} <= set(manifest.libraries)
    np.testing.assert_allclose(loaded.params_, m.params_)
    old, old_manifest = store.load("bgnbd", version=1)
    assert old_manifest.data == {"as_of": "2026-09-30"} and old_manifest.features == ["x"]
    assert store.prune("bgnbd", keep=1) == [1]
    assert store.versions("bgnbd") == [2]


def test_tampered_or_foreign_artifacts_are_refused(tmp_path):
    store = ModelStore(tmp_path)
    store.save("churn", {"weights": [1, 2, 3]})
    artifact = tmp_path / "churn" / "v0001" / "model.joblib"
    artifact.write_bytes(artifact.read_bytes() + b"x")
    with pytest.raises(ModelNotReadyError, match="checksum"):
        store.load("churn")
    store.save("clv", {"a": 1})
    manifest = tmp_path / "clv" / "v0001" / "manifest.json"
    raw = json.loads(manifest.read_text())
    raw["format_version"] = 99
    manifest.write_text(json.dumps(raw))
    with pytest.raises(ModelNotReadyError, match="format"):
        store.load("clv")


def test_data_fingerprint_tracks_every_canonical_row(tmp_path):
    import duckdb

    con = duckdb.connect(str(tmp_path / "a.duckdb"))
    con.execute("CREATE TABLE orders (order_id VARCHAR, quantity INTEGER)")
    con.execute("CREATE TABLE members (member_id VARCHAR)")
    con.execute("INSERT INTO orders VALUES ('O1', 1), ('O2', 2)")
    first = data_fingerprint(con)
    assert first["tables"]["orders"]["rows"] == 2 and first["tables"]["reviews"] == {"rows": 0, "hash": "0"}
    assert len(first["sha256"]) == 64 and data_fingerprint(con) == first  # deterministic
    con.execute("UPDATE orders SET quantity = 3 WHERE order_id = 'O2'")  # same count, new content
    changed = data_fingerprint(con)
    assert changed["sha256"] != first["sha256"] and changed["tables"]["orders"]["rows"] == 2
    con.execute("CREATE TABLE member_features AS SELECT 1 AS x")  # derived tables do not count
    assert data_fingerprint(con) == changed
    assert con.execute("SELECT count(*) FROM orders").fetchall() == [(2,)]  # the connection is left usable
    store = ModelStore(tmp_path / "models")
    store.save("churn", {"w": 1}, data={"as_of": "2026-01-01"}, fingerprint=changed)
    assert store.manifest("churn").data_fingerprint == changed


def test_an_artifact_saved_under_an_old_module_path_asks_for_a_rebuild(tmp_path, monkeypatch):
    import sys
    import types

    # a model class from a module that a later version no longer has (the old top-level `models` package)
    old_module = types.ModuleType("models_before_one_import_root")
    exec("class Fitted:\n    pass\n", old_module.__dict__)
    old_module.Fitted.__module__ = old_module.__name__
    monkeypatch.setitem(sys.modules, old_module.__name__, old_module)
    store = ModelStore(tmp_path)
    store.save("churn", old_module.Fitted())
    monkeypatch.delitem(sys.modules, old_module.__name__)
    with pytest.raises(ModelNotReadyError, match="older version of Member Insight.*memberinsight build"):
        store.load("churn")
