"""Reading what screening needs from the workspace: reviews with their reviewer and product context,
and the training labels (planted demo labels + operator decisions)."""

from __future__ import annotations

import pandas as pd

from memberinsight.errors import DataValidationError

LABELS_FILE = ("labels", "review_labels.csv")

_REVIEWS_SQL = """
SELECT r.review_id, r.product_id, r.member_id, r.rating, r.text, r.created_at,
       coalesce(r.verified_purchase, false) AS verified_purchase,
       m.signup_date, p.category,
       coalesce(o.n_orders, 0) AS member_orders
FROM reviews r
LEFT JOIN members m USING (member_id)
LEFT JOIN products p USING (product_id)
LEFT JOIN (SELECT member_id, count(DISTINCT order_id) AS n_orders FROM orders
           WHERE member_id IS NOT NULL GROUP BY member_id) o USING (member_id)
ORDER BY r.created_at, r.review_id
"""


def load_review_frame(ws) -> pd.DataFrame:
    """Every review with rating, text, time, verified flag, the reviewer's signup date and order count,
    and the product category; sorted by time. Ids are strings, ``member_id`` may be missing."""
    with ws.analytics(read_only=True) as con:
        df = con.execute(_REVIEWS_SQL).df()
    for col in ("review_id", "product_id", "member_id", "text", "category"):
        df[col] = df[col].astype(object).where(df[col].notna(), None)
    df["text"] = df["text"].map(lambda t: "" if t is None else str(t))
    df["created_at"] = pd.to_datetime(df["created_at"])
    df["signup_date"] = pd.to_datetime(df["signup_date"])
    df["rating"] = df["rating"].astype(int)
    df["verified_purchase"] = df["verified_purchase"].astype(bool)
    df["member_orders"] = df["member_orders"].astype(int)
    return df.reset_index(drop=True)


def demo_labels(ws) -> dict[str, int]:
    """Planted labels copied in by ingest (``<workspace>/labels/review_labels.csv``); empty when absent."""
    path = ws.path.joinpath(*LABELS_FILE)
    if not path.is_file():
        return {}
    df = pd.read_csv(path, dtype={"review_id": str})
    for col in ("review_id", "is_fake"):
        if col not in df.columns:
            raise DataValidationError(f"missing column '{col}'", file=str(path), column=col)
    bad = ~df["is_fake"].astype(str).str.lower().isin(["0", "1", "true", "false"])
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0]) + 2
        raise DataValidationError("is_fake must be 0/1 or true/false", file=str(path), row=row, column="is_fake")
    values = df["is_fake"].astype(str).str.lower().isin(["1", "true"]).astype(int)
    return dict(zip(df["review_id"].astype(str), values.tolist(), strict=True))


def demo_label_frame(ws) -> pd.DataFrame | None:
    """The full planted-label file (review_id, is_fake, pattern, group_id) or None when absent."""
    path = ws.path.joinpath(*LABELS_FILE)
    if not path.is_file():
        return None
    df = pd.read_csv(path, dtype={"review_id": str, "group_id": str, "pattern": str}, keep_default_na=False)
    df["is_fake"] = df["is_fake"].astype(str).str.lower().isin(["1", "true"]).astype(int)
    return df


def training_labels(ws) -> dict[str, int]:
    """Labels for training: planted demo labels, overridden by operator decisions (removed=1, approved=0)."""
    from memberinsight.screening.queue import operator_labels

    labels = demo_labels(ws)
    labels.update(operator_labels(ws))
    return labels
