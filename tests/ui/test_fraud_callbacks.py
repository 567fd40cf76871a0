"""The Fraud tab's callbacks over real Services and the built demo workspace (its build ran the fraud scan)."""

from __future__ import annotations

import re
import sqlite3

from memberinsight.fraud import (
    PATTERNS,
    get_item,
    product_rating,
    queue_counts,
    queue_overview,
    rating_movers,
)
from memberinsight.ui import fraud_callbacks as fcb


def test_the_queue_is_ranked_with_patterns_and_plain_evidence(ui_services) -> None:
    ws = ui_services.ws
    line, table, ids = fcb.load_fraud_queue(ui_services, "pending")
    counts = queue_counts(ws)
    assert counts["pending"] > 0, "the build's fraud step queued nothing on the demo shop"
    assert line.startswith(f"**pending** {counts['pending']:,}") and "scores from" in line
    overview = queue_overview(ws, status="pending", limit=100)
    assert ids == list(table["item"]) == [i.item_id for i in overview.items]  # riskiest first
    assert list(table["risk"]) == [f"{i.risk:.0%}" for i in overview.items]
    assert [i.risk for i in overview.items] == sorted((i.risk for i in overview.items), reverse=True)
    assert set(table["pattern"]) <= set(PATTERNS) and "brushing" in set(table["pattern"])
    assert all(re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}", w) for w in table["when"])  # dates in words
    assert table["evidence"].str.len().min() > 10 and table["status"].eq("pending").all()
    _, orders, _ = fcb.load_fraud_queue(ui_services, "pending", "orders")
    assert orders.empty or orders["kind"].eq("order").all()
    message, empty, none = fcb.load_fraud_queue(ui_services, "confirmed", "accounts")
    assert none == [] or empty["status"].eq("confirmed").all()


def test_evidence_a_decision_and_a_conflict_that_names_who(ui_services, ui_workspace) -> None:
    _, _, ids = fcb.load_fraud_queue(ui_services, "pending")
    item_id = ids[-1]  # the browser test takes the riskiest
    evidence, version = fcb.show_fraud_item(ui_services, item_id)
    kind, object_id = item_id.split(":")
    assert evidence.startswith(f"### {kind.title()} {object_id}") and f"version {version}" in evidence
    assert "**Pattern**" in evidence and "**Why flagged**" in evidence
    assert ("£" in evidence and "Ordered " in evidence) if kind == "order" else "order(s)" in evidence

    message = fcb.decide_fraud(ui_services, "ben", item_id, version, "escalate", "ring?")
    assert message == f"✅ {kind.title()} {object_id} is now **escalated** (by ben)."
    # A second operator deciding on the version they saw earlier is refused and told who changed it.
    message = fcb.decide_fraud(ui_services, "cleo", item_id, version, "clear", "")
    assert message.startswith("⚠️") and "changed by **ben** (escalate," in message
    assert "it is now **escalated**" in message and f"you saw version {version}" in message
    item = get_item(ui_workspace, item_id)
    assert item.status == "escalated" and item.decided_by == "ben" and item.version == version + 1
    with sqlite3.connect(ui_workspace.operations_path) as con:
        actors = con.execute("SELECT actor, outcome FROM audit_log WHERE object_id = ? ORDER BY id",
                             [item_id]).fetchall()
    assert actors[-2:] == [("ben", "ok"), ("cleo", "conflict")]
    evidence, current = fcb.show_fraud_item(ui_services, item_id)
    assert current == version + 1 and "decided by **ben**" in evidence and "cleo — clear (conflict)" in evidence

    refused = fcb.decide_fraud(ui_services, "mallory", item_id, current, "clear", "")
    assert refused.startswith("⚠️") and "needs a signed-in account" in refused
    assert get_item(ui_workspace, item_id).status == "escalated"
    assert fcb.decide_fraud(ui_services, "ben", None, None, "clear", "") == "Pick an order or account first."
    assert fcb.show_fraud_item(ui_services, "order:NOPE")[0].startswith("⚠️")


def test_adjusted_ratings_and_the_report_card(ui_services) -> None:
    note, table = fcb.load_rating_movers(ui_services)
    movers = rating_movers(ui_services.ws, limit=10)
    assert movers, "the demo's planted review rings move some ratings"
    assert list(table["product"]) == [m.product_id for m in movers] and "moves most" in note
    first = movers[0]
    assert table["set aside"].iloc[0] == f"{first.set_aside} of {first.reviews}"
    card = fcb.product_report(ui_services, first.product_id)
    rating = product_rating(ui_services.ws, first.product_id)
    assert f"Rating **{rating.rating:.2f} ★** from {rating.reviews:,} reviews" in card
    assert card.count("| ✅ pass |") + card.count("| ⚠️ warn |") + card.count("| ❌ fail |") == len(rating.report_card)
    assert fcb.product_report(ui_services, "NOPE-1").startswith("⚠️")
    assert fcb.product_report(ui_services, " ").startswith("Enter a product id")
