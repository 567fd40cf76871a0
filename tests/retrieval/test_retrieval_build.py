"""The `indexes` build step: incremental refresh, exact embedding counts, crash safety."""

from __future__ import annotations

import json

import faiss
import pytest

import memberinsight.retrieval.build as build_module
import memberinsight.retrieval.index as index_module
from memberinsight.pipeline import BUILD_STEPS, build
from memberinsight.retrieval import (
    VectorIndex,
    build_indexes,
    product_corpus,
    read_manifest,
    search_products,
    sync_index,
)
from memberinsight.retrieval.texts import Corpus


class Spy:
    """Counts the texts that reach the real embedder."""

    def __init__(self, inner) -> None:
        self.inner, self.texts = inner, []
        self.model_id, self.dimension, self.backend = inner.model_id, inner.dimension, inner.backend

    def encode(self, texts, **kwargs):
        self.texts.extend(texts)
        return self.inner.encode(texts, **kwargs)


@pytest.fixture
def spy(monkeypatch, embedder):
    spy = Spy(embedder)
    monkeypatch.setattr(build_module, "get_embedder", lambda settings: spy)
    return spy


def _add_products(ws, n: int) -> list[str]:
    rows = [(f"PNEW{i:02d}", f"Electric Foot Spa {i}", "Beauty",
             f"A bubbling foot spa with {i} massage rollers and heat to soothe tired feet.", 30.0 + i)
            for i in range(n)]
    with ws.analytics() as con:
        con.executemany("INSERT INTO products (product_id, title, category, description, price, is_product) "
                        "VALUES (?, ?, ?, ?, ?, true)", rows)
    return [r[0] for r in rows]


def test_adding_ten_products_embeds_exactly_those_ten(indexed_copy, retrieval_settings, spy):
    before = read_manifest(indexed_copy.indexes_dir, "products")
    new_ids = _add_products(indexed_copy, 10)
    summary = build_indexes(indexed_copy, retrieval_settings, show_progress=False)
    assert summary["products"]["embedded"] == 10 and summary["products"]["added"] == 10
    assert summary["reviews"]["embedded"] == 0 and not summary["reviews"]["saved"]
    assert len(spy.texts) == 10 and all("Foot Spa" in t for t in spy.texts)
    after = read_manifest(indexed_copy.indexes_dir, "products")
    assert after.count == before.count + 10 and after.generation == before.generation + 1
    hits = search_products(indexed_copy, "foot spa massage", k=10, settings=retrieval_settings)
    assert {h.product_id for h in hits} == set(new_ids)


def test_update_remove_and_no_op_refresh(indexed_copy, retrieval_settings, spy):
    with indexed_copy.analytics() as con:
        pid, title = con.execute("SELECT product_id, title FROM products ORDER BY product_id LIMIT 1").fetchone()
        con.execute("UPDATE products SET description = 'Now with a lifetime guarantee.' WHERE product_id = ?", [pid])
        gone = con.execute("SELECT product_id FROM products ORDER BY product_id DESC LIMIT 2").fetchall()
        con.execute("DELETE FROM products WHERE product_id IN (?, ?)", [gone[0][0], gone[1][0]])
    summary = build_indexes(indexed_copy, retrieval_settings, show_progress=False)["products"]
    assert (summary["updated"], summary["removed"], summary["embedded"]) == (1, 2, 1)
    assert len(spy.texts) == 1 and "lifetime guarantee" in spy.texts[0]
    index = VectorIndex.load(indexed_copy.indexes_dir, "products")
    assert gone[0][0] not in index and pid in index
    again = build_indexes(indexed_copy, retrieval_settings, show_progress=False)
    assert not again["products"]["saved"] and again["products"]["embedded"] == 0 and len(spy.texts) == 1


def test_lost_index_is_rebuilt_from_the_embedding_cache(indexed_copy, retrieval_settings, spy):
    for path in indexed_copy.indexes_dir.iterdir():
        path.unlink()
    summary = build_indexes(indexed_copy, retrieval_settings, show_progress=False)
    assert summary["products"]["added"] == 360 and summary["products"]["embedded"] == 0
    assert spy.texts == []


def test_crash_while_writing_index_leaves_previous_loadable(indexed_copy, retrieval_settings, monkeypatch):
    before = read_manifest(indexed_copy.indexes_dir, "products")
    _add_products(indexed_copy, 3)

    def crash(index, path):
        with open(path, "wb") as fh:
            fh.write(b"partial")
        raise OSError("power cut")

    monkeypatch.setattr(faiss, "write_index", crash)
    with pytest.raises(OSError, match="power cut"):
        build_indexes(indexed_copy, retrieval_settings, show_progress=False)
    monkeypatch.undo()
    assert read_manifest(indexed_copy.indexes_dir, "products").generation == before.generation
    index_module._load_generation.cache_clear()
    hits = search_products(indexed_copy, "waterproof hiking boots", k=3, settings=retrieval_settings)
    assert len(hits) == 3 and not any(h.product_id.startswith("PNEW") for h in hits)
    summary = build_indexes(indexed_copy, retrieval_settings, show_progress=False)
    assert summary["products"]["added"] == 3 and summary["products"]["embedded"] == 0  # cached before the crash


def test_model_change_rebuilds_from_scratch(indexed_copy, retrieval_settings, monkeypatch, embedder):
    spy = Spy(embedder)
    spy.model_id = "another-model@0000"
    full = product_corpus(indexed_copy)
    corpus = Corpus(ids=full.ids[:40], texts=full.texts[:40])  # a small catalogue keeps the test fast
    result = sync_index(indexed_copy, "products", corpus, spy, retrieval_settings)
    assert (result.added, result.removed, result.embedded, len(spy.texts)) == (40, 0, 40, 40)
    manifest = json.loads((indexed_copy.indexes_dir / "products.manifest.json").read_text())
    assert manifest["model_id"] == "another-model@0000"


def test_registered_as_pipeline_step(indexed_copy, retrieval_settings):
    assert ("indexes", "memberinsight.retrieval.build:build_indexes") in BUILD_STEPS
    report = build(indexed_copy, retrieval_settings, only=["indexes"])
    assert [s.name for s in report.steps] == ["indexes"]
    assert report.steps[0].summary["products"]["count"] == 360
