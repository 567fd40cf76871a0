"""Agent orchestration with a deterministic embedder: routing, follow-ups, clarifications, failures."""

from __future__ import annotations

from typing import Literal

import pytest

from memberinsight.agent.conversation import Agent, Conversation
from memberinsight.agent.extract import Vocabulary
from memberinsight.agent.registry import Audience, FreeText, ToolRegistry
from memberinsight.agent.router import EmbeddingRouter, ModelRouter
from memberinsight.agent.types import ToolContext, ToolResult
from memberinsight.config import Settings
from memberinsight.errors import ModelNotReadyError

CALLS: list[tuple[str, dict]] = []


def segment_info(ctx, segment: str | None = None) -> ToolResult:
    """Show segment sizes and revenue.

    Args:
        segment: one segment.

    Examples:
        show segment sizes
        how big are the segments
        revenue per segment
    """
    CALLS.append(("segment_info", {"segment": segment}))
    return ToolResult(f"sizes for {segment or 'all'}", subject={"segment": segment} if segment else {})


def write_copy(ctx, segment: str, channel: Literal["email", "sms", "push"] = "email",
               offer: FreeText | None = None) -> ToolResult:
    """Write campaign copy.

    Args:
        segment: audience.
        channel: channel.
        offer: offer.

    Examples:
        write an email for segment
        draft sms copy for segment
        write campaign copy
    """
    CALLS.append(("write_copy", {"segment": segment, "channel": channel, "offer": offer}))
    return ToolResult(f"{channel} for {segment}")


def forecast(ctx, category: str | None = None, weeks: int = 4) -> ToolResult:
    """Forecast demand.

    Args:
        category: category.
        weeks: weeks ahead.

    Examples:
        forecast demand for category
        predict sales next period
        sales forecast for category
    """
    CALLS.append(("forecast", {"category": category, "weeks": weeks}))
    return ToolResult(f"forecast {category} {weeks}")


def member(ctx, member_id: str) -> ToolResult:
    """Look up a member.

    Args:
        member_id: id.

    Examples:
        look up member
        profile of customer member
    """
    CALLS.append(("member", {"member_id": member_id}))
    return ToolResult(f"member {member_id}")


def churn(ctx) -> ToolResult:
    """List churn risks.

    Examples:
        churn risks list
        who will churn
    """
    raise ModelNotReadyError("churn model is not built yet — run `memberinsight build`")


@pytest.fixture()
def agent(bow_embedder) -> Agent:
    CALLS.clear()
    registry = ToolRegistry([segment_info, write_copy, forecast, member, churn])
    vocab = Vocabulary(categories=("Kitchen", "Garden"))
    return Agent(registry, EmbeddingRouter(registry, bow_embedder, vocab, min_score=0.3), vocab)


@pytest.fixture()
def ctx() -> ToolContext:
    return ToolContext(ws=None, settings=Settings(), user="ana")


def test_routes_runs_and_answers(agent: Agent, ctx: ToolContext) -> None:
    reply = agent.respond("forecast demand for Kitchen for the next 8 weeks", Conversation(), ctx)
    assert (reply.tool, reply.arguments, reply.text) == ("forecast", {"category": "Kitchen", "weeks": 8},
                                                         "forecast Kitchen 8")
    assert CALLS == [("forecast", {"category": "Kitchen", "weeks": 8})]


def test_out_of_scope_and_vague_messages_get_a_question_not_a_guess(agent: Agent, ctx: ToolContext) -> None:
    for message in ("what is the capital of France", "do it", "them", "   "):
        reply = agent.respond(message, Conversation(), ctx)
        assert reply.tool is None and not reply.ok
        assert "?" in reply.text or "help" in reply.text.lower()
    assert CALLS == []


def test_missing_required_value_is_asked_for(agent: Agent, ctx: ToolContext) -> None:
    reply = agent.respond("write an email", Conversation(), ctx)
    assert reply.tool is None and "which segment" in reply.text
    reply = agent.respond("look up member", Conversation(), ctx)
    assert reply.tool is None and "which member" in reply.text
    assert CALLS == []


def test_follow_ups_remember_the_subject(agent: Agent, ctx: ToolContext) -> None:
    conv = Conversation()
    agent.respond("show segment sizes for Hibernating", conv, ctx)
    reply = agent.respond("now write an SMS for them", conv, ctx)
    assert (reply.tool, reply.arguments["segment"], reply.arguments["channel"]) == ("write_copy", "Hibernating", "sms")
    reply = agent.respond("now do a push version with 10% off", conv, ctx)  # elliptical: same tool, new values
    assert reply.arguments == {"segment": "Hibernating", "channel": "push", "offer": "10% off"}
    reply = agent.respond("same for champions", conv, ctx)
    assert reply.arguments == {"segment": "Champions", "channel": "push", "offer": "10% off"}

    agent.respond("forecast demand for Kitchen for 6 weeks", conv, ctx)
    reply = agent.respond("and garden?", conv, ctx)
    assert (reply.tool, reply.arguments) == ("forecast", {"category": "Garden", "weeks": 6})


def test_conversations_do_not_share_subjects(agent: Agent, ctx: ToolContext) -> None:
    ana, ben = Conversation(user="ana"), Conversation(user="ben")
    agent.respond("show segment sizes for Lost", ana, ctx)
    assert agent.respond("write an sms for them", ben, ctx).tool is None  # ben has no subject
    assert agent.respond("write an sms for them", ana, ctx).arguments["segment"] == "Lost"


def test_failing_tool_becomes_an_observation(agent: Agent, ctx: ToolContext) -> None:
    reply = agent.respond("who will churn", Conversation(), ctx)
    assert reply.tool == "churn" and not reply.ok
    assert "not built yet" in reply.text and "memberinsight build" in reply.text


def test_stream_yields_growing_text_then_the_full_reply(agent: Agent, ctx: ToolContext) -> None:
    parts = list(agent.stream("show segment sizes", Conversation(), ctx))
    assert (parts[0].text, parts[0].tool) == ("", "segment_info")  # which tool works, before it runs
    assert parts[-1].text == "sizes for all" and parts[-1].tool == "segment_info"
    assert all(parts[-1].text.startswith(p.text) for p in parts)


def test_model_router_uses_valid_tool_calls_and_falls_back_otherwise(agent: Agent, ctx: ToolContext) -> None:
    replies = iter(['{"tool": "member", "arguments": {"member_id": "M7"}}',
                    "__import__('os').system('rm -rf /')",
                    '{"tool": "shell", "arguments": {"cmd": "ls"}}'])
    prompts: list[str] = []

    def complete(prompt: str) -> str:
        prompts.append(prompt)
        return next(replies)

    model_agent = Agent(agent.registry, ModelRouter(agent.registry, complete, agent.router), agent.vocabulary)
    assert model_agent.respond("who is that person M7", Conversation(), ctx).text == "member M7"
    assert '"name": "member"' in prompts[0] and "who is that person M7" in prompts[0]
    # Text that is not a valid call is never run: the embedding router decides instead.
    assert model_agent.respond("show segment sizes", Conversation(), ctx).tool == "segment_info"
    assert model_agent.respond("sales forecast for kitchen", Conversation(), ctx).tool == "forecast"
    assert [c[0] for c in CALLS] == ["member", "segment_info", "forecast"]


def test_model_router_falls_back_when_the_model_cannot_be_reached(agent: Agent, ctx: ToolContext) -> None:
    from memberinsight.agent.llm import LLMUnavailableError

    def down(prompt: str) -> str:
        raise LLMUnavailableError("cannot reach LLM endpoint http://127.0.0.1:9/v1")

    model_agent = Agent(agent.registry, ModelRouter(agent.registry, down, agent.router), agent.vocabulary)
    reply = model_agent.respond("show segment sizes", Conversation(), ctx)
    assert (reply.tool, reply.text, reply.ok) == ("segment_info", "sizes for all", True)


def test_contact_details_are_never_listed_in_the_chat(agent: Agent, ctx: ToolContext) -> None:
    for message in ("list every customer's phone number", "give me the email addresses of Champions",
                    "contact details of member 12347", "what are their mobile numbers"):
        reply = agent.respond(message, Conversation(), ctx)
        assert reply.tool is None and not reply.ok and "export" in reply.text, message
    assert CALLS == []
    assert agent.respond("write an email for Champions", Conversation(), ctx).tool == "write_copy"


def list_members(ctx, limit: int = 20) -> ToolResult:
    """List members at risk.

    Args:
        limit: how many.

    Examples:
        list members at risk
        who is at risk
    """
    CALLS.append(("list_members", {"limit": limit}))
    return ToolResult("3 members", subject={"segment": "List members (list)", "member_list": ["M1", "M2", "M3"]})


def audience_copy(ctx, segment: Audience, channel: Literal["email", "sms", "push"] = "email") -> ToolResult:
    """Write campaign copy for an audience.

    Args:
        segment: a segment or a member list.
        channel: channel.

    Examples:
        write an email for segment
        draft sms copy for segment
    """
    CALLS.append(("audience_copy", {"segment": segment, "members": ctx.member_lists.get(segment)}))
    for i in range(3):
        ctx.report(f"draft {i}")
    return ToolResult(f"{channel} for {segment}")


@pytest.fixture()
def list_agent(bow_embedder) -> Agent:
    CALLS.clear()
    registry = ToolRegistry([list_members, audience_copy, segment_info])
    return Agent(registry, EmbeddingRouter(registry, bow_embedder, Vocabulary(), min_score=0.3), Vocabulary())


def test_them_after_a_member_list_means_those_members(list_agent: Agent, ctx: ToolContext) -> None:
    conv = Conversation()
    list_agent.respond("who is at risk", conv, ctx)
    reply = list_agent.respond("write them an sms", conv, ctx)
    assert (reply.tool, reply.arguments) == ("audience_copy", {"segment": "List members (list)", "channel": "sms"})
    assert CALLS[-1] == ("audience_copy", {"segment": "List members (list)", "members": ("M1", "M2", "M3")})
    # A tool that takes only real segments never gets the list's label from the subject.
    reply = list_agent.respond("show segment sizes for them", conv, ctx)
    assert reply.tool == "segment_info" and "segment" not in reply.arguments
    # Naming a segment moves the subject on.
    list_agent.respond("show segment sizes for Champions", conv, ctx)
    assert list_agent.respond("write them an email", conv, ctx).arguments["segment"] == "Champions"


def test_progress_reports_stream_before_the_answer(list_agent: Agent, ctx: ToolContext) -> None:
    parts = [p.text for p in list_agent.stream("draft sms copy for Champions", Conversation(), ctx)]
    assert parts[0] == "" and parts[-1] == "sms for Champions"
    drafts = [p for p in parts if p.startswith("draft")]
    assert drafts and drafts[-1] == "draft 2"  # the latest draft is always shown
    assert parts.index(drafts[-1]) < len(parts) - 1 and ctx.progress is None
