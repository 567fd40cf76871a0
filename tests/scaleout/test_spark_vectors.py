"""Vectors at scale on Spark local[2]: the demo shop's products embedded per partition equal the
single-box embedder's vectors (all of them, not a sample), and ``memberinsight lake index`` builds an
IVF-PQ index over them that finds what exact search finds. Plus the IVF-PQ core on synthetic vectors
with a known answer (no Spark)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")]


def _clustered(n: int, d: int = 64, centres: int = 40, seed: int = 0) -> np.ndarray:
    """Unit vectors around ``centres`` topics (like sentence embeddings: near neighbours share a topic)."""
    rng = np.random.default_rng(seed)
    c = rng.normal(size=(centres, d)).astype(np.float32)
    x = c[rng.integers(0, centres, n)] + 0.35 * rng.normal(size=(n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def indexed(spark, demo_lake: str, built_workspace) -> dict:
    """``memberinsight lake index LAKE --kind products``: embeds on Spark, then builds the IVF-PQ."""
    from memberinsight.cli import app

    result = CliRunner().invoke(app, ["lake", "index", demo_lake, "--kind", "products", "--workspace",
                                      str(built_workspace.path), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_product_vectors_equal_the_single_box_embedder(indexed: dict, demo_lake: str, built_workspace) -> None:
    from pathlib import Path

    from memberinsight.config import load_settings
    from memberinsight.retrieval import get_embedder, product_corpus
    from memberinsight.scaleout.vectors import load_vectors, vectors_uri

    corpus = product_corpus(built_workspace)
    embedder = get_embedder(load_settings(workspace=built_workspace.path))
    ids, vectors = load_vectors(Path(vectors_uri(demo_lake, "products")))
    assert sorted(ids) == sorted(corpus.ids) and len(ids) == indexed["embed"]["count"] > 300
    assert indexed["embed"]["model_id"] == embedder.model_id
    single_box = dict(zip(corpus.ids, embedder.encode(corpus.texts), strict=True))
    expected = np.stack([single_box[i] for i in ids])
    np.testing.assert_allclose(vectors, expected, atol=1e-5)
    assert float(np.min(np.sum(vectors * expected, axis=1))) >= 0.9999
    assert vectors.std(axis=0).mean() > 0.01  # real, varied embeddings, not one repeated vector


def test_lake_index_finds_what_exact_search_finds(indexed: dict, demo_lake: str) -> None:
    from pathlib import Path

    from memberinsight.scaleout.ivfpq import ShardedIndex, recall_and_latency
    from memberinsight.scaleout.vectors import load_vectors, vectors_uri

    folder = Path(vectors_uri(demo_lake, "products"))
    index = ShardedIndex.load(folder.parent / "products.ivfpq")
    ids, vectors = load_vectors(folder)
    assert index.labels == ids and indexed["index"]["count"] == len(ids)
    assert indexed["index"]["params"]["nlist"] >= 4 and indexed["quality"]["recall_at_k"] >= 0.9
    measured = recall_and_latency(index, vectors, vectors[::7], k=10)
    assert measured["recall_at_k"] >= 0.9
    first = index.search(vectors[0], 5)[0]
    assert first[0][0] == ids[0] and first[0][1] > 0.99 and len(first) == 5


def test_review_vectors_on_spark_equal_the_single_box_embedder(spark, demo_lake: str, built_workspace,
                                                                tmp_path) -> None:
    """Reviews: every one embedded on Spark; a sample of 100 compared (the text builder is the review text)."""
    from memberinsight.config import load_settings
    from memberinsight.retrieval import get_embedder, review_corpus
    from memberinsight.scaleout import embed_on_spark
    from memberinsight.scaleout.vectors import load_vectors

    settings = load_settings(workspace=built_workspace.path)
    info = embed_on_spark(spark, settings, demo_lake, "reviews", out=str(tmp_path / "reviews"))
    corpus = review_corpus(built_workspace)
    ids, vectors = load_vectors(tmp_path / "reviews")
    assert info["count"] == len(ids) == len(corpus.ids) > 1000 and sorted(ids) == sorted(corpus.ids)
    text = dict(zip(corpus.ids, corpus.texts, strict=True))
    pick = np.random.default_rng(3).choice(len(ids), 100, replace=False)
    expected = get_embedder(settings).encode([text[ids[i]] for i in pick])
    np.testing.assert_allclose(vectors[pick], expected, atol=1e-5)


def test_ivfpq_sharded_build_recall_and_round_trip(tmp_path) -> None:
    from memberinsight.errors import ConfigError
    from memberinsight.scaleout.ivfpq import IvfPqParams, ShardedIndex, build_sharded, recall_and_latency

    x = _clustered(6000)
    shards = [([f"v{i}" for i in range(s, s + 1500)], x[s:s + 1500]) for s in range(0, 6000, 1500)]
    params = IvfPqParams.auto(len(x), x.shape[1])
    assert (params.nlist, params.m, params.nbits) == (64, 8, 8)
    index = build_sharded(x[::3], shards, params)
    assert index.labels == [f"v{i}" for i in range(6000)] and index.index.ntotal == 6000
    good = recall_and_latency(index, x, x[:200], k=10)
    assert good["recall_at_k"] >= 0.9 and good["p99_ms"] >= good["p50_ms"] > 0
    # the dial: one cell and no re-rank loses neighbours
    coarse = build_sharded(x[::3], shards, IvfPqParams(nlist=64, m=8, nprobe=1, refine="none"))
    assert recall_and_latency(coarse, x, x[:200], k=10)["recall_at_k"] < good["recall_at_k"] - 0.1
    index.save(tmp_path / "ix")
    again = ShardedIndex.load(tmp_path / "ix")
    assert again.search(x[:3], 10) == index.search(x[:3], 10) and again.params == params
    with pytest.raises(ConfigError, match="duplicate ids"):
        build_sharded(x[:500], [shards[0], shards[0]], params)
    with pytest.raises(ConfigError, match="must divide"):
        build_sharded(x[:500], [], IvfPqParams(nlist=4, m=7))
