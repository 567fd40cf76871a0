"""The ``fraud_overview`` chat tool over a real scanned workspace (the tiny shop with one known case per pattern),
its arguments read from the words, and its routing next to the review queue."""

from __future__ import annotations

from pathlib import Path

import pytest

from memberinsight.agent.arguments import fill
from memberinsight.agent.conversation import Agent, Conversation
from memberinsight.agent.extract import Vocabulary, extract
from memberinsight.agent.lookback import lookback_days
from memberinsight.agent.router import EmbeddingRouter
from memberinsight.agent.tools import default_registry
from memberinsight.agent.tools.fraud import fraud_overview
from memberinsight.agent.types import ToolContext
from memberinsight.config import Settings
from memberinsight.errors import ModelNotReadyError
from memberinsight.fraud import decide, get_item, queue_counts, scan_workspace
from memberinsight.workspace import Workspace
from tests.conftest import copy_workspace
from tests.fraud.tiny_shop import build_tiny_shop

CARD_TESTING = {"burst:O0061", "account:K1"}
"""K1's six card-testing orders (O0061-O0066) are one burst item, beside the account."""
COUPON_ABUSE = {"coupon_ring:O0067", "account:R1", "account:R2", "account:R3"}
"""R1-R3's three WELCOME orders (O0067-O0069) are one coupon-ring item, beside the accounts."""
TAKEOVER = {"order:O0074", "account:A1"}
LAST_DAY = COUPON_ABUSE | TAKEOVER
"""Items with an order in the last day of the data (the newest order is A1's takeover, 3 March 2026 12:00)."""


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = build_tiny_shop(tmp_path_factory.mktemp("tiny_fraud_tool") / "ws")
    scan_workspace(ws)
    return ws


@pytest.fixture
def ctx(scanned: Workspace, tmp_path: Path) -> ToolContext:
    return ToolContext(copy_workspace(scanned, tmp_path / "ws"), Settings(), user="ana")


def test_counts_by_status_and_pattern_and_the_riskiest_items(ctx: ToolContext) -> None:
    counts = queue_counts(ctx.ws)
    result = fraud_overview(ctx, limit=50)
    assert result.ok and f"pending: {counts['pending']:,}, cleared: 0, confirmed: 0, escalated: 0" in result.text
    table = result.table
    assert table is not None and len(table) == counts["pending"]
    assert table["risk"].is_monotonic_decreasing and table["status"].eq("pending").all()
    by_pattern = table.groupby("pattern")["item_id"].apply(set).to_dict()
    assert by_pattern["card testing"] == CARD_TESTING  # the planted cases, each named by its own pattern
    assert by_pattern["coupon abuse"] == COUPON_ABUSE
    assert by_pattern["account takeover"] == TAKEOVER
    assert "card testing 2" in result.text and "coupon abuse 4" in result.text and "account takeover 2" in result.text
    why = table.set_index("item_id")["why"]
    assert why["burst:O0061"] == "6 orders in 25 minutes, £18.00 in all, account K1"  # the burst in plain words
    assert "1 of these is a burst (6 orders in all): one decision on a burst covers all its orders" in result.text
    assert why["coupon_ring:O0067"] == "coupon WELCOME used by 3 linked accounts on 3 orders; shared device and IP address"
    assert "1 of these is a coupon ring (linked accounts reusing a coupon, 3 orders in all)" in result.text
    assert result.subject["fraud_items"] == tuple(table["item_id"])  # numbered, for follow-ups
    assert "| # | item id |" in result.text and "| 1 | " in result.text
    burst = get_item(ctx.ws, "burst:O0061")
    assert any(r["text"].startswith("6 different cards within 2 hours from one device") for r in burst.reasons)
    assert "new device and address" in why["order:O0074"]
    assert "96%" in result.text and "1 March 2026" in result.text  # risk as a percentage, the date in words

    top3 = fraud_overview(ctx, limit=3)
    assert len(top3.table) == 3 and list(top3.table["item_id"]) == list(table["item_id"][:3])
    assert f"(3 of {counts['pending']})" in top3.text


def test_days_pattern_and_status_filters(ctx: ToolContext) -> None:
    recent = fraud_overview(ctx, days=1, limit=50)
    assert set(recent.table["item_id"]) == LAST_DAY
    assert "Orders from the last 1 day of the data (2 March 2026 to 3 March 2026)" in recent.text
    assert "pending: 6," in recent.text  # counts are for the window too

    cards = fraud_overview(ctx, pattern="card testing", limit=50)
    assert set(cards.table["item_id"]) == CARD_TESTING and "Riskiest pending card testing items" in cards.text

    item = get_item(ctx.ws, "coupon_ring:O0067")
    decide(ctx.ws, item.item_id, "confirm", "ben", item.version, note="coupon ring")
    account = get_item(ctx.ws, "account:R2")
    decide(ctx.ws, account.item_id, "clear", "ben", account.version)
    confirmed = fraud_overview(ctx, status="confirmed")
    assert list(confirmed.table["item_id"]) == ["coupon_ring:O0067"] and "confirmed: 1" in confirmed.text
    assert list(fraud_overview(ctx, status="cleared").table["item_id"]) == ["account:R2"]
    assert "coupon_ring:O0067" not in set(fraud_overview(ctx, limit=50).table["item_id"])  # pending by default
    none = fraud_overview(ctx, status="escalated")
    assert none.table.empty and "No escalated items." in none.text


def test_a_workspace_never_scanned_gets_a_friendly_answer(tmp_path: Path, bow_embedder) -> None:
    ws = build_tiny_shop(tmp_path / "ws")
    ctx = ToolContext(ws, Settings(), user="ana")
    with pytest.raises(ModelNotReadyError, match="no fraud scan yet"):
        fraud_overview(ctx)
    registry = default_registry()
    agent = Agent(registry, EmbeddingRouter(registry, bow_embedder))
    result = agent.call(ctx, "fraud_overview", {"days": 7})
    assert not result.ok and "no fraud scan yet: run `memberinsight fraud scan`" in result.text


@pytest.mark.parametrize(("text", "days"), [
    ("any suspicious orders this week?", 7), ("flagged in the last 30 days", 30), ("past 2 weeks", 14),
    ("fraud today", 1), ("card testing in the last 24 hours", 1), ("fraud overview for the last month", 30),
    ("orders from the past ten days", 10), ("the fraud queue", None), ("forecast the next 6 weeks", None),
    ("3 day old accounts", None), ("top 5 orders", None),
])
def test_look_back_periods_in_days(text: str, days: int | None) -> None:
    assert lookback_days(text) == days


@pytest.mark.parametrize(("message", "arguments"), [
    ("any suspicious orders this week?", {"days": 7}),
    ("show confirmed fraud accounts", {"status": "confirmed"}),
    ("which fraud cases were cleared", {"status": "cleared"}),
    ("escalated fraud cases", {"status": "escalated"}),
    ("removed fraud orders", {}),  # a review-queue status the fraud queue does not have is left out
    ("card testing in the last 24 hours", {"pattern": "card testing", "days": 1}),
    ("any coupon abuse?", {"pattern": "coupon abuse"}),
    ("top 5 riskiest suspicious orders", {"limit": 5}),
])
def test_arguments_are_read_from_the_words(message: str, arguments: dict) -> None:
    tool = default_registry()["fraud_overview"]
    vocabulary = Vocabulary()
    assert fill(tool, message, extract(message, vocabulary), {}, vocabulary) == arguments


def test_help_lists_the_fraud_queue(ctx: ToolContext) -> None:
    registry = default_registry()
    ctx.registry = registry
    table = registry["help"].func(ctx).table
    row = table[table["for example"] == registry["fraud_overview"].examples[0]]
    assert len(row) == 1 and row["ask about"].iloc[0].startswith("Summarise suspicious orders and accounts")


@pytest.mark.slow
@pytest.mark.parametrize(("question", "tool"), [
    ("any suspicious orders this week?", "fraud_overview"),
    ("is there any brushing going on?", "fraud_overview"),
    ("which accounts share a device", "fraud_overview"),
    ("chargebacks last month", "fraud_overview"),
    ("fake reviews", "review_queue_summary"),  # fake reviews stay with the review queue
    ("any fake reviews this week?", "review_queue_summary"),
    ("reviews flagged as fraudulent", "review_queue_summary"),
    ("Any suspicious reviews I should look at?", "review_queue_summary"),
])
def test_fraud_words_route_to_the_fraud_queue_and_reviews_stay(real_agent, question: str, tool: str) -> None:
    route, reply = real_agent.route(question, Conversation())
    assert reply is None and route.tool == tool, (route, reply)


def test_the_app_is_pointed_to_the_fraud_tab_and_the_command_line_to_its_command(ctx: ToolContext) -> None:
    listed, one = fraud_overview(ctx), fraud_overview(ctx, item="burst:O0061")
    assert "Decide them in the **Fraud** tab;" in listed.text and "Decide it in the **Fraud** tab." in one.text
    assert "memberinsight" not in listed.text + one.text  # operators use the app: no CLI command in its answers
    cli = ToolContext(ctx.ws, Settings(), user="ana", surface="cli")  # `memberinsight ask`
    assert "or with `memberinsight fraud queue decide`" in fraud_overview(cli).text
    assert "`memberinsight fraud queue decide burst:O0061 --action confirm|clear|escalate --version 1`" in \
        fraud_overview(cli, item="burst:O0061").text
