"""Follow-ups on a fraud answer: the overview numbers its items and the conversation remembers them, so "why is
the first one flagged?", "show me the burst", "tell me more about #2" and "who else shares that device?" answer
about one item (its evidence, its orders, its linked accounts), with no identifier shown raw.

The shop is the tiny shop (:mod:`tests.fraud.tiny_shop`) scanned in a real workspace: the riskiest pending items
are K1's card-testing burst (#1) and R1-R3's coupon ring (#2); the agent routes with a deterministic embedder.
"""

from __future__ import annotations

import re

import pytest

from memberinsight.agent.conversation import Agent, Conversation
from memberinsight.agent.fraud_followups import fraud_followup
from memberinsight.agent.router import EmbeddingRouter
from memberinsight.agent.tools import default_registry
from memberinsight.agent.types import ToolContext
from memberinsight.config import Settings
from memberinsight.fraud import linked_accounts, scan_workspace
from memberinsight.workspace import Workspace
from tests.fraud.tiny_shop import build_tiny_shop

FIRST = "any suspicious orders this week?"
RAW = re.compile(r"d-ring|d-K1|d-new|h1:|addr-|card-[A-Z]|test-\d|\bip0\b")
"""Stored identifier values of the tiny shop: none may appear in an answer."""


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    ws = build_tiny_shop(tmp_path_factory.mktemp("fraud_followups") / "ws")
    scan_workspace(ws)
    return ws


@pytest.fixture
def agent(bow_embedder) -> Agent:
    registry = default_registry()
    return Agent(registry, EmbeddingRouter(registry, bow_embedder))


@pytest.fixture
def ctx(ws: Workspace) -> ToolContext:
    return ToolContext(ws, Settings(), user="ana")


def _talk(agent: Agent, ctx: ToolContext, *messages: str) -> tuple[Conversation, list]:
    conversation = Conversation()
    replies = [agent.respond(m, conversation, ctx) for m in messages]
    return conversation, replies


def test_the_overview_numbers_its_items_and_the_conversation_keeps_them(agent: Agent, ctx: ToolContext) -> None:
    conversation, (reply,) = _talk(agent, ctx, FIRST)
    assert reply.tool == "fraud_overview" and reply.ok
    items = conversation.subject["fraud_items"]
    assert items[:2] == ("burst:O0061", "coupon_ring:O0067") and len(items) == 10
    assert "| 1 | burst:O0061 |" in reply.text and "| 2 | coupon_ring:O0067 |" in reply.text
    assert "ask about one by its number" in reply.text


def test_why_is_the_first_one_flagged(agent: Agent, ctx: ToolContext) -> None:
    _, (_, reply) = _talk(agent, ctx, FIRST, "why is the first one flagged?")
    assert reply.tool == "fraud_overview" and reply.ok
    assert reply.arguments == {"item": "burst:O0061", "about": "why", "position": 1}
    text = reply.text
    assert text.startswith("**#1 — Burst O0061** (burst:O0061): card testing, risk 96%, pending (version 1).")
    assert text.index("**Why it is flagged**") < text.index("**Orders**") < text.index("**Linked accounts**")
    assert "- 6 orders in 25 minutes, £18.00 in all, account K1" in text
    assert "- 6 different cards within 2 hours from one device (3 declined)" in text
    assert not RAW.search(text)


def test_show_me_the_burst_lists_its_orders(agent: Agent, ctx: ToolContext) -> None:
    _, (_, reply) = _talk(agent, ctx, FIRST, "show me the burst")
    assert reply.arguments == {"item": "burst:O0061", "about": "orders", "position": 1}
    orders = reply.text.split("\n\n")[1]
    assert orders.startswith("**Orders** (6; one decision covers all): O0061, O0062, O0063, O0064, O0065, O0066 — "
                             "£18.00 in all, from 1 account(s), between 1 March 2026 at 12:00 and 1 March 2026 at 12:25")


def test_tell_me_more_about_number_2_then_who_else_shares_that_device(agent: Agent, ctx: ToolContext) -> None:
    conversation, (_, more, who) = _talk(agent, ctx, FIRST, "tell me more about #2", "who else shares that device?")
    assert more.arguments == {"item": "coupon_ring:O0067", "position": 2}
    assert more.text.startswith("**#2 — Coupon ring O0067** (coupon_ring:O0067): coupon abuse")
    assert "- coupon WELCOME used by 3 linked accounts on 3 orders; shared device and IP address" in more.text
    assert "**Orders** (3; one decision covers all): O0067, O0068, O0069 — £90.00 in all, from 3 account(s)" \
        in more.text and "Coupons: WELCOME (3 orders)." in more.text
    assert conversation.subject["fraud_item"] == "coupon_ring:O0067"
    # "that device": the item just talked about (#2), not the first of the list
    assert who.arguments == {"item": "coupon_ring:O0067", "about": "accounts", "position": 2}
    linked = who.text.split("\n\n")[1]
    assert linked.startswith("**Linked accounts**: 17 other account(s) share an identifier with it (its own: R1, R2, R3;")
    assert "- used by no other account: its device, 3 addresses, 3 cards" in who.text  # the ring's device is its own
    assert re.search(r"- IP address #[0-9a-f]{8}: also used by K1 \(6 orders\), A1 \(5 orders\), M01 \(5 orders\)",
                     who.text)
    assert "(2 in the fraud queue: K1, A1)" in who.text
    for reply in (more, who):
        assert not RAW.search(reply.text) and reply.table is not None
        assert not reply.table.astype(str).apply(lambda c: c.str.contains(RAW)).any().any()
    assert who.table.iloc[0]["identifier"].startswith("IP address #") and who.table.iloc[0]["accounts"] == 20


def test_the_list_is_still_narrowed_after_a_follow_up(agent: Agent, ctx: ToolContext) -> None:
    conversation, (_, _, narrowed) = _talk(agent, ctx, FIRST, "why is the first one flagged?", "only card testing")
    assert narrowed.tool == "fraud_overview" and "item" not in narrowed.arguments
    assert narrowed.arguments.get("pattern") == "card testing"
    assert conversation.subject["fraud_items"] == ("burst:O0061", "account:K1")
    _, (_, _, again) = _talk(agent, ctx, FIRST, "only card testing", "why is the second one flagged?")
    assert again.arguments["item"] == "account:K1" and again.text.startswith("**#2 — Account K1** (account:K1)")


def test_a_number_not_in_the_list_asks_back(agent: Agent, ctx: ToolContext) -> None:
    _, (_, reply) = _talk(agent, ctx, FIRST, "tell me more about #40")
    assert reply.tool is None and not reply.ok
    assert reply.text == "The last fraud list had 10 items: which number do you mean (1 to 10)?"


@pytest.mark.parametrize("message", ["show the first 5", "and last month?", "what about the last 30 days",
                                     "only coupon abuse", "how many are pending"])
def test_other_messages_after_a_fraud_answer_are_not_read_as_item_follow_ups(message: str) -> None:
    conversation = Conversation(last_tool="fraud_overview",
                                subject={"fraud_items": ("burst:O1", "coupon_ring:O2", "order:O3")})
    assert fraud_followup(message, conversation) is None


@pytest.mark.parametrize("message", ["show me first-time buyers in kitchen", "what did the first campaign earn?",
                                     "what about the second half of the year?", "which accounts spend the most?",
                                     "how many members share the same address?",
                                     "what is the churn risk of that account?", "show orders for the last 2 weeks"])
def test_new_questions_that_merely_share_a_word_with_a_follow_up_go_to_the_router(message: str) -> None:
    conversation = Conversation(last_tool="fraud_overview",
                                subject={"fraud_items": ("order:1001", "account:3", "account:2", "burst:O7")})
    assert fraud_followup(message, conversation) is None


def test_an_all_digit_id_is_named_only_by_the_whole_message_and_a_number_is_a_position() -> None:
    conversation = Conversation(last_tool="fraud_overview",
                                subject={"fraud_items": ("order:1001", "account:3", "account:2")})
    found = fraud_followup("tell me more about #2", conversation)
    assert found is not None and found[0].arguments == {"item": "account:3", "position": 2}
    found = fraud_followup("1001", conversation)
    assert found is not None and found[0].arguments == {"item": "order:1001", "position": 1}


def test_follow_ups_only_follow_a_fraud_answer() -> None:
    items = {"fraud_items": ("burst:O1", "coupon_ring:O2", "order:O3")}
    assert fraud_followup("why is the first one flagged?", Conversation(last_tool="segment_overview",
                                                                        subject=items)) is None
    after = Conversation(last_tool="fraud_overview", subject=items)
    cases = {"tell me about O3": ("order:O3", None, 3), "explain coupon_ring:O2": ("coupon_ring:O2", None, 2),
             "show me the coupon ring": ("coupon_ring:O2", "orders", 2), "why is it flagged?": ("burst:O1", "why", 1),
             "the third one?": ("order:O3", None, 3), "which orders are in the 2nd": ("coupon_ring:O2", "orders", 2)}
    for message, (item, about, position) in cases.items():
        found = fraud_followup(message, after)
        assert found is not None and found[1] is None, message
        assert found[0].arguments == {"item": item, "position": position, **({"about": about} if about else {})}, message


def test_linked_accounts_name_identifiers_by_fingerprint_only(ws: Workspace) -> None:
    linked = linked_accounts(ws, "coupon_ring:O0067")
    assert linked.own == ["R1", "R2", "R3"] and linked.other_total == 17
    device = next(s for s in linked.shared if s.kind == "device")
    assert device.accounts == 3 and device.others == [] and re.fullmatch(r"#[0-9a-f]{8}", device.fingerprint)
    ip = linked.shared[0]
    assert (ip.kind, ip.accounts, ip.other_accounts, len(ip.others)) == ("IP address", 20, 17, 10)
    assert not RAW.search(repr(linked))
