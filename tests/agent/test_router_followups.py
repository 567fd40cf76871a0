"""Follow-ups and read-backs with a deterministic embedder: who "their" is, narrowing a list, guessed names."""

from __future__ import annotations

import pytest

from memberinsight.agent.conversation import Agent, Conversation
from memberinsight.agent.extract import Vocabulary
from memberinsight.agent.registry import ToolRegistry
from memberinsight.agent.router import EmbeddingRouter
from memberinsight.agent.types import ToolContext, ToolResult
from memberinsight.config import Settings


def member_profile(ctx, member_id: str) -> ToolResult:
    """Look up one member's profile.

    Args:
        member_id: the member id.

    Examples:
        look up member
        profile of member
        what segment is member in
    """
    return ToolResult(f"profile {member_id}")


def member_picks(ctx, member_id: str, k: int = 5) -> ToolResult:
    """Recommend products for a member.

    Args:
        member_id: the member id.
        k: how many.

    Examples:
        recommend products for member
        products member would like
    """
    return ToolResult(f"picks {member_id} {k}")


def churners(ctx, segment: str | None = None, min_clv: float = 0.0, limit: int = 20) -> ToolResult:
    """List members likely to churn.

    Args:
        segment: only this segment.
        min_clv: value floor.
        limit: how many.

    Examples:
        who is likely to churn
        members likely to churn
        churn risk list
    """
    return ToolResult(f"churners {segment} {min_clv} {limit}")


def segment_sizes(ctx, segment: str | None = None) -> ToolResult:
    """Show segment sizes.

    Args:
        segment: one segment.

    Examples:
        show segment sizes
        how big is segment
        tell me about segment
    """
    return ToolResult(f"sizes {segment}")


@pytest.fixture()
def agent(bow_embedder) -> Agent:
    registry = ToolRegistry([member_profile, member_picks, churners, segment_sizes])
    vocab = Vocabulary(member_id_pattern=r"M\d{7}")
    return Agent(registry, EmbeddingRouter(registry, bow_embedder, vocab, min_score=0.3), vocab)


@pytest.fixture()
def ctx() -> ToolContext:
    return ToolContext(ws=None, settings=Settings(), user="ana")


def test_their_after_a_member_means_that_member(agent: Agent) -> None:
    conv = Conversation()
    route, _ = agent.route("recommend products for member M0000310", conv)
    assert route.arguments == {"member_id": "M0000310"}
    route, question = agent.route("and what segment are they in, their profile?", conv)
    assert question is None and (route.tool, route.arguments) == ("member_profile", {"member_id": "M0000310"})


def test_a_person_nobody_named_is_asked_for(agent: Agent) -> None:
    for message in ("what segment is this customer in", "recommend products for her"):
        route, question = agent.route(message, Conversation())
        assert route.tool is None and question is not None and "Which member" in question, message


def test_narrowing_keeps_the_last_tool(agent: Agent) -> None:
    conv = Conversation()
    agent.route("who is likely to churn", conv)
    route, _ = agent.route("Could you narrow that down to just the Loyal segment?", conv)
    assert (route.tool, route.arguments["segment"]) == ("churners", "Loyal")
    route, _ = agent.route("make it only 5 and minimum value 2000 pounds", conv)
    assert route.tool == "churners" and route.arguments == {"segment": "Loyal", "limit": 5, "min_clv": 2000.0}


def test_guessed_names_are_read_back_in_the_answer(agent: Agent, ctx: ToolContext) -> None:
    reply = agent.respond("tell me about the VIPs segment", Conversation(), ctx)
    assert reply.tool == "segment_sizes" and reply.arguments == {"segment": "Champions"}
    assert reply.text.startswith("_I read “vips” as Champions._") and reply.text.endswith("sizes Champions")
    exact = agent.respond("tell me about the Champions segment", Conversation(), ctx)
    assert exact.text == "sizes Champions"  # nothing guessed, nothing to read back


def test_figures_by_year_are_asked_back(agent: Agent) -> None:
    route, question = agent.route("show segment sizes for 2024", Conversation())
    assert route.tool is None and not route.refused and question is not None and "year" in question
