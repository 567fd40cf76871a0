"""ALS top-N recommendations for every lake member on Spark, identical to the shipped ALS component's.

The factors are the shipped ones: the ``als`` component of the workspace's ``recommenders`` model,
fitted on the driver's single box by the normal DuckDB build (``implicit``'s ALS). Spark refits
nothing: the item factors, catalogue order and popularity are broadcast; each member's user factor row
and bought/returned products (from the model's own interactions) travel as rows keyed by member, are
hashed into buckets (``applyInPandas``) and scored ``x_u . Y^T`` per bucket, picking the top ``k`` as
:meth:`BaseRecommender.recommend_many` does (ALS is not positive-only: no popularity fill). Members
without history in the model get its cold-start list (recency-weighted popularity, bought ones left out).

Output: ``member_id, rank, product_id, score`` (rank 1 = best).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

ALS_SCHEMA = "member_id string, rank int, product_id string, score double"


@dataclass
class ALSScorer:
    """What the executors need of the shipped ALS: item factors, catalogue order, popularity."""

    item_factors: np.ndarray
    product_ids: list[str]
    popularity: np.ndarray
    version: int = 0

    def recommend(self, members: pd.DataFrame, k: int) -> pd.DataFrame:
        """Top-``k`` rows of ``members`` (``member_id``, ``factors`` or None when cold, ``banned`` positions)."""
        from memberinsight.models.recommenders.base import top_k

        rows: list[tuple[str, int, str, float]] = []
        warm = members[members["factors"].notna()]
        cold = members[members["factors"].isna()]
        if len(warm):
            users = np.stack([np.asarray(f, dtype=np.float32) for f in warm["factors"]])
            block = (users @ self.item_factors.T).astype(np.float64)  # ALSRecommender.score_rows
            for member, scores, banned in zip(warm["member_id"], block, warm["banned"], strict=True):
                rows += self._slots(str(member), scores, banned, k, top_k)
        for member, banned in zip(cold["member_id"], cold["banned"], strict=True):
            rows += self._slots(str(member), self.popularity, banned, k, top_k)
        return pd.DataFrame(rows, columns=["member_id", "rank", "product_id", "score"])

    def _slots(self, member: str, scores: np.ndarray, banned: Any, k: int, top_k: Any
               ) -> list[tuple[str, int, str, float]]:
        ban = np.asarray([] if banned is None else list(banned), dtype=np.int64)
        return [(member, n + 1, self.product_ids[int(i)], float(scores[int(i)]))
                for n, i in enumerate(top_k(scores, k, ban))]


def load_als(ws: Any) -> tuple[ALSScorer, pd.DataFrame]:
    """The shipped ALS of workspace ``ws`` ready to broadcast, and its members' rows (``member_id``,
    ``factors`` (None without history), ``banned``)."""
    from memberinsight.models.recommenders.als import ALSRecommender
    from memberinsight.scaleout.recommend import shipped_component

    als, manifest = shipped_component(ws, "als", ALSRecommender, "ALS")
    inter = als.interactions_
    ids = [str(m) for m in inter.member_ids]
    members = pd.DataFrame({
        "member_id": ids,
        "factors": [als.user_factors_[r].astype(np.float64).tolist() if inter.has_history(r) else None
                    for r in range(len(ids))],
        "banned": [inter.banned(r).astype(np.int64).tolist() for r in range(len(ids))]})
    scorer = ALSScorer(np.ascontiguousarray(als.item_factors_, dtype=np.float32), list(inter.product_ids),
                       np.asarray(inter.popularity, dtype=np.float64), manifest.version)
    return scorer, members


def recommend_als(spark: Any, scorer: ALSScorer, members: pd.DataFrame, k: int = 10, buckets: int | None = None
                  ) -> Any:
    """Top-``k`` ALS lists of every member of the registered lake (a Spark DataFrame of :data:`ALS_SCHEMA`);
    lake members the model does not know get the cold-start list."""
    shared = spark.sparkContext.broadcast(scorer)
    n = buckets or 2 * int(spark.conf.get("spark.sql.shuffle.partitions"))
    known = spark.createDataFrame(members, "member_id string, factors array<double>, banned array<bigint>")
    lake = spark.sql("SELECT DISTINCT member_id FROM members WHERE member_id IS NOT NULL")
    rows = lake.join(known, "member_id", "left").selectExpr(f"pmod(xxhash64(member_id), {n}) AS bucket", "*")

    def score_bucket(frame: pd.DataFrame) -> pd.DataFrame:
        return shared.value.recommend(frame.drop(columns="bucket"), k)

    return rows.groupBy("bucket").applyInPandas(score_bucket, ALS_SCHEMA)
