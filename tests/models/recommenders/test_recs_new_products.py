"""New products (no sales yet) stay reachable through content similarity whatever the blend weights:
the hybrid reserves its last slot for the member's closest new product."""

from __future__ import annotations

import pandas as pd
import pytest


def _twin_setup(rec_data, rec_inter, rec_side, vectors_of):
    """A member with one purchase, and a new product with that purchase's text but no sales."""
    from memberinsight.models.recommenders.interactions import build_interactions
    from memberinsight.models.recommenders.selection import fit_model

    lines, catalogue, _, _ = rec_data
    one = [m for m in rec_inter.member_ids if len(rec_inter.bought_items(rec_inter.row_of(m))) == 1][0]
    bought = rec_inter.product_ids[rec_inter.bought_items(rec_inter.row_of(one))[0]]
    twin = catalogue[catalogue["product_id"] == bought].assign(product_id="PNEW-1")
    catalogue = pd.concat([catalogue, twin], ignore_index=True)
    inter = build_interactions(lines, catalogue)
    side = {**rec_side, "vectors": vectors_of(catalogue)}
    comps = {n: fit_model(n, {}, inter, side) for n in ("popularity", "item_knn", "als", "content")}
    return one, bought, inter, side, comps


def test_new_product_is_reachable_when_content_has_weight_zero(rec_data, rec_inter, rec_side, vectors_of):
    from memberinsight.models.recommenders.hybrid import HybridRecommender

    one, bought, inter, side, comps = _twin_setup(rec_data, rec_inter, rec_side, vectors_of)
    weights = {"popularity": 1.0, "item_knn": 1.0, "als": 1.0, "content": 0.0}  # tuning dropped content
    hybrid = HybridRecommender(comps, weights).fit(inter, **side)
    assert "content" not in hybrid.weights_ and inter.col_of("PNEW-1") in hybrid.new_items_
    recs = hybrid.recommend(one, k=10)
    assert len(recs) == 10 and recs[-1].product_id == "PNEW-1"  # the reserved last slot
    new = recs[-1]
    assert new.signal == "content" and new.because_product_id == bought
    assert "new in the shop, no sales yet" in new.reason and bought in new.reason
    assert hybrid.recommend_many([one], k=10)[one] == [r.product_id for r in recs]
    # the other nine are the blend's own top nine, in order
    plain = HybridRecommender(comps, weights, new_product_slots=0).fit(inter, **side)
    top = [r.product_id for r in plain.recommend(one, k=10)]
    assert "PNEW-1" not in top  # without the reserved slot the new product is unreachable
    assert [r.product_id for r in recs[:9]] == top[:9]


def test_no_slot_for_a_member_with_nothing_similar_or_no_history(rec_data, rec_inter, rec_side, vectors_of,
                                                                 heavy_buyer, never_bought):
    from memberinsight.models.recommenders.hybrid import HybridRecommender

    one, _, inter, side, comps = _twin_setup(rec_data, rec_inter, rec_side, vectors_of)
    hybrid = HybridRecommender(comps, {"item_knn": 1.0}, new_product_min_similarity=1.01).fit(inter, **side)
    assert "PNEW-1" not in [r.product_id for r in hybrid.recommend(one, k=10)]  # nothing close enough
    hybrid = HybridRecommender(comps, {"item_knn": 1.0}).fit(inter, **side)
    assert all(r.product_id != "PNEW-1" for r in hybrid.recommend(never_bought, k=10))  # cold: group popularity
    matches = hybrid.new_product_matches(inter.row_of(heavy_buyer))
    sims = [m[2] for m in matches]
    assert sims == sorted(sims, reverse=True) and all(s >= hybrid.new_product_min_similarity for s in sims)


@pytest.mark.slow
def test_new_product_is_reachable_in_the_built_hybrid(workspace_copy):
    """On a real build: product index, tuned weights, saved model - with and without content weight."""
    from memberinsight.config import load_settings
    from memberinsight.models.recommenders import HybridRecommender, build_recommenders, recommend_products
    from memberinsight.models.recommenders.build import load_recommender
    from memberinsight.retrieval import build_indexes

    ws = workspace_copy
    with ws.analytics(read_only=True) as con:
        member, bought = con.execute(
            "SELECT member_id, min(product_id) FROM orders WHERE member_id IS NOT NULL AND NOT is_return "
            "GROUP BY member_id HAVING count(DISTINCT product_id) = 1 ORDER BY member_id LIMIT 1").fetchone()
    with ws.analytics() as con:
        con.execute("INSERT INTO products SELECT * REPLACE ('PNEW-1' AS product_id) FROM products "
                    "WHERE product_id = ?", [bought])
    build_indexes(ws, load_settings(workspace=ws.path), show_progress=False)
    build_recommenders(ws)
    hybrid = load_recommender(ws)
    assert "content" in hybrid.components and hybrid.interactions_.col_of("PNEW-1") in hybrid.new_items_
    recs = recommend_products(ws, member, k=10)
    new = [r for r in recs if r.product_id == "PNEW-1"]
    assert new and new[0].signal == "content" and new[0].because_product_id == bought
    # and when the blend gives content no weight at all (the built components, content dropped)
    weights = {n: w for n, w in hybrid.weights_.items() if n != "content"} or {"popularity": 1.0}
    dropped = HybridRecommender(hybrid.components, weights, hybrid.normalisation).fit(hybrid.interactions_)
    assert "content" not in dropped.weights_
    ids = [r.product_id for r in dropped.recommend(member, k=10)]
    assert ids[-1] == "PNEW-1"
