"""Recommender fixtures: the demo shop's interactions and components fitted once per session.

Content tests use product vectors from TF-IDF + SVD of the product texts (real vectors of the
real catalogue, computed in a second) instead of the sentence-embedding index, which is the
retrieval package's to build and test.
"""

from __future__ import annotations

import numpy as np
import pytest


def text_vectors(catalogue, dim: int = 48) -> tuple[list[str], np.ndarray]:
    """Unit vectors of product title + description (TF-IDF, truncated SVD)."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = (catalogue["title"].fillna("") + " " + catalogue.get("description", catalogue["title"]).fillna("")).tolist()
    tfidf = TfidfVectorizer(min_df=1, ngram_range=(1, 2)).fit_transform(texts)
    vecs = TruncatedSVD(n_components=min(dim, tfidf.shape[1] - 1), random_state=0).fit_transform(tfidf)
    vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
    return catalogue["product_id"].astype(str).tolist(), vecs.astype(np.float32)


@pytest.fixture(scope="session")
def vectors_of():
    """The :func:`text_vectors` function (for tests that change the catalogue)."""
    return text_vectors


@pytest.fixture(scope="session")
def rec_data(demo_workspace):
    """(lines, catalogue with descriptions, reviews, member groups) of the demo workspace."""
    from memberinsight.models.recommenders.groups import load_member_groups
    from memberinsight.models.recommenders.interactions import load_catalogue, load_lines

    with demo_workspace.analytics(read_only=True) as con:
        desc = con.execute("SELECT product_id, description FROM products").df()
        ratings = con.execute("SELECT member_id, product_id, rating, created_at FROM reviews "
                              "WHERE member_id IS NOT NULL").df()
    catalogue = load_catalogue(demo_workspace).merge(desc, on="product_id", how="left")
    return load_lines(demo_workspace), catalogue, ratings, load_member_groups(demo_workspace)


@pytest.fixture(scope="session")
def rec_inter(rec_data):
    """Interactions over all demo order lines."""
    from memberinsight.models.recommenders.interactions import build_interactions

    lines, catalogue, _, _ = rec_data
    return build_interactions(lines, catalogue)


@pytest.fixture(scope="session")
def rec_side(rec_data):
    lines, catalogue, ratings, groups = rec_data
    return {"vectors": text_vectors(catalogue), "lines": lines, "ratings": ratings, "groups": groups}


@pytest.fixture(scope="session")
def fitted(rec_inter, rec_side):
    """Every component fitted with default parameters, and an equal-weight hybrid over them."""
    from memberinsight.models.recommenders.hybrid import HybridRecommender
    from memberinsight.models.recommenders.selection import FACTORIES, fit_model

    comps = {name: fit_model(name, {}, rec_inter, rec_side) for name in FACTORIES}
    comps["hybrid"] = HybridRecommender({n: c for n, c in comps.items()}).fit(rec_inter, **rec_side)
    return comps


@pytest.fixture(scope="session")
def heavy_buyer(rec_inter) -> str:
    """The member with the most distinct products bought."""
    counts = np.diff(rec_inter.confidence.indptr)
    return rec_inter.member_ids[int(np.argmax(counts))]


@pytest.fixture(scope="session")
def never_bought(demo_workspace, rec_inter) -> str:
    """A demo member without any order line."""
    with demo_workspace.analytics(read_only=True) as con:
        row = con.execute("SELECT member_id FROM members WHERE member_id NOT IN "
                          "(SELECT member_id FROM orders WHERE member_id IS NOT NULL) ORDER BY member_id").fetchone()
    assert row is not None and rec_inter.row_of(row[0]) is None
    return row[0]
