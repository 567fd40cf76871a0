"""The agent: routes each message to a tool, remembers the subject, and answers.

One :class:`Conversation` per user session holds what the talk is about (the last segment,
member, category, channel...) so that follow-ups work: "now write an SMS for them",
"what about Kitchen?", "only the top 5". The :class:`Agent` is stateless between calls
apart from its fitted router; conversations live in the caller's per-user state.

Every message is first read as the operator meant it (:mod:`agent.spelling`: Unicode, shorthand,
typos). Requests to change, send or export data, for personal data, or outside the job are declined
with what the agent can do (:mod:`agent.guard`, and :mod:`agent.policy` for questions far from every
tool). Every other decision that is not certain becomes a question back to the operator: a vague
request, a message split between two tools, or a missing value (which member? which segment?).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from memberinsight.agent import guard
from memberinsight.agent.arguments import PERSON_RE, QUESTION_PARAMS, accepts, ask_for, fill
from memberinsight.agent.extract import Entities, Vocabulary, extract, normalise, prepare
from memberinsight.agent.fraud_followups import fraud_followup
from memberinsight.agent.policy import THEM_RE, RoutingPolicy
from memberinsight.agent.query import asking_sentence, refine_query
from memberinsight.agent.registry import Tool, ToolRegistry
from memberinsight.agent.router import EmbeddingRouter, ModelRouter, Route, suggestions
from memberinsight.agent.row_followups import Listed, listed_rows, row_followup
from memberinsight.agent.spelling import paraphrase
from memberinsight.agent.streaming import Finished, stream_work
from memberinsight.agent.types import AgentReply, ToolContext, ToolResult, member_list_label
from memberinsight.errors import MemberInsightError

log = logging.getLogger(__name__)

# Words that carry no request of their own: a message made only of these plus entities is elliptical
# ("and kitchen?", "now 17850", "same for loyal customers", "only the top 5", "narrow that down to Loyal").
_FILLER = frozenset(
    "and or but now then what how about for with the a an of to in on it them that this those these "
    "same again also too instead version one ones only just please ok okay so do make versus "
    "against rather than is are was segment group category member customer id number some top "
    "period amount show me let see try other".split())
# Words that only narrow or re-aim the previous request ("could you narrow that down to just Loyal",
# "and the Hibernating folks?", "make it only 5"): a follow-up made of these keeps the last tool.
_REFINE = _FILLER | frozenset(
    "could can would you we i narrow down filter limit restrict keep folks people lot crowd guys members "
    "customers from detail details more thanks great hey hi switch into".split())
WHICH_MEMBER = "Which member do you mean? Give me the member id (e.g. from the member list or a lookup)."
MAX_TOOL_STEPS = 1
"""Tools run per message (the agent answers from one observation; it never loops on model output)."""


@dataclass
class Conversation:
    """One operator's conversation: the turns so far and the current subject."""

    user: str = "operator"
    turns: list[tuple[str, str]] = field(default_factory=list)
    subject: dict[str, Any] = field(default_factory=dict)
    last_tool: str | None = None
    last_arguments: dict[str, Any] = field(default_factory=dict)
    member_lists: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Member lists the answers showed, by label: "them" after "who are our at-risk high spenders?"
    means those members, not a segment."""
    listed: Listed | None = None
    """The rows the last answer with a table listed, in the order shown: "the first one" names one of them
    (:mod:`agent.row_followups`)."""

    def learn(self, subject: dict[str, Any]) -> None:
        """Take what a tool's answer was about into the subject (a member list is kept by its label)."""
        about = dict(subject)
        members = about.pop("member_list", None)
        if members is not None and about.get("segment"):
            self.member_lists[str(about["segment"])] = tuple(str(m) for m in members)
        self.subject.update(about)

    def remember(self, tool: str, arguments: dict[str, Any], extra: dict[str, Any] | None = None) -> None:
        """Record a routed call: the last tool and what it was about."""
        self.last_tool, self.last_arguments = tool, dict(arguments)
        about = dict(arguments)
        if "segment_a" in about:
            self.subject["pair"] = (about.pop("segment_a"), about.pop("segment_b", None))
            self.subject.pop("segment", None)
        about.update(extra or {})
        if about.get("member_id"):
            self.subject["focus"] = "member"
        elif about.get("segment") or "segment_a" in arguments:
            self.subject["focus"] = "segment"
        for key in ("segment", "member_id", "category", "channel", "offer", "weeks"):
            if about.get(key) not in (None, ""):
                self.subject[key] = about[key]


def _content_words(ents: Entities, filler: frozenset[str] = _FILLER) -> list[str]:
    return [w for w in re.findall(r"[a-z]+", ents.rest) if w not in filler]


def _is_elliptical(ents: Entities, tool: Tool | None = None) -> bool:
    """Entities and nothing else ("and kitchen?", "now do a push version", "only the top 5"), or only words
    of the last ``tool``'s own examples ("top 5 riskiest" after the review queue)."""
    extra = _tool_words(tool) if tool is not None else frozenset()
    return ents.any and not [w for w in _content_words(ents, _REFINE) if w not in extra]


def _tool_words(tool: Tool) -> frozenset[str]:
    """The words a tool's name, summary and examples use (what a follow-up to it may repeat)."""
    return frozenset(re.findall(r"[a-z]+", " ".join((tool.name.replace("_", " "), tool.summary, *tool.examples)).lower()))


class Agent:
    """Routes messages to registered tools and turns their results into replies.

    ``router``: an :class:`EmbeddingRouter` (or :class:`ModelRouter`) over ``registry``;
    ``vocabulary``: the shop's segment and category names for argument extraction.
    """

    def __init__(self, registry: ToolRegistry, router: EmbeddingRouter | ModelRouter,
                 vocabulary: Vocabulary | None = None) -> None:
        self.registry = registry
        self.router = router
        self.vocabulary = vocabulary or Vocabulary()

    @property
    def _nearest(self) -> EmbeddingRouter:
        return self.router.fallback if isinstance(self.router, ModelRouter) else self.router

    def read(self, message: str) -> str:
        """``message`` as the agent reads it: Unicode cleaned, shorthand written out, typos corrected."""
        return self._nearest.correct(prepare(message))

    # ----- routing ------------------------------------------------------------------
    def route(self, message: str, conversation: Conversation) -> tuple[Route, str | None]:
        """The tool and arguments for ``message`` in context, a clarifying question, or a refusal.

        Returns ``(route, question)``: when ``question`` is not None the agent should say it instead
        of calling a tool (``route.refused`` tells a refusal from a question). The conversation's
        subject is updated for routed calls.
        """
        read = self.read(message)
        text = normalise(read)
        refusal = guard.check(read.lower(), self._names())
        if refusal is not None:
            return Route(None, 0.0, (), refusal.kind, refused=True), refusal.reply
        fraud = fraud_followup(read, conversation)  # "why is the first one flagged?" after the fraud queue
        if fraud is not None:
            return fraud
        row = row_followup(read, conversation)  # "tell me about the first one" after any list
        if row is not None:
            return row
        ents = extract(read, self.vocabulary)
        last = conversation.last_tool
        if not ents.any and not _content_words(ents):  # "them", "do it", "what about it?"
            if PERSON_RE.search(text) and not conversation.subject.get("member_id"):
                return Route(None, 0.0, (), "which member"), WHICH_MEMBER
            return Route(None, 0.0, (), "vague"), self._clarify(Route(None, 0.0, (), "vague"))
        if last and _is_elliptical(ents, self.registry[last]) and accepts(self.registry[last], ents):
            tool = self.registry[last]
            route = Route(last, 1.0, ((last, 1.0),), "follow-up")
            fresh = fill(tool, read, ents, conversation.subject, self.vocabulary, follow_up=True)
            for p in tool.params:  # "just the top 3" after a search: the same search, fewer results
                if p.free_text and p.required and p.name in conversation.last_arguments:
                    fresh.pop(p.name, None)
            arguments = {**conversation.last_arguments, **fresh}
        elif last and self._policy().new_search_object(self.registry[last], ents, text):
            tool = self.registry[last]  # "what about tents?" after a search: the same search, a new object
            route = Route(last, 1.0, ((last, 1.0),), "follow-up, new object")
            kept = {k: v for k, v in conversation.last_arguments.items() if not tool.param(k).free_text}
            arguments = {**kept, **fill(tool, read, ents, conversation.subject, self.vocabulary)}
            refined = refine_query(text, *(str(conversation.last_arguments.get(p.name, "")) for p in tool.params
                                           if p.free_text and p.required))
            if refined:  # "for kids", "cheaper ones": the same thing, narrowed
                arguments.update({p.name: refined for p in tool.params if p.free_text and p.required})
        else:
            route = self._route_by_words(read, ents, conversation)
            if self._policy().outside_the_job(route, ents, text):
                refusal = guard.out_of_scope()
                return Route(None, route.confidence, route.candidates, refusal.kind, refused=True,
                             outside=route.outside), refusal.reply
            if PERSON_RE.search(text) and not ents.member_ids and not route.arguments.get("member_id") \
                    and not conversation.subject.get("member_id"):  # "this customer", "her": nobody named yet
                return Route(None, route.confidence, route.candidates, "which member"), WHICH_MEMBER
            if route.tool is None:
                return route, self._clarify(route)
            tool = self.registry[route.tool]
            arguments = {**fill(tool, read, ents, conversation.subject, self.vocabulary), **route.arguments}
        for p in tool.params:  # find_members' parser reads the operator's own words and asks about its guesses
            if p.name in QUESTION_PARAMS and arguments.get(p.name):
                arguments[p.name] = message.strip()
        missing = [p for p in tool.params if p.required and arguments.get(p.name) in (None, "")]
        if missing:
            return Route(None, route.confidence, route.candidates, "missing argument"), \
                ask_for(tool, missing[0].name, conversation.subject)
        arguments = tool.validate(arguments)
        conversation.remember(tool.name, arguments, self._implied_subject(tool, arguments))
        used = {str(v) for v in arguments.values()}
        guessed = tuple(g for g in ents.guessed if g.rsplit(" -> ", 1)[-1] in used)
        return Route(tool.name, route.confidence, route.candidates, route.reason, arguments,
                     guessed=guessed, note=route.note), None

    def _route_by_words(self, read: str, ents: Entities, conversation: Conversation) -> Route:
        """The router's choice for a message that is not a follow-up, checked against the values it
        states and against what the conversation is about."""
        text = normalise(read)
        variants = (ents.request,) if ents.request else ()
        plain = paraphrase(ents.masked)
        if plain != ents.masked:
            variants = (*variants, plain)
        asking = asking_sentence(read)
        if asking:  # "I'm preparing a deck on customer value. How many reviews are pending?": the question
            variants = (*variants, paraphrase(extract(asking, self.vocabulary).masked))
        focus = conversation.subject.get("focus")
        if focus and THEM_RE.search(ents.masked):  # "write to those members" after a list: that audience
            variants = (*variants, THEM_RE.sub(" member " if focus == "member" else " segment ", ents.masked))
        if isinstance(self.router, ModelRouter):
            # the fraud list's order and member ids stay out of the model's prompt: what it routes on is the words
            context = "; ".join(f"{k}={v}" for k, v in conversation.subject.items() if not k.startswith("fraud_"))
            route = self.router.route(read, ents.masked, variants, context=context)
        else:
            route = self.router.route(read, ents.masked, variants)
        return self._policy().adjust(route, ents, text, conversation.subject, read)

    def _names(self) -> tuple[str, ...]:
        """The shop's segment and category names, as the refusal rules read them."""
        return tuple(p for p, _, _ in self.vocabulary.segment_phrases()) + tuple(
            p for p, _ in self.vocabulary.category_phrases())

    def _policy(self) -> RoutingPolicy:
        return RoutingPolicy(self.registry, self.vocabulary)

    def _implied_subject(self, tool: Tool, arguments: dict[str, Any]) -> dict[str, Any]:
        """What a call is about beyond its arguments: a tool listing members is about that list
        (``at_risk_members`` -> "At risk members (list)"), whatever segment filtered it."""
        return {"segment": member_list_label(tool.name)} if tool.name.endswith("_members") else {}

    def _clarify(self, route: Route) -> str:
        if route.reason == "ambiguous":
            options = suggestions(route, self.registry)
            return ("I'm not sure which you mean. Did you want, for example: "
                    + " or ".join(f"“{o}”" for o in options) + "?")
        if route.reason == "two members":
            return ("I look up one member at a time: which member first? (Comparisons are between segments, "
                    "e.g. “compare Champions and Loyal”.)")
        if route.reason == "two categories":
            return "I forecast one category at a time, or every category together: which would you like?"
        if route.reason == "three segments":
            return "I compare two segments at a time: which two first?"
        if route.reason == "category not taken" and route.candidates:
            summary = self.registry[route.candidates[0][0]].summary.rstrip(".")
            return (f"I can't narrow that to a product category: “{summary}” covers every category. Shall I answer "
                    "for all of them, or did you mean a forecast or a product search for that category?")
        if route.reason == "segment not taken" and route.candidates:
            summary = self.registry[route.candidates[0][0]].summary.rstrip(".")
            return (f"I can't narrow that to a segment: “{summary}” covers every member. Would the segment's profile "
                    "(“tell me about Champions”) or its members at risk (“churn risks in Champions”) help?")
        if route.reason == "by year":
            return ("I can't filter by year: my answers cover all the data loaded (see **data status** for its "
                    "date range) and forecasts look ahead in weeks. Which figures do you need?")
        if route.reason == "vague" and route.candidates:
            options = suggestions(route, self.registry)
            return ("Could you say a bit more about what you need? For example: "
                    + " or ".join(f"“{o}”" for o in options) + ". Type **help** for more.")
        return ("I'm not sure what you need. I answer questions about members, segments, forecasts, products, "
                "campaign copy, the review and fraud queues and the data. Type **help** for examples.")

    # ----- answering ----------------------------------------------------------------
    def call(self, ctx: ToolContext, tool_name: str, arguments: dict[str, Any]) -> ToolResult:
        """Run one tool; a failure becomes a friendly observation, never an exception."""
        tool = self.registry[tool_name]
        if ctx.registry is None:
            ctx.registry = self.registry
        try:
            result = tool.func(ctx, **tool.validate(arguments))
        except MemberInsightError as exc:
            log.info("tool %s failed: %s", tool_name, exc)
            return ToolResult(f"I couldn't answer that: {exc}", ok=False)
        return result

    def _run_with_progress(self, ctx: ToolContext, tool_name: str, arguments: dict[str, Any]
                           ) -> Iterator[tuple[str, ToolResult | None]]:
        """Run a tool, yielding ``(progress text, None)`` as it reports work in progress and finally
        ``("", result)``."""
        def work(report: Any) -> ToolResult:
            ctx.progress = report
            try:
                return self.call(ctx, tool_name, arguments)
            finally:
                ctx.progress = None

        for item in stream_work(work, name=f"tool-{tool_name}"):
            yield ("", item.value) if isinstance(item, Finished) else (item, None)

    def respond(self, message: str, conversation: Conversation, ctx: ToolContext) -> AgentReply:
        """Route ``message``, run the tool (at most :data:`MAX_TOOL_STEPS`) and answer."""
        *_, reply = self.stream(message, conversation, ctx)
        return reply

    def stream(self, message: str, conversation: Conversation, ctx: ToolContext) -> Iterator[AgentReply]:
        """The answer to ``message`` as it forms: first which tool is working (empty text), then the
        answer's text in growing pieces, then the full reply with its table and chart.
        """
        message = message.strip()
        if not message:
            yield AgentReply("Ask me about members, segments, forecasts, products, campaigns or the review "
                             "queue. Type **help** for examples.", ok=False)
            return
        route, question = self.route(message, conversation)
        if question is not None:
            reply = AgentReply(question, tool=None, confidence=route.confidence,
                               suggestions=[] if route.refused else suggestions(route, self.registry), ok=False,
                               refused=route.refused)
        else:
            assert route.tool is not None
            yield AgentReply("", tool=route.tool, arguments=route.arguments, confidence=route.confidence)
            ctx.member_lists = conversation.member_lists
            result = None
            for draft, done in self._run_with_progress(ctx, route.tool, route.arguments):
                if done is not None:
                    result = done
                else:
                    yield AgentReply(draft, tool=route.tool, arguments=route.arguments,
                                     confidence=route.confidence)
            assert result is not None
            if result.subject:
                conversation.learn(result.subject)
            if route.reason != "follow-up, listed row":  # "the second one" next still names a row of that list
                conversation.listed = listed_rows(route.tool, route.arguments, result.table)
            read_as = "; ".join("“{}” as {}".format(*g.split(" -> ", 1)) for g in route.guessed)
            text = f"_I read {read_as}._\n\n{result.text}" if read_as else result.text
            if route.note:
                text = f"_{route.note}_\n\n{text}"
            reply = AgentReply(text, result.table, result.chart, route.tool, route.arguments,
                               route.confidence, ok=result.ok)
            words = re.split(r"(\s+)", reply.text)
            step = max(1, len(words) // 8)
            for i in range(step, len(words), step):
                yield AgentReply("".join(words[:i]), tool=reply.tool, arguments=reply.arguments,
                                 confidence=reply.confidence)
        conversation.turns.append((message, reply.text))
        yield reply
