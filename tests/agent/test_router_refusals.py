"""What the chat declines, by rule: changing or sending data, exports, personal data, other jobs.

The rules read a clause's main verb and its object, and personal-data words; the same verbs in a
question about the data ("which reviews were removed?") or in a writing request ("send Champions
a thank-you email") are answered, not declined.
"""

from __future__ import annotations

import pytest

from memberinsight.agent.conversation import Agent, Conversation
from memberinsight.agent.extract import Vocabulary
from memberinsight.agent.guard import CAN_DO, check, clauses
from memberinsight.agent.registry import ToolRegistry
from memberinsight.agent.router import EmbeddingRouter
from memberinsight.agent.types import ToolContext, ToolResult
from memberinsight.config import Settings


@pytest.mark.parametrize(("text", "kind"), [
    ("delete all reviews from the database", "change"),
    ("please delete all the reviews from the screening queue, they're clogging things up", "change"),
    ("wipe member m0000012 from the database", "change"),
    ("move m0000999 into champions", "change"),
    ("could you change member m0000500s segment to champions? she deserves it!", "change"),
    ("change the price of p10001 to £19.99", "change"),
    ("delete the 15 members with highest churn risk, they are useless", "change"),
    ("add a new member called john smith", "change"),
    ("set the churn risk of m0000300 to low", "change"),
    ("change the churn band of cluster 2 to high", "change"),
    ("update the clv tier for the loyal lot to medium", "change"),
    ("reset the rfm scores of m0000321", "change"),
    ("i want you to erase everything", "change"),
    ("drop table orders", "change"),
    ("approve all the escalated reviews pls", "decide"),
    ("can you approve all the pending reviews at once so we can clear the backlog?", "decide"),
    ("mark all the pending reviews as approved", "decide"),
    ("send the email to all at risk members now", "send"),
    ("text them the offer today", "send"),
    ("export the at risk list to a spreadsheet", "export"),
    ("rerun the churn model", "run"),
    ("translate our welcome email into spanish", "out of scope"),
    ("book me a table for 2 at 7pm", "out of scope"),
])
def test_changing_acting_and_other_jobs_are_declined(text: str, kind: str) -> None:
    refusal = check(text)
    assert refusal is not None and refusal.kind == kind, text


@pytest.mark.parametrize("text", [
    "can i get the phone number for m0001311, need to call them",
    "export every members home address to csv",
    "give me email adress of member m0000345",  # spelling is corrected before the rules; the typo still reads
    "export their emails and phone numbers to csv",
    "hey, could you export the home addresses of everyone in london to a spreadsheet?",
    "list the full names of the top 20 at risk members",
    "what's the postcode of customer m0000123",
    "who is m0000123 married to",
    "give me the emails of all champions",
])
def test_personal_data_is_never_shown(text: str) -> None:
    refusal = check(text)
    assert refusal is not None and refusal.kind == "personal data", text
    assert "export" in refusal.reply  # says where contact details can be used properly


@pytest.mark.parametrize("text", [
    "which reviews did we remove last week",
    "what is the churn band of cluster 3",
    "change the offer to 20% off",
    "how many reviews have been approved so far?",
    "hi! which reviews have we already removed as fake? could you list about 20?",
    "send champions a thank you email",
    "email the hibernating lot with 10% off",
    "write an email for champions with free delivery",
    "create push notification copy for new customers offering free shipping",
    "make an sms for loyal with 2x points",
    "update me on the review queue",
    "what would change if we gave at risk 20% off",
    "when was the last import",
    "how old is the data",
    "toys for kids of 3 years old",
    "birthday treat campaign for loyal",
    "find phone cases",
    "which campaign should we run for at risk",
])
def test_questions_and_writing_requests_are_not_declined(text: str) -> None:
    assert check(text) is None, text


def test_clauses_split_at_punctuation_and_joining_words() -> None:
    assert clauses("show the queue, then delete it") == ["show the queue", "delete it"]


def look_up(ctx, member_id: str) -> ToolResult:
    """Look up a member.

    Args:
        member_id: the member id.

    Examples:
        look up member
        profile of customer member
        what segment is member in
    """
    return ToolResult(f"member {member_id}")


def queue(ctx, status: str | None = None) -> ToolResult:
    """Summarise the review queue.

    Args:
        status: review status.

    Examples:
        what is in the review queue
        show flagged reviews
    """
    return ToolResult("queue")


@pytest.fixture()
def agent(bow_embedder) -> Agent:
    registry = ToolRegistry([look_up, queue])
    return Agent(registry, EmbeddingRouter(registry, bow_embedder, Vocabulary(), min_score=0.3), Vocabulary())


def test_refusals_say_what_the_agent_can_do_and_run_nothing(agent: Agent) -> None:
    ctx = ToolContext(ws=None, settings=Settings(), user="ana")
    for message in ("delete all reviews from the database", "who won the world cup in 2022",
                    "what was the UK inflation in 2025?"):
        route, reply = agent.route(message, Conversation())
        assert route.refused and route.tool is None and reply, message
        answer = agent.respond(message, Conversation(), ctx)
        assert answer.refused and not answer.ok and answer.tool is None
        assert "members" in answer.text and "help" in answer.text.lower()  # what it can do instead
    assert CAN_DO in agent.respond("who won the world cup in 2022", Conversation(), ctx).text


def test_a_year_is_never_a_member_id(agent: Agent) -> None:
    route, _ = agent.route("who won the world cup in 2022", Conversation())
    assert route.tool is None and "member_id" not in route.arguments
    route, question = agent.route("look up member M0001456", Conversation())
    assert question is None and route.arguments == {"member_id": "M0001456"}
