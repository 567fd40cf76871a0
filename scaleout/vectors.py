"""Sentence embeddings of the lake's products and reviews on Spark, and the IVF-PQ index built from them.

:func:`embed_on_spark` runs ``mapInPandas`` over the lake's ``products`` (``is_product`` lines only) or
``reviews``: each batch's texts are built by :mod:`retrieval.texts` (the single-box build's own
:func:`product_text`; a review is its text) and encoded by :func:`retrieval.embedder.get_embedder` with
the same settings, so the same model and backend (ONNX) as ``memberinsight build``. The embedder is
loaded lazily, once per Python worker (``get_embedder`` caches it per process; Spark reuses its workers),
from the local model folder and ONNX cache, which the driver fills first: nothing is downloaded. A
text's vector depends on the text and the model only (every backend runs texts alone or in fp32
batches), so partitioning does not change it.

Layout beside the lake (see :mod:`scaleout.lake`)::

    LAKE/_vectors/<kind>/              Parquet: id string, vector array<float> (L2-normalised)
    LAKE/_vectors/<kind>.json          model id, dimension, count
    LAKE/_vectors/<kind>.ivfpq/        index.faiss, labels.json, manifest.json (scaleout.ivfpq)

:func:`index_lake` trains the IVF-PQ on a Spark sample of the vectors and adds them shard by shard, one
Parquet part file at a time.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from memberinsight.config import Settings
from memberinsight.errors import ConfigError, NotFoundError
from memberinsight.scaleout.ivfpq import IvfPqParams, ShardedIndex, build_sharded, parquet_shards
from memberinsight.scaleout.lake import local_path, read_table

KINDS = ("products", "reviews")
VECTOR_SCHEMA = "id string, vector array<float>"
TRAIN_SAMPLE = 100_000
"""Vectors the IVF-PQ is trained on at most (k-means and PQ codebooks: ~39-256 points per centroid)."""


def vectors_uri(lake: str, kind: str) -> str:
    """The Parquet folder of ``kind``'s vectors beside the lake's tables."""
    return f"{lake.rstrip('/')}/_vectors/{kind}"


def _texts(kind: str, batch: pd.DataFrame) -> list[str]:
    from memberinsight.retrieval.texts import UNCATEGORISED, product_text

    if kind == "products":
        category = batch["category"].where(batch["category"].notna(), UNCATEGORISED)
        missing = pd.Series([None] * len(batch), index=batch.index, dtype=object)
        attrs, descriptions = batch.get("attributes", missing), batch.get("description", missing)
        return [product_text(t, c, d, a) for t, c, d, a in
                zip(batch["title"], category, descriptions, attrs, strict=True)]
    return [str(t) for t in batch["text"]]


def embed_frame(settings: Settings, kind: str, batch: pd.DataFrame) -> pd.DataFrame:
    """``id``, ``vector`` of one batch of lake rows, embedded as the single-box build embeds them."""
    from memberinsight.retrieval.embedder import get_embedder

    vectors = get_embedder(settings).encode(_texts(kind, batch))  # loaded once per process, then reused
    key = "product_id" if kind == "products" else "review_id"
    return pd.DataFrame({"id": batch[key].astype(str).to_numpy(), "vector": list(vectors)})


def _source(spark: Any, lake: str, kind: str) -> Any:
    if kind not in KINDS:
        raise ConfigError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    frame = read_table(spark, lake, kind)
    if kind == "products":
        if "is_product" in frame.columns:
            frame = frame.where("coalesce(is_product, true)")
        keep = [c for c in ("product_id", "title", "category", "description", "attributes") if c in frame.columns]
        if "attributes" in keep:
            frame = frame.withColumn("attributes", frame["attributes"].cast("string"))
        return frame.select(*keep)
    return frame.select("review_id", "text")


def embed_on_spark(spark: Any, settings: Settings, lake: str, kind: str, out: str | None = None) -> dict[str, Any]:
    """Embed the lake's ``kind`` rows on the executors and write ``(id, vector)`` Parquet (replacing it);
    returns ``model_id``, ``dimension``, ``count``, ``seconds`` and where it wrote."""
    from memberinsight.retrieval.embedder import get_embedder

    start = time.perf_counter()
    embedder = get_embedder(settings)  # on the driver first: the ONNX export (if any) is done once, here
    where = out or vectors_uri(lake, kind)
    source = _source(spark, lake, kind)

    def batches(frames: Any) -> Any:
        for frame in frames:
            if len(frame):
                yield embed_frame(settings, kind, frame)

    source.mapInPandas(batches, VECTOR_SCHEMA).write.mode("overwrite").parquet(where)
    count = spark.read.parquet(where).count()
    info = {"kind": kind, "model_id": embedder.model_id, "backend": embedder.backend,
            "dimension": embedder.dimension, "count": int(count), "vectors": where,
            "seconds": round(time.perf_counter() - start, 2)}
    if "://" not in where or where.startswith("file://"):  # elsewhere the index step cannot read it anyway
        side = local_path(where)
        (side.parent / f"{kind}.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    return info


def index_lake(spark: Any, lake: str, kind: str, params: IvfPqParams | None = None, seed: int = 7,
               parallel: bool = False) -> tuple[ShardedIndex, dict[str, Any]]:
    """Train an IVF-PQ on a sample of ``kind``'s vectors, add every part file (``parallel``: encoded in Spark
    tasks, :mod:`scaleout.ivfpq_parallel`; the same index), save it beside the lake."""
    where = vectors_uri(lake, kind)
    folder = local_path(where)
    if not folder.is_dir():
        raise NotFoundError(f"no {kind} vectors at {where}; run `memberinsight lake index` (it embeds first)")
    start = time.perf_counter()
    frame = spark.read.parquet(where)
    total = frame.count()
    fraction = min(1.0, TRAIN_SAMPLE / max(1, total))
    rows = (frame if fraction >= 1.0 else frame.sample(fraction=fraction, seed=seed)).select("vector").collect()
    sample = np.asarray([r[0] for r in rows], dtype=np.float32)
    if not len(sample):
        raise NotFoundError(f"the {kind} vectors at {where} are empty")
    params = params or IvfPqParams.auto(total, sample.shape[1])
    meta_file = folder.parent / f"{kind}.json"
    model_id = json.loads(meta_file.read_text(encoding="utf-8")).get("model_id", "") if meta_file.is_file() else ""
    if parallel:
        from memberinsight.scaleout.ivfpq_parallel import build_parallel

        index = build_parallel(spark, sample, [str(f) for f in sorted(folder.glob("*.parquet"))], params, model_id)
    else:
        index = build_sharded(sample, parquet_shards(folder), params, model_id)
    manifest = index.save(folder.parent / f"{kind}.ivfpq")
    manifest.update(trained_on=len(sample), seconds=round(time.perf_counter() - start, 2), parallel=parallel,
                    index=str(folder.parent / f"{kind}.ivfpq"))
    return index, manifest


def load_vectors(folder: Path) -> tuple[list[str], np.ndarray]:
    """Every ``(id, vector)`` of an embeddings folder, in part-file order (for checks and recall)."""
    ids: list[str] = []
    blocks: list[np.ndarray] = []
    for labels, vectors in parquet_shards(folder):
        ids.extend(labels)
        blocks.append(vectors)
    return ids, (np.concatenate(blocks) if blocks else np.zeros((0, 0), np.float32))


QUALITY_MAX = 200_000
"""Above this many vectors :func:`index_and_check` skips the exact-search recall check (bench/spark.py
``--ivfpq`` measures it at 1M)."""


def index_and_check(spark: Any, settings: Settings, lake: str, kind: str, params: IvfPqParams | None = None,
                    embed: bool = True, parallel: bool = False) -> dict[str, Any]:
    """``memberinsight lake index``: embed ``kind`` on Spark (unless ``embed`` is false and vectors
    exist), build the IVF-PQ, and measure its recall@10 against exact search on up to 1,000 of its own
    vectors as queries (when it holds at most :data:`QUALITY_MAX`); ``parallel``: shards encoded in Spark tasks."""
    from memberinsight.scaleout.ivfpq import recall_and_latency

    folder = local_path(vectors_uri(lake, kind))
    info: dict[str, Any] = {"kind": kind, "lake": lake}
    if embed or not folder.is_dir():
        info["embed"] = embed_on_spark(spark, settings, lake, kind)
    index, info["index"] = index_lake(spark, lake, kind, params, parallel=parallel)
    info["quality"] = None
    if len(index.labels) <= QUALITY_MAX:
        _, vectors = load_vectors(folder)
        step = max(1, len(vectors) // 1000)
        info["quality"] = recall_and_latency(index, vectors, vectors[::step], k=10)
    return info


def describe(info: dict[str, Any]) -> str:
    """The result of :func:`index_and_check` for people."""
    lines = []
    if "embed" in info:
        e = info["embed"]
        lines.append(f"Embedded {e['count']:,} {info['kind']} on Spark ({e['backend']}, {e['dimension']}-d) "
                     f"in {e['seconds']:.1f} s")
    ix = info["index"]
    p = ix["params"]
    lines.append(f"IVF-PQ index of {ix['count']:,} vectors (nlist {p['nlist']}, m {p['m']}, nprobe {p['nprobe']}, "
                 f"re-rank {p['refine']}) in {ix['seconds']:.1f} s: {ix['index']}")
    q = info.get("quality")
    if q:
        lines.append(f"Recall@10 against exact search {q['recall_at_k']:.1%}; latency p50 {q['p50_ms']:.2f} ms, "
                     f"p99 {q['p99_ms']:.2f} ms")
    return "\n".join(lines)
