"""The retrieval commands end to end through the real CLI (--json output)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from memberinsight.cli import app

runner = CliRunner()


def _json(args: list[str]):
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_search_and_similar_json(indexed_workspace):
    ws = str(indexed_workspace.path)
    hits = _json(["search", "waterproof hiking boots", "-k", "10", "--json", "-w", ws])
    assert len(hits) == 10 and hits[0]["category"] == "Outdoor"
    assert set(hits[0]) == {"product_id", "title", "category", "price", "score"}
    similar = _json(["similar", hits[0]["product_id"], "-k", "3", "--json", "-w", ws])
    assert len(similar) == 3 and hits[0]["product_id"] not in {h["product_id"] for h in similar}
    reviews = _json(["search", "arrived broken", "--reviews", "-k", "3", "--json", "-w", ws])
    assert len(reviews) == 3 and "review_id" in reviews[0]


def test_recommend_json(indexed_workspace):
    ws = str(indexed_workspace.path)
    with indexed_workspace.analytics(read_only=True) as con:
        member = con.execute("SELECT member_id FROM orders WHERE member_id IS NOT NULL "
                             "GROUP BY member_id ORDER BY count(*) DESC, member_id LIMIT 1").fetchone()[0]
    recs = _json(["recommend", member, "-k", "10", "--json", "-w", ws])
    assert len(recs) == 10 and all(r["reason"].startswith("similar to ") for r in recs)


def test_duplicates_index_and_evaluate(indexed_workspace):
    ws = str(indexed_workspace.path)
    dup = _json(["duplicates", "--threshold", "0.95", "--limit", "2", "--json", "-w", ws])
    assert dup["clusters"] >= 2 and len(dup["shown"]) == 2 and dup["shown"][0]["min_similarity"] >= 0.95
    summary = _json(["index", "--json", "-w", ws])
    assert summary["products"]["embedded"] == 0 and summary["products"]["count"] == 360
    text = runner.invoke(app, ["search", "dog food", "-k", "2", "-w", ws])
    assert text.exit_code == 0 and "Pets" in text.stdout


def test_unknown_member_fails(indexed_workspace):
    result = runner.invoke(app, ["recommend", "NO-SUCH-MEMBER", "-w", str(indexed_workspace.path)])
    assert result.exit_code != 0


@pytest.mark.slow
def test_evaluate_content_json(indexed_workspace):
    out = _json(["evaluate", "content", "--json", "-w", str(indexed_workspace.path)])
    assert set(out["methods"]) == {"content", "content_no_diversity", "popularity"}
    assert out["users"] > 0 and out["k"] == 10
    assert out["lift_recall"] == round(out["methods"]["content"]["recall@10"]
                                       / out["methods"]["popularity"]["recall@10"], 3)


def test_recommend_for_a_saved_segment(indexed_copy):
    from memberinsight.segments import save_segment

    save_segment(indexed_copy, "Social signups", {"where": {"field": "channel", "op": "=", "value": "social"}},
                 owner="test")
    ws = str(indexed_copy.path)
    recs = _json(["recommend", "--segment", "Social signups", "-k", "5", "--json", "-w", ws])
    assert len(recs) == 5 and all("of this segment" in r["reason"] for r in recs)
    both = runner.invoke(app, ["recommend", "M0000001", "--segment", "Social signups", "-w", ws])
    assert both.exit_code != 0 and "not both" in str(both.exception)
