"""Item-kNN top-N recommendations for every member on Spark, identical to the single-box item-kNN.

The item-item similarity is the shipped one: the ``item_knn`` component of the workspace's
``recommenders`` model (:mod:`models.recommenders.build`), fitted on the driver's single box by the
normal DuckDB build (a products x products sparse matrix with ``neighbours`` entries per product).
It is broadcast with the catalogue order and the recency-weighted popularity. The member side is
distributed: the lake's order lines are grouped into hash buckets of members, and each bucket builds
its members' confidence rows with the DuckDB path's own :func:`models.recommenders.interactions.build_interactions`
(same recency half-life and quantity weight as the component), scores them against the similarity and
picks the top ``k`` as :meth:`BaseRecommender.recommend_many` does (bought and returned products left
out; popular products fill slots without evidence). Members without order lines get the cold-start list.

Output: ``member_id, rank, product_id, score`` (rank 1 = best; ``score`` 0.0 marks a popularity fill).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from memberinsight.errors import ModelNotReadyError

RECOMMENDATION_SCHEMA = "member_id string, rank int, product_id string, score double"
LINES_SQL = """
SELECT o.member_id, o.product_id, o.quantity, o.ordered_at, coalesce(o.is_return, o.quantity < 0) AS is_return,
       o.order_id, o.line_no
FROM clean_orders o JOIN products p ON p.product_id = o.product_id
WHERE coalesce(p.is_product, TRUE) AND o.member_id IS NOT NULL AND o.ordered_at < CAST('{as_of}' AS TIMESTAMP)"""
"""Member order lines of catalogue products before the model's as-of moment (those of
:func:`models.recommenders.interactions.load_lines`)."""


@dataclass
class KNNScorer:
    """What the executors need of the shipped item-kNN: similarity, catalogue order, popularity, weights."""

    similarity: Any
    product_ids: list[str]
    popularity: np.ndarray
    as_of: pd.Timestamp
    half_life_days: float
    quantity_weight: float
    binary: bool
    version: int = 0

    def recommend(self, lines: pd.DataFrame, k: int, batch_size: int = 512) -> pd.DataFrame:
        """Top-``k`` lists of the members with ``lines`` (all of each member's lines); one row per slot.
        Members are scored ``batch_size`` at a time, fewer for a large catalogue (a dense block of scores
        stays under 2**25 values, 256 MB)."""
        from memberinsight.models.recommenders.interactions import build_interactions

        batch_size = max(1, min(batch_size, 2**25 // max(len(self.product_ids), 1)))
        lines = lines.sort_values(["ordered_at", "order_id", "line_no"], kind="stable")  # load_lines' order
        catalogue = pd.DataFrame({"product_id": self.product_ids, "title": ""})
        inter = build_interactions(lines, catalogue, as_of=self.as_of.to_pydatetime(),
                                   half_life_days=self.half_life_days, quantity_weight=self.quantity_weight)
        conf = inter.confidence.astype(np.float32, copy=True)
        if self.binary:
            conf.data[:] = 1.0
        rows: list[tuple[str, int, str, float]] = []
        for start in range(0, inter.n_members, batch_size):
            stop = min(start + batch_size, inter.n_members)
            block = np.asarray((conf[start:stop] @ self.similarity).toarray(), dtype=np.float64)
            for r in range(start, stop):
                warm = inter.has_history(r)
                scores = block[r - start] if warm else self.popularity
                rows += self._slots(inter.member_ids[r], scores, inter.banned(r), k)
        return pd.DataFrame(rows, columns=["member_id", "rank", "product_id", "score"])

    def cold(self, k: int) -> list[tuple[int, str, float]]:
        """The list of a member without order lines: (rank, product id, score)."""
        return [(rank, pid, score) for _, rank, pid, score in self._slots("", self.popularity, np.zeros(0, np.int64), k)]

    def _slots(self, member: str, scores: np.ndarray, banned: np.ndarray, k: int) -> list[tuple[str, int, str, float]]:
        """:meth:`BaseRecommender._pick` (positive scores first, popular products fill up), as rows."""
        from memberinsight.models.recommenders.base import top_k

        items = [int(i) for i in top_k(scores, k, banned)]
        keep = [i for i in items if scores[i] > 0]
        extra: list[int] = []
        if len(keep) != len(items):
            skip = np.concatenate([np.asarray(banned, dtype=np.int64), np.array(keep, dtype=np.int64)])
            extra = [int(i) for i in top_k(self.popularity, k - len(keep), skip)]
        return [(member, n + 1, self.product_ids[i], float(scores[i]) if i in keep else 0.0)
                for n, i in enumerate(keep + extra)]


def shipped_component(ws: Any, name: str, kind: type, label: str) -> tuple[Any, Any]:
    """Component ``name`` of workspace ``ws``'s shipped ``recommenders`` model (an instance of ``kind``) and the
    model's manifest; :class:`ModelNotReadyError` naming ``label`` when the shipped model has no such component."""
    from memberinsight.models.recommenders.build import load_model

    hybrid, manifest = load_model(ws)
    component = getattr(hybrid, "components", {}).get(name)
    if not isinstance(component, kind):
        raise ModelNotReadyError(f"the workspace's recommenders model has no {label} component; "
                                 "run `memberinsight build --only recommenders`")
    return component, manifest


def load_knn(ws: Any) -> KNNScorer:
    """The shipped item-kNN of workspace ``ws`` (its ``recommenders`` model), ready to broadcast."""
    from memberinsight.models.recommenders.itemknn import ItemKNNRecommender

    knn, manifest = shipped_component(ws, "item_knn", ItemKNNRecommender, "item-kNN")
    inter = knn.interactions_
    hl = inter.params["half_life_days"] if knn.half_life_days is None else knn.half_life_days
    qw = inter.params["quantity_weight"] if knn.quantity_weight is None else knn.quantity_weight
    return KNNScorer(knn.similarity_, list(inter.product_ids), np.asarray(inter.popularity, dtype=np.float64),
                     pd.Timestamp(inter.as_of), float(hl), float(qw), bool(knn.binary), manifest.version)


def recommend_members(spark: Any, scorer: KNNScorer, k: int = 10, buckets: int | None = None) -> Any:
    """Top-``k`` item-kNN lists of every member of the registered lake (a Spark DataFrame of
    :data:`RECOMMENDATION_SCHEMA`); members are hashed into ``buckets`` groups (default: twice the
    shuffle partitions), each scored in one pandas call."""
    shared = spark.sparkContext.broadcast(scorer)
    n = buckets or 2 * int(spark.conf.get("spark.sql.shuffle.partitions"))
    lines = spark.sql(LINES_SQL.format(as_of=scorer.as_of.isoformat(sep=" ")))
    bucketed = lines.selectExpr(f"pmod(xxhash64(member_id), {n}) AS bucket", "*")

    def score_bucket(frame: pd.DataFrame) -> pd.DataFrame:
        return shared.value.recommend(frame.drop(columns="bucket"), k)

    warm = bucketed.groupBy("bucket").applyInPandas(score_bucket, RECOMMENDATION_SCHEMA)
    cold = spark.createDataFrame(pd.DataFrame(scorer.cold(k), columns=["rank", "product_id", "score"]),
                                 "rank int, product_id string, score double")
    without = spark.sql("SELECT member_id FROM members").join(lines.select("member_id").distinct(), "member_id",
                                                              "left_anti")
    return warm.unionByName(without.crossJoin(cold).select("member_id", "rank", "product_id", "score"))
