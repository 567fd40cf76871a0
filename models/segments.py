"""RFM scoring and the standard named RFM segments.

Scores are quintiles (1 = worst, 5 = best) of recency (more recent is better), frequency (purchase
orders) and monetary value (net spend), computed on ranks with ties averaged, so equal members get
equal scores. The named segment comes from the recency score and the mean of the frequency and
monetary scores (``FM``, rounded half up) through :data:`SEGMENT_GRID`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NO_PURCHASE = "No Purchases Yet"

SEGMENTS: tuple[str, ...] = (
    "Champions", "Loyal", "Potential Loyalist", "New", "Promising", "Need Attention",
    "About to Sleep", "At Risk", "Can't Lose Them", "Hibernating", "Lost",
)

# SEGMENT_GRID[R][FM - 1] for R = 5..1 (rows) and FM = 1..5 (columns).
SEGMENT_GRID: dict[int, tuple[str, str, str, str, str]] = {
    5: ("New", "Potential Loyalist", "Potential Loyalist", "Champions", "Champions"),
    4: ("Promising", "Potential Loyalist", "Potential Loyalist", "Loyal", "Champions"),
    3: ("About to Sleep", "About to Sleep", "Need Attention", "Loyal", "Loyal"),
    2: ("Hibernating", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"),
    1: ("Lost", "Lost", "At Risk", "Can't Lose Them", "Can't Lose Them"),
}

SEGMENT_DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "Champions": ("Bought recently, buy often and spend the most.",
                  "Reward them, offer early access and ask for reviews."),
    "Loyal": ("Buy regularly and spend well; respond to promotions.",
              "Upsell higher-value products; invite to the loyalty programme."),
    "Potential Loyalist": ("Recent customers with a few orders and average spend.",
                           "Offer membership or recommendations to build the habit."),
    "New": ("Bought very recently for the first time or nearly so.",
            "Onboard them well and make the second order easy."),
    "Promising": ("Fairly recent buyers who have not spent much yet.",
                  "Build awareness with free trials or targeted offers."),
    "Need Attention": ("Above-average recency, frequency and spend, but slipping.",
                       "Make limited-time offers based on past purchases."),
    "About to Sleep": ("Below-average recency and low frequency and spend.",
                       "Share popular products and discounts to reactivate them."),
    "At Risk": ("Spent well and bought often, but long ago.",
                "Send personalised win-back messages and renewals."),
    "Can't Lose Them": ("Used to be among the best customers; have not returned for a long time.",
                        "Win them back with new products and a personal approach."),
    "Hibernating": ("Last bought long ago, few orders and low spend.",
                    "Offer relevant products and special discounts; do not over-invest."),
    "Lost": ("Lowest recency, frequency and spend.",
             "Try a low-cost reactivation campaign; otherwise let them go."),
    NO_PURCHASE: ("Registered members without a purchase yet.", "Send a welcome offer."),
}


def quintile_scores(values: pd.Series, higher_is_better: bool = True) -> pd.Series:
    """1-5 quintile scores; missing values stay missing.

    Ties share a score: the score of the lowest rank of their block. With average ranks, a block
    of one-order buyers larger than a quintile (common: 40-60% of buyers) would all score F=2, and
    the grid's "New" and "Promising" (F=1) could never occur.
    """
    v = pd.to_numeric(values, errors="coerce").astype(float)
    valid = v.notna()
    out = pd.Series(np.nan, index=v.index, dtype=float)
    n = int(valid.sum())
    if n == 0:
        return out.astype("Int64")
    ranks = (v[valid] if higher_is_better else -v[valid]).rank(method="min")
    pct = (ranks - 0.5) / n
    out[valid] = np.clip(np.ceil(pct * 5), 1, 5)
    return out.astype("Int64")


def segment_name(r: int, f: int, m: int) -> str:
    """The named segment for R, F and M scores (1-5)."""
    fm = int(np.floor((f + m) / 2 + 0.5))
    return SEGMENT_GRID[int(r)][fm - 1]


def rfm_table(features: pd.DataFrame) -> pd.DataFrame:
    """``member_id, r_score, f_score, m_score, rfm_score, rfm_segment`` for every member in ``features``.

    Only members with at least one purchase are scored; the others get :data:`NO_PURCHASE`. Computed by
    :func:`rfm_sql` (in-memory DuckDB), the same SQL the Spark engine runs; :func:`rfm_table_reference`
    is the plain pandas statement of the rules the tests hold it to.
    """
    import duckdb

    con = duckdb.connect()
    try:
        con.register("rfm_input", features[["member_id", "recency_days", "frequency", "monetary"]])
        scored = con.execute(rfm_sql("rfm_input")).df().set_index("member_id")
    finally:
        con.close()
    out = scored.reindex(features["member_id"].to_numpy()).rename_axis("member_id").reset_index()
    for col in ("r_score", "f_score", "m_score"):
        out[col] = out[col].astype("Int64")
    out["rfm_score"] = out["rfm_score"].astype(object).where(out["rfm_score"].notna(), None)
    out["rfm_segment"] = out["rfm_segment"].astype("str")
    return out


def rfm_table_reference(features: pd.DataFrame) -> pd.DataFrame:
    """:func:`rfm_table` in pandas (quintile_scores and the grid): the reference :func:`rfm_sql` must equal."""
    buyers = features["frequency"].fillna(0) > 0
    out = pd.DataFrame({"member_id": features["member_id"].to_numpy()})
    scored = features[buyers]
    for col, src, better in (("r_score", "recency_days", False), ("f_score", "frequency", True),
                             ("m_score", "monetary", True)):
        s = pd.Series(pd.NA, index=features.index, dtype="Int64")
        s[buyers] = quintile_scores(scored[src], higher_is_better=better)
        out[col] = s.array
    has = buyers.to_numpy()
    out["rfm_score"] = None
    out["rfm_segment"] = NO_PURCHASE
    if has.any():
        r, f, m = (out.loc[has, c].astype(int) for c in ("r_score", "f_score", "m_score"))
        out.loc[has, "rfm_score"] = r.astype(str) + f.astype(str) + m.astype(str)
        out.loc[has, "rfm_segment"] = [segment_name(a, b, c) for a, b, c in zip(r, f, m, strict=True)]
    return out


def _score_sql(column: str, higher_is_better: bool) -> str:
    # quintile_scores in SQL: rank with ties at their lowest rank, among buyers with a value; the same
    # floating-point steps ((rank - 0.5) / n, times 5, ceiling, clipped to 1-5) so scores match exactly.
    valid = f"(buyer AND {column} IS NOT NULL)"
    order = "" if higher_is_better else " DESC"
    rank = f"rank() OVER (PARTITION BY {valid} ORDER BY {column}{order})"
    n = f"sum(CASE WHEN {valid} THEN 1 ELSE 0 END) OVER ()"
    return (f"CASE WHEN {valid} THEN CAST(least(greatest(ceil((CAST({rank} AS DOUBLE) - 0.5) / {n} * 5), 1), 5)"
            " AS INTEGER) END")


def rfm_sql(features_table: str = "member_features") -> str:
    """:func:`rfm_table` as one portable SQL query over a features table (DuckDB dialect; the scaleout
    package runs the same text on Spark): ``member_id, r_score, f_score, m_score, rfm_score, rfm_segment``."""
    if not features_table.replace("_", "").isalnum():
        raise ValueError(f"bad table name {features_table!r}")
    grid = " ".join(f"WHEN r_score = {r} AND fm = {fm} THEN '{name.replace(chr(39), chr(39) * 2)}'"
                    for r, row in SEGMENT_GRID.items() for fm, name in enumerate(row, start=1))
    no_purchase = NO_PURCHASE.replace("'", "''")
    return f"""
WITH f AS (SELECT member_id, recency_days, frequency, monetary, coalesce(frequency, 0) > 0 AS buyer
           FROM {features_table}),
s AS (SELECT member_id, buyer, {_score_sql("recency_days", False)} AS r_score,
             {_score_sql("frequency", True)} AS f_score, {_score_sql("monetary", True)} AS m_score
      FROM f),
g AS (SELECT *, CAST(floor((f_score + m_score + 1) / 2) AS INTEGER) AS fm FROM s)
SELECT member_id, r_score, f_score, m_score,
       CASE WHEN buyer THEN CAST(r_score AS VARCHAR) || CAST(f_score AS VARCHAR) || CAST(m_score AS VARCHAR)
       END AS rfm_score,
       CASE WHEN NOT buyer THEN '{no_purchase}' {grid} END AS rfm_segment
FROM g
ORDER BY member_id
"""


def describe_segment(name: str) -> tuple[str, str]:
    """(description, suggested action) of a named segment."""
    return SEGMENT_DESCRIPTIONS.get(name, ("", ""))
