"""The FAISS vector store: exact and HNSW search, incremental changes, persistence, crash safety."""

from __future__ import annotations

import json

import faiss
import numpy as np
import pytest

import memberinsight.retrieval.index as index_module
from memberinsight.errors import ConfigError, ModelNotReadyError, WorkspaceError
from memberinsight.retrieval.index import HnswParams, VectorIndex, read_manifest

DIM = 32


def _vectors(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(20, DIM))
    x = centres[rng.integers(0, 20, n)] + 0.35 * rng.normal(size=(n, DIM))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _labels(n: int, prefix: str = "id") -> list[str]:
    return [f"{prefix}{i:05d}" for i in range(n)]


def _brute(x: np.ndarray, q: np.ndarray, k: int) -> list[list[int]]:
    return np.argsort(-(q @ x.T), axis=1, kind="stable")[:, :k].tolist()


def test_exact_search_matches_brute_force():
    x = _vectors(300)
    index = VectorIndex("t", DIM, "m1")
    assert index.upsert(_labels(300), x) == (300, 0)
    assert index.index_type == "flat" and index.count == 300
    got = index.search(x[:5], 10)
    want = _brute(x, x[:5], 10)
    for row, expected in zip(got, want, strict=True):
        assert [label for label, _ in row] == [f"id{i:05d}" for i in expected]
        assert row[0][1] == pytest.approx(1.0, abs=1e-5)


def test_update_remove_exclude_only():
    x = _vectors(100)
    index = VectorIndex("t", DIM, "m1")
    index.upsert(_labels(100), x, [f"h{i}" for i in range(100)])
    # update id00000 to the vector of id00050: both now top for that query
    added, updated = index.upsert(["id00000"], x[50:51], ["new"])
    assert (added, updated) == (0, 1)
    assert index.count == 100 and index.text_hash_of("id00000") == "new"
    top = {label for label, _ in index.search(x[50], 2)[0]}
    assert top == {"id00000", "id00050"}
    assert index.remove(["id00050", "unknown"]) == 1
    assert "id00050" not in index and index.count == 99
    assert all(label != "id00050" for label, _ in index.search(x[50], 99)[0])
    assert len(index.search(x[50], 500)[0]) == 99
    excluded = index.search(x[50], 5, exclude=["id00000"])[0]
    assert "id00000" not in {label for label, _ in excluded}
    only = index.search(x[50], 5, only=["id00001", "id00002", "id00050"])[0]
    assert {label for label, _ in only} == {"id00001", "id00002"}
    np.testing.assert_allclose(index.vectors(["id00000"])[0], x[50], atol=1e-6)


def test_compaction_after_many_removals_keeps_results():
    x = _vectors(200)
    index = VectorIndex("t", DIM, "m1")
    index.upsert(_labels(200), x)
    index.remove(_labels(200)[:80])
    assert not index.dead, "a quarter of dead positions triggers compaction"
    assert index.index.ntotal == 120
    labels, stored = index.all_vectors()
    assert labels == _labels(200)[80:]
    np.testing.assert_allclose(stored, x[80:], atol=1e-6)


def test_switches_to_hnsw_above_threshold_with_high_recall():
    x = _vectors(2000, seed=1)
    index = VectorIndex("t", DIM, "m1", ann_threshold=1000, hnsw=HnswParams(m=16, ef_construction=80, ef_search=64))
    index.upsert(_labels(1500), x[:1500])
    assert index.index_type == "hnsw"
    index.upsert(_labels(2000)[1500:], x[1500:])
    queries = _vectors(50, seed=2)
    truth = _brute(x, queries, 10)
    got = index.search(queries, 10)
    recall = np.mean([len({f"id{i:05d}" for i in t} & {label for label, _ in g}) / 10 for t, g in zip(truth, got, strict=True)])
    assert recall >= 0.95
    index.remove(_labels(2000)[:1200])  # back under the threshold -> exact again
    assert index.index_type == "flat" and index.count == 800


def test_bad_input_is_rejected():
    index = VectorIndex("t", DIM, "m1")
    with pytest.raises(ConfigError):
        index.upsert(["a"], np.zeros((1, DIM + 1), np.float32))
    with pytest.raises(ConfigError):
        index.upsert(["a", "a"], _vectors(2))
    assert index.search(_vectors(1), 5) == [[]]


def test_save_load_roundtrip_and_manifest(tmp_path):
    x = _vectors(120)
    index = VectorIndex("products", DIM, "model-x")
    index.upsert(_labels(120), x, [f"h{i}" for i in range(120)])
    index.remove(["id00003"])
    manifest = index.save(tmp_path)
    assert (manifest.generation, manifest.count, manifest.index_type, manifest.model_id) == (1, 119, "flat", "model-x")
    on_disk = json.loads((tmp_path / "products.manifest.json").read_text())
    assert on_disk["dimension"] == DIM and on_disk["built_at"]
    loaded = VectorIndex.load(tmp_path, "products")
    assert loaded.count == 119 and "id00003" not in loaded
    assert loaded.search(x[7], 3) == index.search(x[7], 3)
    assert loaded.text_hash_of("id00007") == "h7"
    index.upsert(["new"], _vectors(1, seed=9))
    assert index.save(tmp_path).generation == 2
    files = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("."))
    assert files == ["products.000002.faiss", "products.000002.labels.json", "products.manifest.json"]


def _saved(tmp_path):
    x = _vectors(50)
    index = VectorIndex("products", DIM, "model-x")
    index.upsert(_labels(50), x)
    index.save(tmp_path)
    return index, x


def test_crash_while_writing_index_keeps_previous_loadable(tmp_path, monkeypatch):
    index, x = _saved(tmp_path)
    before = index.search(x[0], 5)
    index.upsert(["extra"], _vectors(1, seed=5))

    def dying_write(idx, path):  # writes half a file, then the process "dies"
        with open(path, "wb") as fh:
            fh.write(b"\x00" * 100)
        raise OSError("disk full")

    monkeypatch.setattr(faiss, "write_index", dying_write)
    with pytest.raises(OSError):
        index.save(tmp_path)
    monkeypatch.undo()
    loaded = VectorIndex.load(tmp_path, "products")
    assert loaded.count == 50 and "extra" not in loaded
    assert loaded.search(x[0], 5) == before
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name]


def test_crash_before_manifest_swap_keeps_previous_generation(tmp_path, monkeypatch):
    index, x = _saved(tmp_path)
    index.upsert(["extra"], _vectors(1, seed=5))
    real_replace = index_module.os.replace

    def replace(src, dst):
        if str(dst).endswith(".manifest.json"):
            raise OSError("killed before the manifest swap")
        real_replace(src, dst)

    monkeypatch.setattr(index_module.os, "replace", replace)
    with pytest.raises(OSError):
        index.save(tmp_path)
    monkeypatch.undo()
    assert read_manifest(tmp_path, "products").generation == 1
    loaded = VectorIndex.load(tmp_path, "products")
    assert loaded.count == 50 and "extra" not in loaded
    # the next successful save supersedes the orphaned generation and cleans it up
    assert index.save(tmp_path).generation == 2
    assert sorted(p.name for p in tmp_path.glob("products.0*")) == ["products.000002.faiss", "products.000002.labels.json"]
    assert VectorIndex.load(tmp_path, "products").count == 51


def test_save_syncs_files_and_directory_before_dropping_the_previous_generation(tmp_path, monkeypatch):
    """Power-loss safety: every file is fsynced before its rename, every rename is made durable by
    an fsync of the directory, and the old generation is deleted only after the new manifest is."""
    import os
    import pathlib

    index, _ = _saved(tmp_path)
    index.upsert(["extra"], _vectors(1, seed=5))
    events: list[tuple[str, str]] = []
    real_fsync, real_replace, real_unlink = os.fsync, os.replace, pathlib.Path.unlink

    def fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", f"{src} -> {dst}"))
        real_replace(src, dst)

    def unlink(self, missing_ok=False):
        if self.exists():
            events.append(("unlink", str(self)))
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(index_module.os, "fsync", fsync)
    monkeypatch.setattr(index_module.os, "replace", replace)
    monkeypatch.setattr(pathlib.Path, "unlink", unlink)
    index.save(tmp_path)
    monkeypatch.undo()
    directory = str(tmp_path.resolve())
    replaces = [i for i, (kind, _) in enumerate(events) if kind == "replace"]
    assert len(replaces) == 3  # index, labels, manifest
    for i in replaces:
        src, dst = events[i][1].split(" -> ")
        synced = [j for j, e in enumerate(events[:i]) if e == ("fsync", str(pathlib.Path(src).resolve()))]
        assert synced, f"{src} renamed before it was fsynced"
        after = events[i + 1:]
        assert after and after[0] == ("fsync", directory), f"rename to {dst} not made durable"
    manifest_at = replaces[-1]
    assert events[manifest_at][1].endswith("products.manifest.json")
    dropped = [i for i, (kind, path) in enumerate(events) if kind == "unlink" and ".000001." in path]
    assert len(dropped) == 2 and min(dropped) > manifest_at + 1  # after the manifest's directory sync
    assert events[-1] == ("fsync", directory)  # the deletions are synced too
    assert VectorIndex.load(tmp_path, "products").count == 51


def test_missing_and_corrupt_indexes_raise_clear_errors(tmp_path):
    with pytest.raises(ModelNotReadyError):
        VectorIndex.load(tmp_path, "products")
    _saved(tmp_path)
    faiss_file = next(tmp_path.glob("products.*.faiss"))
    faiss_file.write_bytes(faiss_file.read_bytes()[:100])
    with pytest.raises(WorkspaceError, match="corrupt"):
        VectorIndex.load(tmp_path, "products")
    (tmp_path / "products.manifest.json").write_text("{not json")
    with pytest.raises(WorkspaceError):
        VectorIndex.load(tmp_path, "products")


def test_pairs_above_exact_and_hnsw_agree_with_brute_force():
    x = _vectors(400, seed=3)
    x[10] = x[20]  # plant exact duplicates
    x[30] = x[40]
    sims = x @ x.T
    want = {(f"id{a:05d}", f"id{b:05d}") for a in range(400) for b in range(a + 1, 400) if sims[a, b] >= 0.9}
    flat = VectorIndex("t", DIM, "m")
    flat.upsert(_labels(400), x)
    assert {(a, b) for a, b, _ in flat.pairs_above(0.9)} == want
    assert ("id00010", "id00020") in want
    hnsw = VectorIndex("t", DIM, "m", ann_threshold=100)
    hnsw.upsert(_labels(400), x)
    assert hnsw.index_type == "hnsw"
    got = {(a, b) for a, b, _ in hnsw.pairs_above(0.9, k=64)}
    assert len(got & want) >= 0.95 * len(want) and got <= want
