"""The agent: routes each message to a tool, remembers the subject, and answers.

One :class:`Conversation` per user session holds what the talk is about (the last segment,
member, category, channel...) so that follow-ups work: "now write an SMS for them",
"what about Kitchen?", "only the top 5". The :class:`Agent` is stateless between calls
apart from its fitted router; conversations live in the caller's per-user state.

Every decision that is not certain becomes a question back to the operator: a message far from
every tool, split between two tools, or missing a required value (which member? which segment?).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from agent.extract import Entities, Vocabulary, extract, free_text_query, normalise
from agent.registry import Tool, ToolRegistry
from agent.router import EmbeddingRouter, ModelRouter, Route, suggestions
from agent.streaming import Finished, stream_work
from agent.types import AgentReply, ToolContext, ToolResult, is_member_list_label, member_list_label
from memberinsight.errors import MemberInsightError

log = logging.getLogger(__name__)

_ANAPHORA_RE = re.compile(r"\b(them|they|those|these|that|this|it|its|their|he|she|him|her|his|same|"
                          r"this member|that member|this customer|that customer|that segment|this segment|"
                          r"that group|this group|the segment|the group)\b")
_PERSON_RE = re.compile(r"\b(he|she|him|her|his|this member|that member|this customer|that customer|"
                        r"this person|the member|the customer)\b")
_ORDINAL_RE = {0: re.compile(r"\b(first|former)\b"), 1: re.compile(r"\b(second|latter|other)\b")}
# Words that carry no request of their own: a message made only of these plus entities is elliptical
# ("and kitchen?", "now 17850", "same for loyal customers", "only the top 5").
_FILLER = frozenset(
    "and or but now then what how about for with the a an of to in on it them that this those these "
    "same again also too instead version one ones only just please pls ok okay so do make versus vs "
    "against rather than is are was segment group category member customer id number some top "
    "period amount show me let see try".split())
# Requests for members' contact details: personal data stays out of the chat (audience export only).
_CONTACT_RE = re.compile(r"\b(phone|mobile|telephone|cell)( numbers?)?s?\b|\be-?mail address(es)?\b|"
                         r"\b(home|postal|street) address(es)?\b|\bcontact (details|info|information)\b")
_CONTACT_REPLY = ("Members' contact details are personal data, so I don't show them in the chat. To reach a "
                  "segment, use the audience export (Campaigns tab, or `memberinsight export-audience`), "
                  "which writes them to a file for your email or SMS tool.")
FIT_MARGIN = 0.06
"""A tool this much less similar than the nearest one still wins when only it can take a value the
message states outright (a channel or an offer: "draft a push for them" is campaign copy)."""
CLEAR_MATCH = 0.5
"""Similarity above which two tied tools are both clearly related to the message, so the one that can
run with the values given may answer; below it a tie stays a question."""
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
        for key in ("segment", "member_id", "category", "channel", "offer", "weeks"):
            if about.get(key) not in (None, ""):
                self.subject[key] = about[key]


def _content_words(ents: Entities) -> list[str]:
    return [w for w in re.findall(r"[a-z]+", ents.rest) if w not in _FILLER]


def _is_elliptical(ents: Entities) -> bool:
    """Entities and nothing else ("and kitchen?", "now do a push version", "only the top 5")."""
    return ents.any and not _content_words(ents)


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

    # ----- routing ------------------------------------------------------------------
    def route(self, message: str, conversation: Conversation) -> tuple[Route, str | None]:
        """The tool and arguments for ``message`` in context, or a clarifying question.

        Returns ``(route, question)``: when ``question`` is not None the agent should ask it
        instead of calling a tool. The conversation's subject is updated for routed calls.
        """
        ents = extract(message, self.vocabulary)
        text = normalise(message)
        last = conversation.last_tool
        if _CONTACT_RE.search(text):
            return Route(None, 0.0, (), "personal data"), _CONTACT_REPLY
        if not ents.any and not _content_words(ents):  # "them", "do it", "what about it?"
            return Route(None, 0.0, (), "vague"), self._clarify(Route(None, 0.0, (), "vague"))
        if last and _is_elliptical(ents) and self._accepts(self.registry[last], ents):
            tool = self.registry[last]
            route = Route(last, 1.0, ((last, 1.0),), "follow-up")
            arguments = {**conversation.last_arguments,
                         **self._arguments(tool, message, ents, conversation, follow_up=True)}
        else:
            variants = (ents.request,) if ents.request else ()
            if isinstance(self.router, ModelRouter):
                context = "; ".join(f"{k}={v}" for k, v in conversation.subject.items())
                route = self.router.route(message, ents.masked, variants, context=context)
            else:
                route = self.router.route(message, ents.masked, variants)
            if route.tool is None and route.reason == "ambiguous":
                route = self._by_fit(route, ents, message, conversation)
            elif route.tool is not None:
                route = self._stated_values_fit(route, ents)
            if route.tool is None:
                return route, self._clarify(route)
            tool = self.registry[route.tool]
            if _PERSON_RE.search(text) and conversation.subject.get("member_id") \
                    and "member_id" not in {p.name for p in tool.params}:
                # "is he at risk?" after a member lookup: about that member, not a list of members
                member_tool = next((n for n, _ in route.candidates
                                    if any(p.name == "member_id" for p in self.registry[n].params)), None)
                if member_tool:
                    tool = self.registry[member_tool]
                    route = Route(member_tool, route.confidence, route.candidates, "person follow-up")
            arguments = {**self._arguments(tool, message, ents, conversation), **route.arguments}
        missing = [p for p in tool.params if p.required and arguments.get(p.name) in (None, "")]
        if missing:
            return Route(None, route.confidence, route.candidates, "missing argument"), \
                self._ask_for(tool, missing[0].name, conversation)
        arguments = tool.validate(arguments)
        conversation.remember(tool.name, arguments, self._implied_subject(tool, arguments))
        return Route(tool.name, route.confidence, route.candidates, route.reason, arguments), None

    def _fit(self, tool: Tool, ents: Entities) -> int:
        """How many of the message's values ``tool`` can take."""
        names = {p.name for p in tool.params}
        slots = 2 if "segment_a" in names else 1 if "segment" in names else 0
        found = {"member_id": ents.member_ids, "category": ents.categories, "channel": ents.channel,
                 "offer": ents.offer, "status": ents.status, "min_clv": ents.min_clv, "weeks": ents.weeks}
        fit = min(slots, len(ents.segments)) + sum(1 for k, v in found.items() if v and k in names)
        return fit + (1 if ents.limit and names & {"limit", "k"} else 0)

    def _by_fit(self, route: Route, ents: Entities, message: str, conversation: Conversation) -> Route:
        """Between two equally near tools, the one that can take more of the message's values, or
        else the only one whose required values the message (or the subject) supplies."""
        (first, _), (second, _) = route.candidates[:2]
        fits = {name: self._fit(self.registry[name], ents) for name in (first, second)}
        if fits[first] != fits[second]:
            best = max(fits, key=fits.__getitem__)
            return Route(best, route.confidence, route.candidates, "nearest examples, best argument fit")
        runnable = [name for name in (first, second) if self._can_run(self.registry[name], message, ents, conversation)]
        if len(runnable) == 1 and route.confidence >= CLEAR_MATCH:
            return Route(runnable[0], route.confidence, route.candidates,
                         "nearest examples, the only one with its required values")
        return route

    def _can_run(self, tool: Tool, message: str, ents: Entities, conversation: Conversation) -> bool:
        arguments = self._arguments(tool, message, ents, conversation)
        return all(arguments.get(p.name) not in (None, "") for p in tool.params if p.required)

    def _stated_values_fit(self, route: Route, ents: Entities) -> Route:
        """The nearest tool, unless it cannot take a channel or offer the message states and a tool
        within :data:`FIT_MARGIN` can."""
        stated = {k for k, v in (("channel", ents.channel), ("offer", ents.offer)) if v}
        routed = route.tool
        if routed is None or not stated or stated <= {p.name for p in self.registry[routed].params}:
            return route
        best = dict(route.candidates).get(routed, route.confidence)
        for name, score in route.candidates:
            if name != routed and best - score <= FIT_MARGIN and stated <= {p.name for p in self.registry[name].params}:
                return Route(name, score, route.candidates, "near examples, takes the stated channel/offer")
        return route

    def _accepts(self, tool: Tool, ents: Entities) -> bool:
        names = {p.name for p in tool.params}
        has = {"segment": bool(ents.segments), "member_id": bool(ents.member_ids),
               "category": bool(ents.categories), "channel": bool(ents.channel), "offer": bool(ents.offer),
               "status": bool(ents.status), "limit": bool(ents.limit), "k": bool(ents.limit),
               "min_clv": ents.min_clv is not None, "weeks": bool(ents.weeks)}
        if "segment_a" in names:
            names |= {"segment"}
        found = {k for k, v in has.items() if v}
        if ents.limit and "k" in names:
            found -= {"limit"}
        if ents.limit and "limit" in names:
            found -= {"k"}
        return bool(found) and found <= names

    def _arguments(self, tool: Tool, message: str, ents: Entities, conversation: Conversation,
                   follow_up: bool = False) -> dict[str, Any]:
        """Arguments for ``tool`` from the message's entities, then from the conversation's subject."""
        names = {p.name: p for p in tool.params}
        text = normalise(message)
        refers_back = follow_up or bool(_ANAPHORA_RE.search(text))
        subject = conversation.subject
        # A segment named like the tool itself names the list, not a segment: "at-risk members" asks
        # the at-risk tool, not for the RFM segment "At Risk" (unless the words say "segment").
        segments = [s for s in ents.segments if s not in self._named_by(tool)
                    or re.search(rf"{normalise(s)} (segment|group)", text)]
        args: dict[str, Any] = {}
        if "segment_a" in names:
            pair = subject.get("pair") or (None, None)
            if len(segments) >= 2:
                args["segment_a"], args["segment_b"] = segments[:2]
            elif len(segments) == 1:
                if follow_up and pair[0]:
                    args["segment_a"], args["segment_b"] = pair[0], segments[0]
                elif subject.get("segment") and subject["segment"] != segments[0] \
                        and not is_member_list_label(subject["segment"]):
                    args["segment_a"], args["segment_b"] = subject["segment"], segments[0]
                else:
                    args["segment_a"] = segments[0]
        if "segment" in names:
            if segments:
                args["segment"] = segments[0]
            elif refers_back or names["segment"].required:
                pair = subject.get("pair")
                ordinal = next((i for i, rx in _ORDINAL_RE.items() if rx.search(text)), None)
                if pair and ordinal is not None:
                    args["segment"] = pair[ordinal]
                elif subject.get("segment") and (names["segment"].audience
                                                 or not is_member_list_label(subject["segment"])):
                    args["segment"] = subject["segment"]  # a member list only where a list is accepted
        if "member_id" in names:
            if ents.member_ids:
                args["member_id"] = ents.member_ids[0]
            elif refers_back or names["member_id"].required:
                args["member_id"] = subject.get("member_id")
        if "category" in names:
            if ents.categories:
                args["category"] = ents.categories[0]
            elif refers_back and subject.get("category"):
                args["category"] = subject["category"]
        simple = {"channel": ents.channel, "offer": ents.offer, "status": ents.status, "weeks": ents.weeks,
                  "min_clv": ents.min_clv, "limit": ents.limit, "k": ents.limit}
        for key, value in simple.items():
            if key in names and value is not None:
                args[key] = value
        if refers_back:
            for key in ("channel", "offer", "weeks"):
                if key in names and key not in args and subject.get(key) is not None:
                    args[key] = subject[key]
        for p in tool.params:
            if p.free_text and p.required and p.name not in args:
                args[p.name] = free_text_query(message)
            elif p.choices and p.name not in args:  # a listed value named in the words ("the clusters")
                named = [c for c in p.choices if re.search(rf"\b{re.escape(c)}s?\b", text)]
                if len(named) == 1:
                    args[p.name] = named[0]
        return {k: v for k, v in args.items() if v is not None}

    def _named_by(self, tool: Tool) -> list[str]:
        """Segments whose name is part of the tool's name (``at_risk_members`` -> At Risk)."""
        own = f" {tool.name.replace('_', ' ')} "
        return [s for s in self.vocabulary.segments if f" {normalise(s)} " in own]

    def _implied_subject(self, tool: Tool, arguments: dict[str, Any]) -> dict[str, Any]:
        """What a call is about beyond its arguments: a tool listing members is about that list
        (``at_risk_members`` -> "At risk members (list)"), whatever segment filtered it."""
        return {"segment": member_list_label(tool.name)} if tool.name.endswith("_members") else {}

    def _clarify(self, route: Route) -> str:
        if route.reason == "ambiguous":
            options = suggestions(route, self.registry)
            return ("I'm not sure which you mean. Did you want, for example: "
                    + " or ".join(f"“{o}”" for o in options) + "?")
        return ("I can't help with that here. I answer questions about members, segments, forecasts, "
                "products, campaign copy, the review queue and the data. Type **help** for examples.")

    def _ask_for(self, tool: Tool, name: str, conversation: Conversation) -> str:
        pair = conversation.subject.get("pair")
        if name == "segment" and pair:
            return f"Which segment: {pair[0]} or {pair[1]}?"
        what = {"segment": "which segment (e.g. Champions, Hibernating)",
                "segment_a": "which two segments to compare (e.g. “Champions vs Hibernating”)",
                "member_id": "which member (give the member id)",
                "category": "which category", "query": "what to search for"}.get(name, f"the {name}")
        return f"To {tool.summary[0].lower()}{tool.summary[1:].rstrip('.')}, I need {what}."

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
                               suggestions=suggestions(route, self.registry), ok=False)
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
            reply = AgentReply(result.text, result.table, result.chart, route.tool, route.arguments,
                               route.confidence, ok=result.ok)
            words = re.split(r"(\s+)", reply.text)
            step = max(1, len(words) // 8)
            for i in range(step, len(words), step):
                yield AgentReply("".join(words[:i]), tool=reply.tool, arguments=reply.arguments,
                                 confidence=reply.confidence)
        conversation.turns.append((message, reply.text))
        yield reply
