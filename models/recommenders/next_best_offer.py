"""Next-best offer for a segment: which category and products to promote, what bundle, what incentive.

Structured data for the campaign writer (``agent.campaigns``) to word; nothing here is prose
meant to be sent as is. The audience is a saved segment (``segments`` package), an RFM segment
(by name; saved names are looked up first) or an explicit list of member ids.

* **Category and products**: the hybrid's top-``list_size`` recommendations for (a deterministic
  sample of) the segment's members are pooled - using the hybrid's personal signals only (its
  popularity components left out, or every segment would be offered the shop's best sellers) - and
  the category with the largest ``share x (share / share among all members)`` is promoted (often
  recommended to the segment, and more so than to everyone), with its most-recommended products.
* **Bundle**: the strongest association rule from one of the segment's most-bought products to a
  product of that category (highest lift among rules with at least ``min_bundle_confidence``).
* **Incentive**: from the segment's price sensitivity - how much more (or less) often it buys on
  discount than the shop (lines paid at least 3% under list price) and how its prices paid compare
  with its categories' median list prices - mapped to none / low / medium / high, then adjusted by
  segment policy: best customers get rewards rather than discounts (capped at *low*); lapsing and
  new segments get at least *low*.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from memberinsight.errors import DataValidationError
from memberinsight.models.recommenders.groups import audience_members

LEVELS: tuple[tuple[str, int], ...] = (("none", 0), ("low", 10), ("medium", 15), ("high", 20))
CAP_LOW = frozenset({"champions", "loyal"})
FLOOR_LOW = frozenset({"at risk", "can't lose them", "hibernating", "lost", "about to sleep", "new", "promising"})
DISCOUNT_GAP = 0.97
POPULARITY_SIGNALS = frozenset({"popularity", "segment_popularity"})


@dataclass(frozen=True)
class OfferProduct:
    """A product to feature: how many sampled members had it in their recommendations, and why."""

    product_id: str
    title: str
    category: str
    price: float | None
    members_recommended: int
    share: float
    reason: str


@dataclass(frozen=True)
class BundleOffer:
    """"Bought together" pair to promote: members who buy ``antecedent`` often add ``consequent``."""

    antecedent_id: str
    antecedent_title: str
    consequent_id: str
    consequent_title: str
    confidence: float
    lift: float
    support: float
    baskets: int


@dataclass(frozen=True)
class Incentive:
    """Incentive level from the segment's price sensitivity (0 = indifferent, 1 = very sensitive)."""

    level: str
    discount_pct: int
    price_sensitivity: float
    discount_share: float
    shop_discount_share: float
    price_index: float
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class NextBestOffer:
    """What to promote to a segment, with the evidence behind each choice."""

    segment: str
    members: int
    members_sampled: int
    category: str
    category_share: float
    """Share of the pooled recommendations that fall in ``category``."""
    category_index: float
    """``category_share`` divided by the same share over a sample of all members."""
    category_purchase_share: float
    """Share of the segment's purchase lines in ``category`` so far."""
    category_reason: str
    products: tuple[OfferProduct, ...]
    bundle: BundleOffer | None
    incentive: Incentive
    summary: str


def next_best_offer(ws: Any, segment: str | None = None, member_ids: Sequence[str] | None = None,
                    model: Any = None, n_products: int = 5, list_size: int = 20, sample: int = 1000,
                    min_bundle_confidence: float = 0.1) -> NextBestOffer:
    """The next-best offer for a ``segment`` - a saved segment's name or an RFM segment's - or for
    explicit ``member_ids``, from the built models."""
    from memberinsight.models.recommenders.build import load_recommender

    if (segment is None) == (member_ids is None):
        raise DataValidationError("give a segment name or member ids (not both)", column="segment")
    if segment is not None:
        label, members = audience_members(ws, segment)
    else:
        members = sorted({str(m) for m in member_ids or ()})
        label = f"{len(members)} selected members"
    if not members:
        raise DataValidationError("the audience has no members", column="member_ids")
    hybrid = model if model is not None else load_recommender(ws)
    inter = hybrid.interactions_
    step = max(1, len(members) // sample)
    picked = members[::step][:sample]
    personal = _personal(hybrid)
    counts = Counter(p for recs in personal.recommend_many(picked, list_size).values() for p in recs)
    if not counts:
        raise DataValidationError("no recommendations for this audience", column="member_ids")
    seg_share = _category_shares(inter, counts)
    everyone = inter.member_ids[:: max(1, inter.n_members // sample)][:sample]
    shop_share = _category_shares(inter, Counter(
        p for recs in personal.recommend_many(everyone, list_size).values() for p in recs))
    index = {c: v / shop_share[c] if shop_share.get(c) else 1.0 for c, v in seg_share.items()}
    category = max(sorted(seg_share), key=lambda c: seg_share[c] * index[c])
    lines = _segment_lines(ws, members)
    bought = lines[~lines["is_return"].astype(bool) & (lines["quantity"] > 0)]
    cat_of = dict(zip(inter.product_ids, (inter.category(i) for i in range(inter.n_products)), strict=True))
    purchase_share = float(bought["product_id"].map(cat_of).eq(category).mean()) if len(bought) else 0.0
    in_cat = sorted((p for p in counts if cat_of.get(p) == category), key=lambda p: (-counts[p], p))[:n_products]
    products = tuple(_product(inter, p, counts[p], len(picked)) for p in in_cat)
    bundle = _bundle(hybrid, bought, category, min_bundle_confidence)
    incentive = _incentive(ws, lines, label)
    share = seg_share[category]
    reason = (f"{share:.0%} of the products recommended to the segment's members are {category}, "
              f"{index[category]:.1f}x the share for all members (it is {purchase_share:.0%} of what the "
              "segment bought so far)")
    summary = (f"Promote {category} to {label} ({len(members)} members)"
               + (f", featuring {', '.join(p.title for p in products[:3])}" if products else "")
               + (f"; bundle {bundle.antecedent_title} with {bundle.consequent_title}" if bundle else "")
               + f"; incentive: {incentive.level}"
               + (f" ({incentive.discount_pct}% off)" if incentive.discount_pct else "") + ".")
    return NextBestOffer(segment=label, members=len(members), members_sampled=len(picked), category=category,
                         category_share=round(share, 4), category_index=round(index[category], 3), category_purchase_share=round(purchase_share, 4),
                         category_reason=reason, products=products, bundle=bundle, incentive=incentive,
                         summary=summary)


def _category_shares(inter: Any, counts: Counter[str]) -> dict[str, float]:
    by_cat: Counter[str] = Counter()
    for pid, n in counts.items():
        by_cat[inter.category(inter.col_of(pid))] += n
    total = sum(by_cat.values()) or 1
    return {c: n / total for c, n in by_cat.items()}


def _personal(hybrid: Any) -> Any:
    """The hybrid without its popularity signals (so that segments differ by what their members like)."""
    from memberinsight.models.recommenders.hybrid import HybridRecommender

    weights = {n: w for n, w in hybrid.weights_.items() if n not in POPULARITY_SIGNALS}
    if not weights or weights == hybrid.weights_:
        return hybrid
    # no reserved new-product slots: the offer follows what the segment's members already like
    return HybridRecommender(hybrid.components, weights, hybrid.normalisation,
                             new_product_slots=0).fit(hybrid.interactions_)


def _product(inter: Any, pid: str, n: int, sampled: int) -> OfferProduct:
    col = inter.col_of(pid)
    price = inter.catalogue["price"].iloc[col]
    return OfferProduct(product_id=pid, title=inter.title(col), category=inter.category(col),
                        price=None if price is None or price != price else float(price), members_recommended=n,
                        share=round(n / sampled, 4),
                        reason=f"in the top recommendations of {n} of {sampled} sampled members")


def _segment_lines(ws: Any, members: list[str]) -> Any:
    import pandas as pd

    with ws.analytics(read_only=True) as con:
        con.register("_audience", pd.DataFrame({"member_id": members}))
        return con.execute(
            "SELECT o.member_id, o.product_id, o.quantity, o.unit_price, p.price AS list_price, "
            "coalesce(p.category, 'Uncategorised') AS category, coalesce(o.is_return, o.quantity < 0) AS is_return "
            "FROM clean_orders o JOIN _audience a USING (member_id) JOIN products p USING (product_id) "
            "WHERE coalesce(p.is_product, TRUE)").df()


def _bundle(hybrid: Any, bought: Any, category: str, min_confidence: float) -> BundleOffer | None:
    if "rules" not in hybrid.components or bought.empty:
        return None
    rules = hybrid.components["rules"].rules_model_
    top = bought["product_id"].value_counts().head(20).index.tolist()
    best = None
    for pid in top:
        if pid not in rules.titles_:
            continue
        for r in rules.bought_together(pid, k=20):
            if rules.categories_.get(r.consequents[0]) != category or r.confidence < min_confidence:
                continue
            if best is None or (r.lift, r.confidence) > (best.lift, best.confidence):
                best = r
    if best is None:
        return None
    return BundleOffer(antecedent_id=best.antecedents[0], antecedent_title=best.antecedent_titles[0],
                       consequent_id=best.consequents[0], consequent_title=best.consequent_titles[0],
                       confidence=round(best.confidence, 4), lift=round(best.lift, 3), support=round(best.support, 5),
                       baskets=best.baskets)


def _shop_discount_share(ws: Any) -> tuple[float, dict[str, float]]:
    with ws.analytics(read_only=True) as con:
        share = con.execute(
            f"SELECT avg(CASE WHEN o.unit_price < {DISCOUNT_GAP} * p.price THEN 1.0 ELSE 0.0 END) "
            "FROM clean_orders o JOIN products p USING (product_id) WHERE o.member_id IS NOT NULL AND o.quantity > 0 "
            "AND NOT coalesce(o.is_return, FALSE) AND p.price > 0 AND coalesce(p.is_product, TRUE)").fetchone()[0]
        medians = con.execute("SELECT coalesce(category, 'Uncategorised'), median(price) FROM products "
                              "WHERE price > 0 AND coalesce(is_product, TRUE) GROUP BY 1").fetchall()
    return float(share or 0.0), {c: float(m) for c, m in medians}


def _incentive(ws: Any, lines: Any, segment: str) -> Incentive:
    shop_share, medians = _shop_discount_share(ws)
    buys = lines[~lines["is_return"].astype(bool) & (lines["quantity"] > 0) & (lines["list_price"] > 0)]
    evidence: list[str] = []
    if buys.empty:
        sensitivity, seg_share, index = 0.5, 0.0, 1.0
        evidence.append("no purchases with a list price yet: medium sensitivity assumed")
    else:
        seg_share = float((buys["unit_price"] < DISCOUNT_GAP * buys["list_price"]).mean())
        ratio = seg_share / shop_share if shop_share > 0 else 1.0
        index = float(np.mean(buys["unit_price"] / buys["category"].map(medians).fillna(buys["list_price"])))
        s_discount = float(np.clip((ratio - 0.5) / 1.5, 0.0, 1.0))
        s_price = float(np.clip(1.5 - index, 0.0, 1.0))
        sensitivity = (s_discount + s_price) / 2
        evidence.append(f"{seg_share:.0%} of the segment's purchase lines were bought on discount "
                        f"(shop: {shop_share:.0%})")
        evidence.append(f"prices paid average {index:.2f}x their categories' median list price")
    level = 0 if sensitivity < 0.3 else 1 if sensitivity < 0.45 else 2 if sensitivity < 0.6 else 3
    key = segment.strip().lower()
    if key in CAP_LOW and level > 1:
        level = 1
        evidence.append(f"{segment}: capped at a small incentive (reward, do not train them to wait for discounts)")
    elif key in FLOOR_LOW and level < 1:
        level = 1
        evidence.append(f"{segment}: at least a small incentive to prompt the next order")
    name, pct = LEVELS[level]
    return Incentive(level=name, discount_pct=pct, price_sensitivity=round(sensitivity, 3),
                     discount_share=round(seg_share, 4), shop_discount_share=round(shop_share, 4),
                     price_index=round(index, 3), evidence=tuple(evidence))
