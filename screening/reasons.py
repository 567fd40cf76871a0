"""Plain-words reasons with evidence for a review's risk.

Each reason is a dict ``{"code", "text", "weight", "evidence"}``. Evidence names reviews, products
and *member ids* only (never names, emails or phones). Reasons describe signals; they never quote
instructions from the review text, and nothing in them feeds back into a decision.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memberinsight.screening.signals.behaviour import WINDOW_DAYS, YOUNG_DAYS


def _fmt(x: float, digits: int = 2) -> float:
    return round(float(x), digits)


def build_reasons(sig: dict[str, Any], neighbours: list[dict[str, Any]], contributions: dict[str, float] | None,
                  rules_fired: list[str]) -> list[dict[str, Any]]:
    """Reasons for one review, strongest first.

    ``sig`` holds the review's signal values (see :data:`screening.risk.FEATURES` plus ``product_id``,
    ``best_other_product``, ``text_prob``); ``neighbours`` its near duplicates by other accounts
    (review_id, member_id, product_id, similarity); ``contributions`` the risk model's per-feature
    log-odds contributions (None under the rule fallback) and ``rules_fired`` the fallback rules that fired.
    """
    contrib = contributions or {}
    fired = set(rules_fired)

    def weight(*features: str, rule: str | None = None) -> float:
        if contributions is not None:
            return _fmt(sum(max(contrib.get(f, 0.0), 0.0) for f in features), 3)
        return 1.0 if rule in fired else 0.0

    out: list[dict[str, Any]] = []
    accounts = sorted({n["member_id"] or "(anonymous)" for n in neighbours})
    products = sorted({n["product_id"] for n in neighbours if n["product_id"] != sig.get("product_id")})
    if neighbours and (sig["dup_cross_product"] >= 1 or sig["ring_accounts"] >= 3):
        where = f" on {len(products)} other product(s)" if products else " on the same product"
        out.append({
            "code": "near_duplicate_ring",
            "text": (f"Near-identical text posted by {len(accounts)} other account(s){where}; the ring has "
                     f"{int(sig['ring_accounts'])} accounts across {int(sig['ring_products'])} product(s)."),
            "weight": weight("dup_max_sim", "dup_accounts", "dup_cross_product", "ring_accounts", "ring_products",
                             rule="ring" if "ring" in fired else "ring_one_product"),
            "evidence": {"near_duplicates": neighbours, "member_ids": accounts,
                         "ring_accounts": int(sig["ring_accounts"]), "ring_products": int(sig["ring_products"])},
        })
    if sig["burst_count"] >= 3 and sig["burst_ratio"] >= 2:
        young = int(sig["burst_young"])
        out.append({
            "code": "burst",
            "text": (f"One of {int(sig['burst_count']) + 1} reviews of this product within {WINDOW_DAYS:g} days "
                     f"({_fmt(sig['burst_ratio'], 1)}x its normal rate); {young} came from accounts at most "
                     f"{YOUNG_DAYS:g} days old."),
            "weight": weight("burst_count", "burst_ratio", "burst_young", rule="young_burst" if "young_burst" in fired
                             else "burst"),
            "evidence": {"reviews_in_window": int(sig["burst_count"]) + 1, "young_accounts_in_window": young,
                         "rate_ratio": _fmt(sig["burst_ratio"], 2), "window_days": WINDOW_DAYS},
        })
    if sig["mismatch_gap"] >= 0.1 or sig["mismatch_z"] <= -2:
        out.append({
            "code": "text_product_mismatch",
            "text": (f"The text matches product {sig.get('best_other_product') or 'of another category'} better than "
                     f"the reviewed product (similarity to own product {_fmt(sig['own_sim'])}, "
                     f"{_fmt(sig['mismatch_z'], 1)} standard deviations from this product's other reviews)."),
            "weight": weight("mismatch_gap", "mismatch_z", "own_sim", "peer_sim", rule="mismatch"),
            "evidence": {"own_product_similarity": _fmt(sig["own_sim"], 3),
                         "best_other_product": sig.get("best_other_product"),
                         "gap": _fmt(sig["mismatch_gap"], 3), "z_vs_product_reviews": _fmt(sig["mismatch_z"], 2),
                         "similarity_to_other_reviews": _fmt(sig["peer_sim"], 3)},
        })
    if sig["account_age_days"] <= YOUNG_DAYS:
        out.append({
            "code": "new_account",
            "text": f"The account was {int(sig['account_age_days'])} day(s) old when it posted.",
            "weight": weight("account_age_days", rule="young_burst"),
            "evidence": {"account_age_days": _fmt(sig["account_age_days"], 1)},
        })
    if sig["verified"] < 0.5:
        orders = int(sig["member_orders"])
        out.append({
            "code": "unverified",
            "text": "Not a verified purchase" + ("; the account has never ordered." if orders == 0
                                                  else f"; the account has {orders} order(s)."),
            "weight": weight("verified", "member_orders", rule="unverified_extreme"),
            "evidence": {"verified_purchase": False, "member_orders": orders},
        })
    if abs(sig["rating_deviation"]) >= 2:
        out.append({
            "code": "rating_deviation",
            "text": f"The rating is {_fmt(sig['rating_deviation'], 1):+} stars from the product's other reviews' mean.",
            "weight": weight("rating_deviation", "rating_extremity", "reviewer_extreme_share", rule="flood"),
            "evidence": {"rating_deviation": _fmt(sig["rating_deviation"], 2),
                         "reviewer_extreme_share": _fmt(sig["reviewer_extreme_share"], 2)},
        })
    if sig.get("text_prob") is not None and sig["text_prob"] >= 0.5:
        out.append({
            "code": "text_classifier",
            "text": f"The wording resembles reviews confirmed as fake (text score {_fmt(sig['text_prob'])}).",
            "weight": weight("text_logit"),
            "evidence": {"text_probability": _fmt(sig["text_prob"], 3)},
        })
    if sig.get("instructions", 0) >= 1:
        out.append({
            "code": "instructions",
            "text": (f"The text gives instructions to the screening system ({int(sig['instructions'])} sentence(s), "
                     "e.g. to approve it or change its risk). They are ignored; a person should check this review."),
            "weight": 1.0,
            "evidence": {"instruction_sentences": int(sig["instructions"])},
        })
    if sig["outlier"] >= 0.95:
        out.append({
            "code": "behaviour_outlier",
            "text": f"Behaviour is more unusual than {100 * float(sig['outlier']):.0f}% of reviews (isolation forest).",
            "weight": weight("outlier", rule="outlier"),
            "evidence": {"outlier_percentile": _fmt(sig["outlier"], 3)},
        })
    out.sort(key=lambda r: -r["weight"])
    return out


SIGNAL_LABELS: dict[str, str] = {
    "dup_max_sim": "text similarity to the closest other review",
    "dup_accounts": "other accounts with near-identical text",
    "dup_cross_product": "other accounts with near-identical text on other products",
    "ring_accounts": "accounts in its near-duplicate ring",
    "ring_products": "products in its near-duplicate ring",
    "own_sim": "text similarity to the reviewed product",
    "mismatch_gap": "how much better the text fits another product",
    "mismatch_z": "text fit to the product (standard deviations from its other reviews)",
    "peer_sim": "text similarity to the product's other reviews",
    "burst_count": "other reviews of the product within the burst window",
    "burst_ratio": "review rate against the product's normal rate (times)",
    "burst_young": "of those, reviews from new accounts",
    "account_age_days": "account age when posting (days)",
    "reviewer_volume": "reviews by the same account",
    "member_orders": "orders by the account",
    "verified": "verified purchase",
    "rating_deviation": "stars from the product's other reviews' mean",
    "rating_extremity": "how extreme the rating is (0 for 3 stars, 1 for 1 or 5)",
    "reviewer_extreme_share": "share of the account's reviews with 1 or 5 stars",
    "instructions": "sentences giving instructions to the screening",
    "outlier": "behaviour more unusual than this share of reviews",
    "text_prob": "wording score against reviews confirmed as fake",
    "rules_fired": "rules fired",
}
"""Stored signals (:func:`json_signals`) in words, for people reading a review's evidence."""


def json_signals(sig: dict[str, Any]) -> dict[str, Any]:
    """The numeric signal values of one review, rounded for storage."""
    out: dict[str, Any] = {}
    for k, v in sig.items():
        if isinstance(v, float | np.floating):
            out[k] = None if not np.isfinite(v) else round(float(v), 4)
        elif isinstance(v, np.integer | np.bool_):
            out[k] = v.item()
        else:
            out[k] = v
    return out
