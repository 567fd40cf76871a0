"""Near-duplicate reviews across accounts: the demo's planted copy rings, and the account rule."""

from __future__ import annotations

import csv

import pytest

from memberinsight.errors import DataValidationError, NotFoundError
from memberinsight.retrieval import (
    build_indexes,
    clusters_by_review,
    find_near_duplicate_reviews,
    near_duplicates_of,
)


def _labels(demo_dir) -> dict[str, str]:
    with open(demo_dir / "review_labels.csv", newline="") as fh:
        return {row["review_id"]: row["pattern"] for row in csv.DictReader(fh)}


def test_copy_rings_are_found_as_clusters(indexed_workspace, retrieval_settings, demo_dir):
    labels = _labels(demo_dir)
    ring = {rid for rid, pattern in labels.items() if pattern == "copy_ring"}
    clusters = find_near_duplicate_reviews(indexed_workspace, threshold=0.9, settings=retrieval_settings)
    in_clusters = {rid for c in clusters for rid in c.review_ids}
    assert len(ring & in_clusters) >= 0.9 * len(ring)
    # the two largest clusters are the planted rings, almost purely
    for cluster in clusters[:2]:
        assert sum(labels[r] == "copy_ring" for r in cluster.review_ids) >= 0.9 * cluster.size
    for cluster in clusters:
        assert cluster.accounts >= 2
        assert len(cluster.member_ids) == len(cluster.product_ids) == cluster.size
        sims = [p.similarity for p in cluster.pairs]
        assert min(sims) >= 0.9 and (cluster.min_similarity, cluster.max_similarity) == (min(sims), max(sims))
        authors = dict(zip(cluster.review_ids, cluster.member_ids, strict=True))
        assert all(authors[p.review_a] != authors[p.review_b] or authors[p.review_a] is None for p in cluster.pairs)
    lookup = clusters_by_review(clusters)
    first = clusters[0]
    assert lookup[first.review_ids[-1]] is first
    pairs = near_duplicates_of(indexed_workspace, first.review_ids[0], threshold=0.9, settings=retrieval_settings)
    assert pairs and all(p.similarity >= 0.9 and p.review_b in first.review_ids for p in pairs)


def test_higher_threshold_gives_fewer_links(indexed_workspace, retrieval_settings):
    loose = find_near_duplicate_reviews(indexed_workspace, threshold=0.85, settings=retrieval_settings)
    strict = find_near_duplicate_reviews(indexed_workspace, threshold=0.97, settings=retrieval_settings)
    assert sum(len(c.pairs) for c in strict) < sum(len(c.pairs) for c in loose)
    with pytest.raises(DataValidationError):
        find_near_duplicate_reviews(indexed_workspace, threshold=1.5, settings=retrieval_settings)
    with pytest.raises(NotFoundError):
        near_duplicates_of(indexed_workspace, "NO-SUCH-REVIEW", settings=retrieval_settings)


def test_same_account_copies_are_not_linked(indexed_copy, retrieval_settings):
    text = "Zebra-striped kettle whistles a cheerful tune every single morning, utterly delightful purchase."
    with indexed_copy.analytics() as con:
        pid = con.execute("SELECT product_id FROM products LIMIT 1").fetchone()[0]
        a, b = (r[0] for r in con.execute("SELECT member_id FROM members ORDER BY member_id LIMIT 2").fetchall())
        rows = [("XSAME1", pid, a, 5, text), ("XSAME2", pid, a, 5, text + " "),
                ("XOTHER", pid, b, 5, text.replace("utterly", "truly"))]
        con.executemany("INSERT INTO reviews (review_id, product_id, member_id, rating, text, created_at) "
                        "VALUES (?, ?, ?, ?, ?, TIMESTAMP '2026-01-01 10:00:00')", rows)
    build_indexes(indexed_copy, retrieval_settings, show_progress=False)
    clusters = clusters_by_review(find_near_duplicate_reviews(indexed_copy, 0.9, settings=retrieval_settings))
    cluster = clusters["XOTHER"]
    assert set(cluster.review_ids) == {"XSAME1", "XSAME2", "XOTHER"}
    linked = {frozenset((p.review_a, p.review_b)) for p in cluster.pairs}
    assert frozenset(("XSAME1", "XSAME2")) not in linked and len(linked) == 2
    with indexed_copy.analytics() as con:
        con.execute("DELETE FROM reviews WHERE review_id = 'XOTHER'")
    build_indexes(indexed_copy, retrieval_settings, show_progress=False)
    clusters = clusters_by_review(find_near_duplicate_reviews(indexed_copy, 0.9, settings=retrieval_settings))
    assert "XSAME1" not in clusters  # one account alone never forms a cluster
