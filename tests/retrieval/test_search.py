"""Semantic product and review search on the demo shop."""

from __future__ import annotations

import pytest

from memberinsight.errors import DataValidationError, ModelNotReadyError, NotFoundError
from memberinsight.retrieval import search_products, search_reviews, similar_products
from memberinsight.workspace import Workspace

CATEGORY_QUERIES = {
    "Outdoor": "gear for camping and hiking in the mountains",
    "Garden": "tools for growing plants and vegetables in the garden",
    "Kitchen": "cookware and utensils for cooking dinner",
    "Home": "bedding, cushions and lamps for the home",
    "Toys": "toys and games for children to play with",
    "Electronics": "gadgets, chargers and wireless headphones",
    "Beauty": "skincare and makeup products",
    "Fashion": "clothes and accessories to wear",
    "Sports": "equipment for the gym and workouts",
    "Pets": "supplies for dogs and cats",
}


@pytest.mark.parametrize("category", sorted(CATEGORY_QUERIES))
def test_query_describing_a_category_returns_that_category(indexed_workspace, retrieval_settings, category):
    hits = search_products(indexed_workspace, CATEGORY_QUERIES[category], k=5, settings=retrieval_settings)
    assert len(hits) == 5
    assert hits[0].category == category
    assert sum(h.category == category for h in hits) >= 4, [h.title for h in hits]
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_specific_query_and_category_filter(indexed_workspace, retrieval_settings):
    hits = search_products(indexed_workspace, "waterproof hiking boots", k=3, settings=retrieval_settings)
    assert all("Hiking Boots" in h.title for h in hits)
    filtered = search_products(indexed_workspace, "waterproof hiking boots", k=5, settings=retrieval_settings,
                               category="kitchen")
    assert len(filtered) == 5 and {h.category for h in filtered} == {"Kitchen"}
    with pytest.raises(NotFoundError):
        search_products(indexed_workspace, "boots", settings=retrieval_settings, category="Spaceships")
    with pytest.raises(DataValidationError, match="query"):
        search_products(indexed_workspace, "   ", settings=retrieval_settings)


def test_similar_products_excludes_the_product_itself(indexed_workspace, retrieval_settings):
    anchor = search_products(indexed_workspace, "dog food", k=1, settings=retrieval_settings)[0]
    hits = similar_products(indexed_workspace, anchor.product_id, k=5, settings=retrieval_settings)
    assert anchor.product_id not in {h.product_id for h in hits}
    assert hits[0].category == anchor.category
    with pytest.raises(NotFoundError):
        similar_products(indexed_workspace, "NO-SUCH-PRODUCT", settings=retrieval_settings)


def test_review_search_links_reviews_to_products(indexed_workspace, retrieval_settings):
    hits = search_reviews(indexed_workspace, "fell apart after a few uses", k=5, settings=retrieval_settings)
    assert len(hits) == 5 and all(h.product_id.startswith("P") for h in hits)
    assert sum(h.rating <= 3 for h in hits) >= 4
    product = hits[0].product_id
    scoped = search_reviews(indexed_workspace, "great", k=50, settings=retrieval_settings, product_id=product)
    assert scoped and {h.product_id for h in scoped} == {product}


def test_search_before_build_says_what_to_do(tmp_path, retrieval_settings):
    ws = Workspace.create(tmp_path / "empty")
    with pytest.raises(ModelNotReadyError, match="memberinsight build"):
        search_products(ws, "boots", settings=retrieval_settings)
