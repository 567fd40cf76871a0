"""Routing policy: the checks that turn the router's nearest tools into a decision.

The embedding router says which tools' examples a message is nearest to. These rules check that
choice against what the message states (a member id, two segments, a channel or offer, a search
phrased as such, a request phrased as a plan, copy or help: :mod:`agent.cues`), what the conversation
is about (a member, a list), whether the chosen tool can take every value the message names (two
members, three segments, a segment for a forecast are asked back, not dropped), and whether the
message is about the shop at all (general knowledge and small talk are declined, vague requests asked
back).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from memberinsight.agent.arguments import (
    ANAPHORA_RE,
    PERSON_RE,
    THEY_RE,
    fill,
    fit,
    named_by,
    reads_question,
    segment_values,
)
from memberinsight.agent.cues import CUES, FRAUD_RE
from memberinsight.agent.cues import HELP_RE as _HELP_CUE_RE
from memberinsight.agent.extract import Entities, Vocabulary, normalise
from memberinsight.agent.guard import acting_verb, general_knowledge
from memberinsight.agent.query import refine_query
from memberinsight.agent.readings import QUALIFIER_SEGMENTS
from memberinsight.agent.registry import Tool, ToolRegistry
from memberinsight.agent.router import Route

# Words that say the message is about the shop (a message far from every tool that has none of them
# is general knowledge or small talk, and is declined).
DOMAIN_WORDS = frozenset(
    "member members customer customers client clients shopper shoppers buyer buyers segment segments group "
    "groups cluster clusters rfm churn churning risk value clv spend spenders revenue sales sell sold orders "
    "order forecast demand product products item items catalogue catalog stock campaign campaigns copy email sms push offer discount review reviews queue screening data "
    "import rows workspace model models numbers figures report dashboard loyalty points category categories "
    "units purchases bought base list moderate moderation moderating fake rfm grid import ingest help "
    "assistant examples rejects rejected imported loaded ingested fraud fraudulent fraudster fraudsters brushing "
    "chargeback chargebacks scam scams coupon coupons ordered ordering signups signup joined spent recommendation "
    "recommendations analysis analyses analytics".split())
_DOMAIN_RE = re.compile(r"\b(?:" + "|".join(sorted(DOMAIN_WORDS)) + r")\b")
_PEOPLE_WORDS = frozenset("member members customer customers client clients shopper shoppers buyer buyers".split())
_THING_RE = re.compile(r"\b(?:" + "|".join(sorted(DOMAIN_WORDS - _PEOPLE_WORDS)) + r")\b")
"""Domain words other than people (a joke about customers is still a joke)."""
_OBJECT_RE = re.compile(r"\b(?:" + "|".join(sorted(DOMAIN_WORDS - {"help", "assistant", "examples"})) + r")\b")
"""Domain words that name an object of the shop (not the assistant itself)."""
_SHOPPING_RE = re.compile(r"\b(?:find|search|look(?:ing)? for|carry|sell|stock|gifts?|presents?|buy|shop|"
                          r"do (?:we|you) have|have (?:we|you) got|what do we have|anything for|something for)\b")
THEM_RE = re.compile(r"(?:(?<=\sto)|(?<=\sfor))\s(?:them|those|these)(?:\s+(?:members|customers|people|ones|folks))?(?=\s|$)")
"""The audience of a request, referred back to ("write an email to those members")."""
_HELP_RE = re.compile(r"\b(?:help|examples?|questions?|what can (?:you|i)|can you do|hi|hello|hey|commands|"
                      r"capabilit\w+|assistant|how does this work|how do i use|what do you do)\b")
_COMPARE_RE = re.compile(r"\b(?:compare\w*|comparison|versus|vs|against|differ\w*|side by side|stack up|contrast\w*|"
                         r"measure up)\b")
_BOTH_RE = re.compile(r"\b(?:the two|both|the pair|the other one|the first one|the second one)\b")
_YEAR_RE = re.compile(r"(?<![£$€])\b(?:19|20)\d\d\b(?!\s*(?:pounds?|quid|gbp|euros?|eur|dollars?|usd|bucks|k\b|%))")
"""A year ("the revenue for 2024"); an amount that looks like one ("over 2000 pounds") is not."""
_DATED_TOOLS = frozenset({"data_status", "help"})
"""Tools that answer about dates; the others cannot filter by a year ("the revenue for 2024" is asked back)."""
_SEGMENT_FREE = frozenset({"help"})
"""Tools that answer whatever segment a message names (the help lists what can be asked about one)."""
_SEARCH_CUE_RE = re.compile(r"^(?:\w+\s+){0,3}?(?:do|does|did|have|can)\s+(?:we|you)\s+(?:sell|stock|carry|have|"
                            r"got|offer)\s+(?:any|anything|something|a|an|some)\b|\b(?:search|look)\s+(?:in\s+)?(?:the\s+)?"
                            r"(?:catalogu?e|catalog|range)\b|^(?:\w+\s+){0,3}?(?:find|search for|looking for)\s+(?:me\s+)?"
                            r"(?:some|a|an|any|products?|items?|gifts?|something)\b|\b(?:anything|something)\s+(?:in stock\s+)?for\b|"
                            r"\bin stock\b")
_QUESTION_RE = re.compile(r"^(?:\w+\s+){0,2}?(?:who|whom|whose|what|whats|when|where|why|how|hows|which|is|are|"
                          r"was|were|does|did|will|would|should|tell me|explain|define|calculate)\b")
YEAR_NOTE = ("I can't filter a member's history by year: here is their whole profile (how long they have been "
             "a member, when they last ordered).")
_REQUEST_START = re.compile(r"^(?:show|list|give|tell|compare|forecast|predict|write|draft|look|describe|explain|"
                            r"summari[sz]e|recommend|suggest|help|find|search|please|hi|hello|hey|thanks|thank|ok|okay|"
                            r"yes|no|can|could|would|will|do|does|did|any|and|or|but|now|then|also|only|just|same|"
                            r"make|run|send|delete|export|open|check|pull|get|create|compose|i|we|you|my|our)\b")
_PERSON_IS_RE = re.compile(r"\b(?:is|was) (?:he|she|this member|that member|this customer|that customer) (?:a|an|in|one of|"
                           r"part of|still|now)\b|\bwhich segment (?:is|was) (?:he|she)\b")
"""A segment said of the member talked about ("is he a champion?"): about that member, not the segment."""
_FOLLOW_LEAD = re.compile(r"^(?:and|or|also|now|then|what about|how about|same for|and what about|and how about)\s+\w")
SEARCH_MARGIN = 0.15
"""A free-text search tool this much less similar still wins when the message is phrased as a search."""
BARE_MARGIN = 0.25
"""A few words naming things ("hiking boots size 10") go to the free-text search this much less similar."""
OUTSIDE_BELOW = 0.45
"""A message about nothing of the shop that is less similar than this to every tool is declined."""
OUTSIDE_MARGIN = 0.25
"""A message this much nearer to the out-of-scope examples than to any tool is declined even when it
mentions a domain word in passing ("what's the capital of France? asking for our Paris campaign")."""
FIT_MARGIN = 0.06
"""A tool this much less similar than the nearest one still wins when only it can take a value the
message states outright (a channel or an offer: "draft a push for them" is campaign copy)."""
MEMBER_MARGIN = 0.1
"""A tool taking a member id this much less similar still wins when the message gives a member id."""
PAIR_MARGIN = 0.12
"""A two-segment tool this much less similar still wins when the message names two segments."""
QUALIFIER_MARGIN = 0.25
"""The tool named by a qualifier ("at risk champions": the at-risk list) this much less similar still wins."""
CLEAR_MATCH = 0.5
"""Similarity above which two tied tools are both clearly related to the message, so the one that can
run with the values given may answer; below it a tie stays a question."""
# A request whose object is unnamed ("help me with the numbers", "sort the campaign thing") is asked back.
_VAGUE_OBJECT = re.compile(r"\b(?:the|those|these|some|my|our|all the)\s+(?:\w+\s+)?(?:numbers|figures|stats|"
                           r"statistics|thing|things|stuff|info|information|bits)\b")


def _name_words(tool: str) -> set[str]:
    return set(tool.split("_")) - {"for", "at"}


def _about_the_shop(ents: Entities, text: str) -> bool:
    """True when the message names something of the shop (a value, a domain word, a shopping phrase)."""
    return bool(ents.segments or ents.member_ids or ents.categories or ents.channel or ents.status) \
        or any(w in DOMAIN_WORDS for w in re.findall(r"[a-z]+", text)) or bool(_SHOPPING_RE.search(text)) \
        or bool(FRAUD_RE.search(text))  # "card testing", "account takeovers"


class RoutingPolicy:
    """The checks over a routed message for one registry and vocabulary."""

    def __init__(self, registry: ToolRegistry, vocabulary: Vocabulary) -> None:
        self.registry = registry
        self.vocabulary = vocabulary

    def outside_the_job(self, route: Route, ents: Entities, text: str) -> bool:
        """True when ``text`` is general knowledge or small talk: far from every tool (or nearer to the
        out-of-scope examples) and about nothing of the shop. A request for help is never declined."""
        strong = ents.segments or ents.member_ids or ents.categories or ents.channel or ents.status
        if general_knowledge(text) and not (ents.member_ids or ents.categories or ents.channel or ents.status) \
                and not _THING_RE.search(text) and not _SHOPPING_RE.search(text):
            return True  # "who won the Champions League", "tell me a joke about lost customers"
        if (route.tool == "help" and (_HELP_RE.search(text) or _HELP_CUE_RE.search(text)
                                      or route.confidence >= OUTSIDE_BELOW)) \
                or strong or ANAPHORA_RE.search(text) or _BOTH_RE.search(text):
            return False  # "write it again", "compare the two": asked back, not declined
        far = route.reason == "out of scope" or route.confidence < OUTSIDE_BELOW
        names_a_tool = {w for n in self.registry.names for w in _name_words(n)} & set(re.findall(r"[a-z]+", text))
        if far and not _about_the_shop(ents, text) and not names_a_tool \
                and not (route.tool and self.is_search(route.tool, text)):
            return True
        return route.outside - route.confidence >= OUTSIDE_MARGIN

    def adjust(self, route: Route, ents: Entities, text: str, subject: dict[str, Any], read: str) -> Route:
        """The router's ``route`` checked against the values the message states and the subject."""
        if route.tool is None and route.reason == "out of scope" and route.candidates:
            name, score = route.candidates[0]
            if self.is_search(name, text) and route.outside < score + SEARCH_MARGIN:
                route = Route(name, score, route.candidates, "phrased as a search", outside=route.outside)
        if route.tool is None and route.reason == "ambiguous":
            route = self.by_fit(route, ents, read, subject)
        if route.tool is None and route.candidates:  # "list your functions": weak, but asked as help
            hit = self.cued(route, ents, text, subject)
            if hit is not None:
                route = Route(hit[0], hit[1], route.candidates, f"nearest examples, {hit[2]}", outside=route.outside)
        if route.tool is not None:
            route = self.stated_values_fit(route, ents, text)
        if route.tool is not None and not ents.any and _VAGUE_OBJECT.search(text) \
                and not _OBJECT_RE.search(_VAGUE_OBJECT.sub(" ", text)):  # "help me with the numbers"
            return Route(None, route.confidence, route.candidates, "vague", outside=route.outside)
        if route.tool is not None:
            route = self.one_segment_fit(route, ents, text, subject)
        if route.tool is not None:
            route = self.by_cue(route, ents, text, subject)
        if route.tool is not None:
            route = self.untaken_values(route, ents, text)
        if route.tool is not None and _YEAR_RE.search(text) and not ents.weeks and route.tool not in _DATED_TOOLS \
                and not reads_question(self.registry[route.tool]):  # find_members reads dates itself
            if not (ents.member_ids and "member_id" in {p.name for p in self.registry[route.tool].params}):
                return Route(None, route.confidence, route.candidates, "by year", outside=route.outside)
            route = dataclasses.replace(route, note=YEAR_NOTE)  # a member's profile shows their own dates
        if _SEARCH_CUE_RE.search(text) and not ents.member_ids:
            route = self.prefer_free_text(route)
        elif self.bare_phrase(ents, text):
            route = self.prefer_free_text(route, BARE_MARGIN)
        if route.tool is None and not route.candidates:
            return route
        about_member = PERSON_RE.search(text) or (THEY_RE.search(text)
                                                  and subject.get("focus") == "member")
        others = set(ents.exact_segments) - {s for n, _ in route.candidates[:3]
                                             for s in named_by(self.registry[n], self.vocabulary)}
        routed = self.registry[route.tool] if route.tool else None
        if about_member and subject.get("member_id") and (not others or _PERSON_IS_RE.search(text)) and (
                routed is None or ("member_id" not in {p.name for p in routed.params} and not routed.required)):
            # "is he at risk?" / "what's their profile?" after a member: about that member, not a list
            # (a tool that needs other values, "write him an email", keeps them and asks for them)
            member_tool = next((n for n, _ in route.candidates
                                if any(p.name == "member_id" for p in self.registry[n].params)), None)
            if member_tool:
                return Route(member_tool, route.confidence, route.candidates, "person follow-up")
        return route

    def by_cue(self, route: Route, ents: Entities, text: str, subject: dict[str, Any]) -> Route:
        """The nearest tool, unless the request's own phrasing asks for another kind of answer that is
        near enough (:mod:`agent.cues`), or a qualifier narrows a segment to its members at risk ("at
        risk champions" is the at-risk list within Champions, not two segments)."""
        hit = self.cued(route, ents, text, subject)
        if hit is None or hit[0] == route.tool:
            return route
        name, score, why = hit
        return Route(name, score, route.candidates, f"near examples, {why}", outside=route.outside)

    def cued(self, route: Route, ents: Entities, text: str, subject: dict[str, Any]) -> tuple[str, float, str] | None:
        """(tool, score, why) of the tool a cue or a qualifier asks for among the near ones, or None."""
        best = route.candidates[0][1] if route.candidates else route.confidence
        near = [(name, score) for name, score in route.candidates if name in self.registry]
        for qualifier in ents.qualifiers if ents.segments and not ents.member_ids else ():
            for name, score in near:
                if qualifier in named_by(self.registry[name], self.vocabulary) and best - score <= QUALIFIER_MARGIN:
                    return name, score, f"{normalise(qualifier)} narrows the segment"
        about_member = bool(ents.member_ids) or (subject.get("focus") == "member" and bool(subject.get("member_id"))
                                                 and bool(PERSON_RE.search(text) or THEY_RE.search(text)))
        for cue in CUES:
            if not cue.matches(text, ents, about_member):
                continue
            for name, score in near:
                if best - score <= cue.margin and cue.answers(self.registry[name]):
                    return name, score, f"asked as {cue.name}"
        return None

    def is_search(self, tool: str, text: str) -> bool:
        """True for a free-text tool and a message that names things rather than asks a question
        ("noise cancelling headphones", "show me some camping lanterns")."""
        return any(p.free_text and p.required for p in self.registry[tool].params) and not _QUESTION_RE.match(text) \
            and not acting_verb(text)  # "clear the chat" acts, it names no thing

    def prefer_free_text(self, route: Route, margin: float = SEARCH_MARGIN) -> Route:
        """A message phrased as a search ("do we stock any X", "find me X") goes to the tool that takes
        free text when that tool is near enough."""
        best = route.candidates[0][1] if route.candidates else 0.0
        for name, score in route.candidates:
            if best - score <= margin and any(p.free_text and p.required for p in self.registry[name].params):
                if name != route.tool:
                    return Route(name, score, route.candidates, "near examples, phrased as a search",
                                 outside=route.outside)
                break
        return route

    def by_fit(self, route: Route, ents: Entities, message: str, subject: dict[str, Any]) -> Route:
        """Between two equally near tools, the one that can take more of the message's values, or
        else the only one whose required values the message (or the subject) supplies."""
        (first, _), (second, _) = route.candidates[:2]
        text = normalise(message)
        fits = {name: (fit(self.registry[name], ents, text, self.vocabulary),
                       fit(self.registry[name], ents, text, self.vocabulary, loose=True)) for name in (first, second)}
        if fits[first] != fits[second]:  # values named exactly first, then everyday names ("our VIPs")
            best = max(fits, key=fits.__getitem__)
            return Route(best, route.confidence, route.candidates, "nearest examples, best argument fit",
                         outside=route.outside)
        words = set(re.findall(r"[a-z]+", ents.rest))  # "the Promising segment" names a segment, not a tool
        named = [name for name, other in ((first, second), (second, first))
                 if (_name_words(name) - _name_words(other)) & words]
        if len(named) == 1:  # "some copy for Loyal": the word of one tool's own name decides a tie
            return Route(named[0], route.confidence, route.candidates, "nearest examples, named by the words",
                         outside=route.outside)
        runnable = [name for name in (first, second) if self.can_run(self.registry[name], message, ents, subject)]
        if len(runnable) == 1 and route.confidence >= CLEAR_MATCH:
            return Route(runnable[0], route.confidence, route.candidates,
                         "nearest examples, the only one with its required values", outside=route.outside)
        return route

    def can_run(self, tool: Tool, message: str, ents: Entities, subject: dict[str, Any]) -> bool:
        arguments = fill(tool, message, ents, subject, self.vocabulary)
        return all(arguments.get(p.name) not in (None, "") for p in tool.params if p.required)

    def untaken_values(self, route: Route, ents: Entities, text: str) -> Route:
        """A question instead of an answer that would drop what the message asks about: two members for a
        tool that shows one ("compare M0000044 and M0000045"), or a segment for a tool with no segment
        ("forecast for Champions": forecasts are by category)."""
        assert route.tool is not None
        names = {p.name for p in self.registry[route.tool].params}
        if "member_id" in names and len(set(ents.member_ids)) >= 2:
            return Route(None, route.confidence, route.candidates, "two members", outside=route.outside)
        if "category" in names and len(set(ents.categories)) >= 2:
            return Route(None, route.confidence, route.candidates, "two categories", outside=route.outside)
        if "segment_a" in names and len(set(ents.exact_segments)) >= 3:
            return Route(None, route.confidence, route.candidates, "three segments", outside=route.outside)
        reads_all = reads_question(self.registry[route.tool])  # find_members reads every value itself
        free_text = reads_all or any(p.free_text for p in self.registry[route.tool].params)
        if ents.categories and "category" not in names and not free_text and not _HELP_RE.search(text):
            return Route(None, route.confidence, route.candidates, "category not taken", outside=route.outside)
        takes_segment = names & {"segment", "segment_a"} or route.tool in _SEGMENT_FREE or reads_all
        named = [seg for seg in ents.exact_segments if normalise(seg) not in QUALIFIER_SEGMENTS  # "who is at risk"
                 and seg not in named_by(self.registry[route.tool], self.vocabulary)]
        if named and not takes_segment and not ents.member_ids and not ents.categories \
                and not _HELP_RE.search(text):
            return Route(None, route.confidence, route.candidates, "segment not taken", outside=route.outside)
        return route

    def one_segment_fit(self, route: Route, ents: Entities, text: str, subject: dict[str, Any]) -> Route:
        """A two-segment tool for a message that names one segment, compares nothing and follows nothing
        ("how is segment Loyal doing") gives way to a near tool that takes one segment."""
        assert route.tool is not None
        names = {p.name for p in self.registry[route.tool].params}
        if "segment_a" not in names or len(set(ents.segments)) != 1 or _COMPARE_RE.search(text) \
                or _BOTH_RE.search(text) or subject.get("segment") or subject.get("pair"):
            return route
        best = dict(route.candidates).get(route.tool, route.confidence)
        for name, score in route.candidates:
            params = {p.name for p in self.registry[name].params}
            if name != route.tool and "segment" in params and best - score <= PAIR_MARGIN:
                return Route(name, score, route.candidates, "near examples, takes the one segment named",
                             outside=route.outside)
        return route

    @staticmethod
    def new_search_object(tool: Tool, ents: Entities, text: str) -> bool:
        """True when ``text`` follows a search with another thing to look for ("and for pilates?", "what
        about tents"): it starts as a follow-up and names nothing of the shop."""
        return any(p.free_text and p.required for p in tool.params) \
            and bool(_FOLLOW_LEAD.match(text) or refine_query(text, "it")) \
            and not (ents.segments or ents.member_ids or ents.channel or ents.status or ents.offer) \
            and not _DOMAIN_RE.search(text) and not _HELP_RE.search(text)

    def bare_phrase(self, ents: Entities, text: str) -> bool:
        """True for a few words naming things, with no request, question, shop word or tool word ("hiking
        boots size 10", "lavender candles"): a catalogue search."""
        words = re.findall(r"[a-z]+", text)
        stems = {w[:6] for n in self.registry.names for w in _name_words(n) if len(w) >= 4}
        return 0 < len(words) <= 7 and not any(w[:6] in stems for w in words if len(w) >= 4) and not (ents.segments or ents.member_ids or ents.channel or ents.status
                                            or ents.offer) \
            and not _QUESTION_RE.match(text) and not _REQUEST_START.match(text) and not _DOMAIN_RE.search(text) \
            and not _HELP_RE.search(text)

    def stated_values_fit(self, route: Route, ents: Entities, text: str) -> Route:
        """The nearest tool, unless it cannot take a value the message states outright (a member id, a
        channel, an offer, or two segments) and a tool close enough can."""
        routed = route.tool
        if routed is None:
            return route
        best = dict(route.candidates).get(routed, route.confidence)
        names = {p.name for p in self.registry[routed].params}
        stated = {k for k, v in (("channel", ents.channel), ("offer", ents.offer)) if v}
        exact = {s for s in segment_values(self.registry[routed], ents, text, self.vocabulary)
                 if s in ents.exact_segments}
        if _COMPARE_RE.search(text):  # "compare our At Risk customers against Can't Lose Them"
            exact |= set(ents.exact_segments)
        checks: list[tuple[set[str], float, str]] = []
        if ents.member_ids and "member_id" not in names:
            checks.append(({"member_id"}, MEMBER_MARGIN, "takes the member id given"))
        if len(exact) >= 2 and "segment_a" not in names and not stated:
            checks.append(({"segment_a"}, PAIR_MARGIN, "takes the two segments named"))
        if stated and not stated <= names:
            checks.append((stated, FIT_MARGIN, "takes the stated channel/offer"))
        for wanted, margin, why in checks:
            for name, score in route.candidates:
                if name != routed and best - score <= margin \
                        and wanted <= {p.name for p in self.registry[name].params}:
                    return Route(name, score, route.candidates, f"near examples, {why}", outside=route.outside)
        return route

