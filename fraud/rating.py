"""The adjusted product rating: the rating once suspicious reviews and flagged accounts' reviews are set aside.

A review is set aside (first reason wins) when it was removed in the review queue; when the
screening model scored it at least :data:`SUSPICIOUS_REVIEW_RISK` and no operator approved it; when
its author is an account confirmed as fraud, or pending / escalated in the fraud queue with a risk of at
least :data:`FLAGGED_ACCOUNT_RISK` (cleared accounts count as genuine); or when it belongs to a
brushing burst of the latest scan. The report card (after ReviewMeta's) checks the product's reviews
for unverified purchases, new accounts, bursts in time, suspicious reviews, flagged accounts, brushing
and the size of the adjustment, each as pass / warn / fail.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from memberinsight.errors import NotFoundError
from memberinsight.fraud.queue import ensure_tables

SUSPICIOUS_REVIEW_RISK = 0.7
FLAGGED_ACCOUNT_RISK = 0.7
NEW_ACCOUNT_DAYS = 30
REASONS = {
    "removed": "removed as fake in the review queue",
    "suspicious": f"screening risk at least {SUSPICIOUS_REVIEW_RISK}",
    "flagged_account": "written by an account flagged for fraud",
    "brushing": "part of a brushing burst",
}


@dataclass
class AdjustedRating:
    """One product's raw and adjusted rating, what was set aside and why, and (for one product) its report card."""

    product_id: str
    title: str | None
    reviews: int
    rating: float | None
    adjusted_rating: float | None
    set_aside: int
    set_aside_by_reason: dict[str, int] = field(default_factory=dict)
    change: float | None = None
    report_card: list[dict[str, Any]] = field(default_factory=list)
    set_aside_reviews: list[dict[str, Any]] = field(default_factory=list)


def _operational(ws: Any) -> tuple[dict[str, str], dict[str, float], set[str], set[str]]:
    """(review queue status by review, screening risk by review, flagged accounts, brushing review ids)."""
    ensure_tables(ws)
    with ws.operations() as con:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        status = ({r[0]: r[1] for r in con.execute("SELECT review_id, status FROM screening_queue")}
                  if "screening_queue" in tables else {})
        risk = ({r[0]: float(r[1]) for r in con.execute("SELECT review_id, risk FROM screening_scores")}
                if "screening_scores" in tables else {})
        flagged = {r[0] for r in con.execute(
            "SELECT object_id FROM fraud_queue WHERE kind = 'account' AND (status = 'confirmed' OR "
            "(status IN ('pending', 'escalated') AND risk >= ?))", [FLAGGED_ACCOUNT_RISK])}
        brushing: set[str] = set()
        for (evidence,) in con.execute("SELECT evidence FROM fraud_findings WHERE kind = 'burst'"):
            brushing.update(json.loads(evidence).get("review_ids", []))
    return status, risk, flagged, brushing


def _reviews(ws: Any, product_id: str | None = None) -> pd.DataFrame:
    where, args = ("WHERE r.product_id = ?", [product_id]) if product_id else ("", [])
    with ws.analytics(read_only=True) as con:
        return con.execute(f"""
            SELECT r.review_id, r.product_id, r.member_id, r.rating, r.created_at, r.verified_purchase,
                   date_diff('day', coalesce(CAST(m.signup_date AS TIMESTAMP), r.created_at), r.created_at) AS age
            FROM reviews r LEFT JOIN members m USING (member_id) {where}
            ORDER BY r.product_id, r.created_at, r.review_id""", args).df()


def _set_aside(ws: Any, reviews: pd.DataFrame) -> pd.DataFrame:
    """Per review, one boolean column per key of :data:`REASONS` (every reason that applies)."""
    status, risk, flagged, brushing = _operational(ws)
    queue = reviews["review_id"].map(status)
    return pd.DataFrame({
        "removed": queue.eq("removed").to_numpy(),
        "suspicious": (reviews["review_id"].map(risk).fillna(0.0).ge(SUSPICIOUS_REVIEW_RISK)
                       & queue.ne("approved")).to_numpy(),
        "flagged_account": reviews["member_id"].isin(flagged).to_numpy(),
        "brushing": reviews["review_id"].isin(brushing).to_numpy(),
    }, index=reviews.index)


def _first_reason(flags: pd.DataFrame) -> pd.Series:
    """The first applying reason per review (in :data:`REASONS` order), None when the review is kept."""
    out = pd.Series([None] * len(flags), index=flags.index, dtype=object)
    for key in reversed(list(REASONS)):
        out[flags[key].to_numpy()] = key
    return out


def _summary(product_id: str, title: str | None, rows: pd.DataFrame, why: pd.Series) -> AdjustedRating:
    kept = rows.loc[why.isna(), "rating"]
    raw = round(float(rows["rating"].mean()), 2) if len(rows) else None
    adjusted = round(float(kept.mean()), 2) if len(kept) else None
    counts = why.dropna().value_counts()
    return AdjustedRating(
        product_id=product_id, title=title, reviews=len(rows), rating=raw, adjusted_rating=adjusted,
        set_aside=int(why.notna().sum()), set_aside_by_reason={REASONS[k]: int(v) for k, v in counts.items()},
        change=round(adjusted - raw, 2) if raw is not None and adjusted is not None else None)


def _check(name: str, value: float, warn: float, fail: float, text: str) -> dict[str, Any]:
    grade = "fail" if value >= fail else "warn" if value >= warn else "pass"
    return {"check": name, "grade": grade, "value": round(float(value), 3), "text": text}


def report_card(rows: pd.DataFrame, flags: pd.DataFrame, adjusted: AdjustedRating) -> list[dict[str, Any]]:
    """The product's checks, each graded pass / warn / fail with the figure behind it."""
    n = max(len(rows), 1)
    unverified = float((~rows["verified_purchase"].fillna(False).astype(bool)).sum()) / n
    new = float((rows["age"].fillna(9999) <= NEW_ACCOUNT_DAYS).sum()) / n
    times = pd.to_datetime(rows["created_at"]).sort_values().to_numpy()
    ends = np.searchsorted(times, times + np.timedelta64(7, "D"), side="left")
    week = int((ends - np.arange(len(times))).max()) if len(times) else 0
    burst = week / n if len(rows) >= 5 else 0.0
    share = {k: float(flags[k].sum()) / n for k in REASONS}
    suspicious = float((flags["suspicious"] | flags["removed"]).sum()) / n
    everything = adjusted.adjusted_rating is None and adjusted.set_aside > 0
    gap = 5.0 if everything else abs(adjusted.change or 0.0)
    return [
        _check("unverified", unverified, 0.2, 0.4, f"{unverified:.0%} of reviews are not verified purchases"),
        _check("new_accounts", new, 0.25, 0.5, f"{new:.0%} of reviews come from accounts under {NEW_ACCOUNT_DAYS} "
                                               "days old"),
        _check("burst", burst, 0.3, 0.5, f"at most {week} of {len(rows)} reviews within one week"),
        _check("suspicious", suspicious, 0.1, 0.25,
               f"{suspicious:.0%} of reviews suspicious or removed in the review queue"),
        _check("flagged_accounts", share["flagged_account"], 0.05, 0.15,
               f"{share['flagged_account']:.0%} of reviews from accounts flagged for fraud"),
        _check("brushing", share["brushing"], 0.01, 0.1, f"{share['brushing']:.0%} of reviews from a brushing burst"),
        _check("adjustment", gap, 0.3, 0.6, "every review is set aside: no rating is left" if everything
               else f"setting reviews aside moves the rating by {gap:.2f} stars"),
    ]


def product_rating(ws: Any, product_id: str) -> AdjustedRating:
    """One product's adjusted rating with its report card and the reviews set aside (ids and reasons)."""
    with ws.analytics(read_only=True) as con:
        found = con.execute("SELECT title FROM products WHERE product_id = ?", [product_id]).fetchone()
    if found is None:
        raise NotFoundError(f"product {product_id!r} does not exist")
    rows = _reviews(ws, product_id)
    flags = _set_aside(ws, rows)
    why = _first_reason(flags)
    result = _summary(product_id, found[0], rows, why)
    result.report_card = report_card(rows, flags, result)
    result.set_aside_reviews = [{"review_id": r, "member_id": m, "rating": int(s), "reason": REASONS[w]}
                                for r, m, s, w in zip(rows["review_id"], rows["member_id"], rows["rating"], why,
                                                      strict=True) if isinstance(w, str)]
    return result


def rating_movers(ws: Any, limit: int = 10, min_reviews: int = 3) -> list[AdjustedRating]:
    """Products whose rating moves most once reviews are set aside (at least ``min_reviews`` reviews)."""
    rows = _reviews(ws)
    if rows.empty:
        return []
    why = _first_reason(_set_aside(ws, rows))
    with ws.analytics(read_only=True) as con:
        titles = dict(con.execute("SELECT product_id, title FROM products").fetchall())
    out = [_summary(str(pid), titles.get(pid), part, why.loc[part.index])
           for pid, part in rows.groupby("product_id", sort=True) if len(part) >= min_reviews]
    moved = [r for r in out if r.set_aside]
    moved.sort(key=lambda r: (-abs(r.change) if r.change is not None else -9.0, r.product_id))
    return moved[:limit]
