"""Distributed batch scoring: churn, purchases / spend / CLV (BG/NBD, Gamma-Gamma or boosted) and the
next order date for every buying member, with ``mapInPandas`` over the Spark-computed features.

The models are the workspace's *shipped* ones (:class:`models.store.ModelStore`: ``churn``, ``clv``,
``bgnbd``), fitted on the driver's single box by the normal DuckDB ``memberinsight build`` (on the full
history of that workspace, not on a sample or Spark aggregates). They are loaded once, broadcast, and
applied per partition by :func:`score_frame`, which reuses the DuckDB build's own scoring pieces
(:class:`models.build_predictions._Shipped`, :func:`next_order_dates`, :func:`churn_band`), so both
engines compute each member's numbers with the same code. Everything per member is row-wise; the one
global step, the CLV tier (rank of 365-day spend among buyers), is a Spark window.

Not computed here: the 80% member intervals (``orders_90d_low``...; they draw from one seeded generator
over all members, :mod:`models.intervals`): imported outputs leave them empty.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from memberinsight.errors import ModelNotReadyError

SCORE_SCHEMA = (
    "member_id string, churn_probability double, churn_band string, churn_reasons string, "
    "churn_reasons_json string, expected_orders_90d double, expected_orders_365d double, "
    "predicted_spend_90d double, predicted_clv_365d double, p_alive double, expected_next_order_date date, "
    "bgnbd_expected_90d double, spend_365d_raw double")
"""What :func:`score_frame` returns per buying member (``spend_365d_raw``: unrounded, for the tier)."""
CHURN_COLUMNS = ("member_id", "churn_probability", "churn_band", "churn_reasons", "churn_reasons_json")
CLV_COLUMNS = ("member_id", "expected_orders_90d", "expected_orders_365d", "predicted_spend_90d",
               "predicted_clv_365d", "clv_tier", "p_alive", "expected_next_order_date", "bgnbd_expected_90d")
"""The columns of ``member_churn`` / ``member_clv`` the Spark scoring writes (intervals excluded)."""


@dataclass
class ShippedScorers:
    """The shipped prediction models of one workspace, as broadcast to the executors."""

    churn: Any
    churn_champion: str
    churn_base_rate: float
    stat: Any
    """The shipped BG/NBD + Gamma-Gamma (with the drift fit) of the ``bgnbd`` model."""
    clv: Any
    """The boosted :class:`models.clv.CLVModel` when a boosted candidate shipped, else ``None``."""
    purchases: str
    spend: str | None
    horizon_days: int
    as_of: date
    versions: dict[str, int] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        """What scores: champions, model versions, horizon and the models' as-of date (for the build info)."""
        return {"churn": self.churn_champion, "purchases": self.purchases, "spend": self.spend,
                "versions": self.versions, "horizon_days": self.horizon_days, "models_as_of": self.as_of.isoformat()}


def load_scorers(ws: Any) -> ShippedScorers:
    """The workspace's shipped ``churn``, ``clv`` and ``bgnbd`` models (checksummed loads from the store).

    :class:`ModelNotReadyError` when the workspace has not built them, or when the churn champion is
    one whose reasons need the training churn rate, which its manifest does not record.
    """
    from memberinsight.models.store import ModelStore

    store = ModelStore.for_workspace(ws)
    churn, churn_m = store.load("churn")
    clv, clv_m = store.load("clv")
    stat, stat_m = store.load("bgnbd")
    champion = str(churn_m.params.get("champion"))
    if champion == "boosted":
        base = float(churn.base_rate_)
    elif champion == "base_rate":
        base = float(churn.rate_)
    else:
        raise ModelNotReadyError(f"the shipped churn model is '{champion}': Spark scoring ships the boosted and "
                                 "base-rate champions (the others' reasons need the training churn rate, which "
                                 "the manifest does not record); score this workspace with `memberinsight build`")
    champions = clv_m.params.get("champion") or {}
    purchases, spend = str(champions.get("purchases")), champions.get("spend")
    boosted = clv if "boosted" in (purchases, spend) else None
    return ShippedScorers(churn, champion, base, stat, boosted, purchases, spend,
                          int(churn_m.data.get("horizon_days", 90)), date.fromisoformat(str(clv_m.data["as_of"])),
                          {"churn": churn_m.version, "clv": clv_m.version, "bgnbd": stat_m.version})


def score_frame(models: ShippedScorers, features: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Scores of the buying members of ``features`` (any subset of members: every value is per member),
    as the DuckDB build's ``churn`` and ``clv`` steps compute them; columns :data:`SCORE_SCHEMA`."""
    from memberinsight.models.build_predictions import _Shipped, _simple_reasons, next_order_dates
    from memberinsight.models.churn import churn_band

    buyers = features[pd.to_numeric(features["frequency"], errors="coerce").fillna(0) > 0].reset_index(drop=True)
    if buyers.empty:  # a partition of members without purchases
        return pd.DataFrame({c.split()[0]: pd.Series(dtype=object) for c in SCORE_SCHEMA.split(", ")})
    H = models.horizon_days
    X = pd.concat([buyers, models.stat.predict(buyers, H)], axis=1)
    if models.churn_champion == "boosted":
        prob = models.churn.predict_proba(X)
        reasons = [[r.__dict__ for r in rs] for rs in models.churn.reasons(X)]
    else:
        prob = models.churn.predict_proba(X)
        reasons = _simple_reasons(buyers, prob, models.churn_base_rate)
    shipped = _Shipped(buyers, X, models.stat, models.clv, models.purchases, models.spend)
    (n90, s90), (n365, s365) = shipped.at(90), shipped.at(365)
    alive = models.stat.drift_.p_alive(*models.stat._rft(buyers)) if models.purchases == "bgnbd_trend" \
        else X["bg_p_alive"]
    due = (pd.to_numeric(buyers["ipt_mean"], errors="coerce") - pd.to_numeric(buyers["recency_days"],
                                                                              errors="coerce")).to_numpy(dtype=float)
    return pd.DataFrame({
        "member_id": buyers["member_id"].astype(str),
        "churn_probability": np.round(prob, 4), "churn_band": [churn_band(p) for p in prob],
        "churn_reasons": ["; ".join(r["text"] for r in rs) for rs in reasons],
        "churn_reasons_json": [json.dumps(rs) for rs in reasons],
        "expected_orders_90d": np.round(n90, 4), "expected_orders_365d": np.round(n365, 4),
        "predicted_spend_90d": np.round(s90, 2), "predicted_clv_365d": np.round(s365, 2),
        "p_alive": np.round(np.asarray(alive, dtype=float), 4),
        "expected_next_order_date": next_order_dates(as_of, due, n90),
        "bgnbd_expected_90d": models.stat.expected_purchases(buyers, 90).round(4),
        "spend_365d_raw": np.asarray(s365, dtype=float),
    })


TIER_SQL = """
SELECT *, CASE WHEN spend_365d_raw IS NULL OR isnan(spend_365d_raw) THEN NULL
               WHEN pct > 0.8 THEN 'high' WHEN pct > 0.5 THEN 'medium' ELSE 'low' END AS clv_tier
FROM (SELECT *, (rank() OVER (ORDER BY spend_365d_raw ASC NULLS LAST)
                 + (count(*) OVER (PARTITION BY spend_365d_raw) - 1) / 2.0)
                / count(spend_365d_raw) OVER () AS pct
      FROM scored)"""
"""The CLV tier of :func:`models.build_predictions._tiers` (average percentile rank of 365-day spend
among buyers: top 20% high, next 30% medium) as one global Spark window."""


def score_members(spark: Any, features: Any, models: ShippedScorers, as_of: date) -> tuple[Any, Any]:
    """(``member_churn``, ``member_clv``) Spark DataFrames: every buying member of ``features`` (a Spark
    DataFrame of :mod:`models.features` columns) scored with the broadcast ``models`` per partition."""
    shared = spark.sparkContext.broadcast(models)

    def score_batches(batches: Any) -> Any:
        scorers = shared.value
        for batch in batches:
            scored = score_frame(scorers, batch, as_of) if len(batch) else None
            if scored is not None and len(scored):
                yield scored

    scored = features.mapInPandas(score_batches, SCORE_SCHEMA)
    scored.createOrReplaceTempView("scored")
    tiered = spark.sql(TIER_SQL).localCheckpoint()  # scored once, read by both outputs
    return tiered.select(*CHURN_COLUMNS), tiered.select(*CLV_COLUMNS)
