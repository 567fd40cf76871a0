"""The adjusted product rating: known reviews set aside for known reasons, and the report card."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memberinsight.cli import app
from memberinsight.errors import NotFoundError
from memberinsight.fraud import decide, get_item, product_rating, rating_movers, scan_workspace
from memberinsight.screening.queue import ensure_tables as ensure_screening_tables
from memberinsight.workspace import Workspace
from tests.fraud.tiny_shop import T0, build_tiny_shop

REVIEWS = [("V3", "M01", 2), ("V4", "M02", 3), ("V5", "M03", 4), ("V6", "M04", 4)]


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = build_tiny_shop(tmp_path / "ws")
    with ws.analytics() as con:
        con.executemany("INSERT INTO reviews (review_id, product_id, member_id, rating, text, created_at, "
                        "verified_purchase) VALUES (?, 'P1', ?, ?, 'ok thing', ?, true)",
                        [(rid, member, stars, T0 - timedelta(days=40 * k)) for k, (rid, member, stars)
                         in enumerate(REVIEWS)])
    ensure_screening_tables(ws)
    with ws.operations() as con:  # the review screening said: V5 and V6 look fake; an operator approved V6
        con.executemany("INSERT INTO screening_scores (review_id, product_id, member_id, risk, method, signals, "
                        "reasons, scored_at) VALUES (?, 'P1', ?, ?, 'model', '{}', '[]', 'now')",
                        [("V5", "M03", 0.9), ("V6", "M04", 0.8)])
        con.execute("INSERT INTO screening_queue (review_id, status, risk, created_at, updated_at) "
                    "VALUES ('V6', 'approved', 0.8, 'now', 'now')")
    scan_workspace(ws)
    return ws


def test_flagged_accounts_and_suspicious_reviews_are_set_aside(ws: Workspace) -> None:
    assert get_item(ws, "account:R1").risk >= 0.7  # the coupon ring's account: flagged, so V2 goes
    result = product_rating(ws, "P1")
    assert (result.reviews, result.rating, result.adjusted_rating, result.change) == (5, 3.6, 3.0, -0.6)
    assert result.set_aside_by_reason == {"written by an account flagged for fraud": 1,
                                          "screening risk at least 0.7": 1}
    assert {r["review_id"] for r in result.set_aside_reviews} == {"V2", "V5"}
    card = {c["check"]: c for c in result.report_card}
    assert card["adjustment"]["grade"] == "fail" and card["adjustment"]["value"] == 0.6  # 0.6 stars: fail
    assert card["flagged_accounts"]["grade"] == "fail" and card["unverified"]["grade"] == "pass"


def test_clearing_the_account_brings_its_review_back(ws: Workspace) -> None:
    item = get_item(ws, "account:R1")
    decide(ws, item.item_id, "clear", user="alice", version=item.version)
    result = product_rating(ws, "P1")
    assert (result.adjusted_rating, result.set_aside) == (3.5, 1)


def test_movers_list_and_cli(ws: Workspace) -> None:
    movers = rating_movers(ws)
    assert [m.product_id for m in movers] == ["P1"]  # P2 has one review: too few to list
    runner = CliRunner()
    shown = runner.invoke(app, ["product", "P1", "-w", str(ws.path), "--json"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert data["adjusted_rating"] == 3.0 and len(data["report_card"]) == 7
    text = runner.invoke(app, ["fraud", "ratings", "-w", str(ws.path)])
    assert "P1" in text.stdout and "3.60 -> 3.00" in text.stdout
    with pytest.raises(NotFoundError):
        product_rating(ws, "P404")
