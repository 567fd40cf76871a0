"""Content-based recommendations for a member or a group of members, with a reason per item."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Unpack

import numpy as np
import pandas as pd

from memberinsight.config import Settings, load_settings
from memberinsight.errors import DataValidationError, NotFoundError
from memberinsight.retrieval.build import PRODUCTS
from memberinsight.retrieval.recommender import ContentParams, ContentRecommender, Scored
from memberinsight.retrieval.search import index_and_embedder
from memberinsight.retrieval.texts import load_products


@dataclass(frozen=True)
class Recommendation:
    """A recommended product, its similarity to the taste vector, and a human-readable reason."""

    product_id: str
    title: str
    category: str
    price: float | None
    score: float
    reason: str
    because_product_id: str | None = None
    because_date: str | None = None


def load_purchases(ws, member_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Order lines with a member: member_id, product_id, ordered_at, quantity, is_return."""
    sql = ("SELECT member_id, product_id, ordered_at, quantity, coalesce(is_return, quantity < 0) AS is_return "
           "FROM clean_orders WHERE member_id IS NOT NULL")
    return _query(ws, sql, member_ids)


def load_ratings(ws, member_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Member reviews: member_id, product_id, rating, created_at."""
    sql = "SELECT member_id, product_id, rating, created_at FROM reviews WHERE member_id IS NOT NULL"
    return _query(ws, sql, member_ids)


def _query(ws, sql: str, member_ids: Sequence[str] | None) -> pd.DataFrame:
    with ws.analytics(read_only=True) as con:
        if member_ids is None:
            return con.execute(sql).df()
        con.register("wanted_members", pd.DataFrame({"member_id": [str(m) for m in member_ids]}))
        return con.execute(sql + " AND member_id IN (SELECT member_id FROM wanted_members)").df()


def _popularity(ws, as_of: datetime | None) -> pd.Series:
    sql = ("SELECT product_id, count(DISTINCT member_id) AS n FROM clean_orders WHERE member_id IS NOT NULL "
           "AND NOT coalesce(is_return, quantity < 0)")
    params: list[object] = []
    if as_of is not None:
        sql += " AND ordered_at < ?"
        params.append(as_of)
    with ws.analytics(read_only=True) as con:
        df = con.execute(sql + " GROUP BY product_id", params).df()
    return df.set_index("product_id")["n"]


def fit_content_recommender(ws, settings: Settings | None = None, member_ids: Sequence[str] | None = None,
                            as_of: datetime | None = None, **params: Unpack[ContentParams]) -> ContentRecommender:
    """A :class:`ContentRecommender` fitted on the workspace (all members, or only ``member_ids``)."""
    settings = settings or load_settings()
    index, _ = index_and_embedder(ws, PRODUCTS, settings)
    product_ids, vectors = index.all_vectors()
    if as_of is None:
        with ws.analytics(read_only=True) as con:
            latest = con.execute("SELECT max(ordered_at) FROM clean_orders").fetchone()[0]
        as_of = pd.Timestamp(latest) + pd.Timedelta(seconds=1) if latest is not None else None
    return ContentRecommender(**params).fit(
        product_ids, vectors, load_purchases(ws, member_ids), load_ratings(ws, member_ids), as_of=as_of,
        popularity=_popularity(ws, as_of))


def _describe(ws, scored: list[Scored], reason_for) -> list[Recommendation]:
    products = load_products(ws).set_index("product_id")
    out = []
    for s in scored:
        row = products.loc[s.product_id]
        date = s.because_at.date().isoformat() if s.because_at is not None else None
        because_title = str(products.at[s.because_product_id, "title"]) if s.because_product_id in products.index else None
        out.append(Recommendation(
            product_id=s.product_id, title=str(row["title"]), category=str(row["category"]),
            price=None if pd.isna(row["price"]) else float(row["price"]), score=s.score,
            reason=reason_for(s, because_title, date), because_product_id=s.because_product_id, because_date=date))
    return out


def _member_exists(ws, member_id: str) -> bool:
    with ws.analytics(read_only=True) as con:
        return con.execute("SELECT 1 FROM members WHERE member_id = ?", [member_id]).fetchone() is not None


def recommend_for_member(ws, member_id: str, k: int = 10, settings: Settings | None = None,
                         diversify: bool = True) -> list[Recommendation]:
    """``k`` products the member has not bought, closest to their taste, each with a reason."""
    if k <= 0:
        raise DataValidationError(f"k must be positive, got {k}", column="k")
    member_id = str(member_id)
    if not _member_exists(ws, member_id):
        raise NotFoundError(f"member '{member_id}' does not exist")
    model = fit_content_recommender(ws, settings, member_ids=[member_id])

    def reason(s: Scored, title: str | None, date: str | None) -> str:
        if title is None:
            return "popular with members (no purchase history to compare with yet)"
        return f"similar to {title} you bought on {date}" if date else f"similar to {title} you rated highly"

    return _describe(ws, model.recommend(member_id, k, diversify=diversify), reason)


def recommend_for_segment(ws, member_ids: Sequence[str], k: int = 10, settings: Settings | None = None,
                          exclude_bought: bool = False) -> list[Recommendation]:
    """``k`` products matching a group's shared taste: the group is ``member_ids`` (a named segment's members
    come from ``segments.resolve_segment_members`` in the caller)."""
    if isinstance(member_ids, str):
        raise DataValidationError("give member ids (resolve a segment name with segments.resolve_segment_members)",
                                  column="member_ids")
    members = [str(m) for m in member_ids]
    if not members:
        raise DataValidationError("the segment has no members", column="member_ids")
    model = fit_content_recommender(ws, settings, member_ids=members)
    buyers = (model.weights_ > 0).sum(axis=0).A1 if hasattr(model, "weights_") else np.zeros(0)

    def reason(s: Scored, title: str | None, date: str | None) -> str:
        if title is None or s.because_product_id is None:
            return "matches the segment's taste"
        n = int(buyers[model.position_[s.because_product_id]])
        return f"similar to {title}, bought by {n} member{'s' if n != 1 else ''} of this segment"

    return _describe(ws, model.recommend_segment(members, k, exclude_bought=exclude_bought), reason)
