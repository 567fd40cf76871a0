"""Filling a tool's arguments from the message's entities and the conversation's subject.

The message's own values come first; what it leaves out is taken from the subject when the words
refer back ("them", "that segment", a follow-up). A segment read through an everyday name ("VIPs")
yields to one named exactly ("big spenders in Can't Lose Them" -> Can't Lose Them).
"""

from __future__ import annotations

import re
from typing import Any

from memberinsight.agent.extract import Entities, Vocabulary, free_text_query, normalise
from memberinsight.agent.lookback import lookback_days
from memberinsight.agent.readings import GROUP_NOUNS
from memberinsight.agent.registry import Tool
from memberinsight.agent.types import is_member_list_label

ANAPHORA_RE = re.compile(r"\b(them|they|those|these|that|this|it|its|their|he|she|him|her|his|same|"
                         r"this member|that member|this customer|that customer|that segment|this segment|"
                         r"that group|this group|the segment|the group)\b(?!\s+(?:weekend|week|month|year|quarter|"
                         r"morning|afternoon|evening|night|time|season|summer|winter|spring|autumn|fall|"
                         r"christmas|friday|saturday|sunday|monday|tuesday|wednesday|thursday)\b)")
"""Words that refer back to what the conversation is about ("them", "that segment"); "this weekend" does not."""
PERSON_RE = re.compile(r"\b(he|she|him|her|his|hers|this member|that member|this customer|that customer|"
                       r"this person|that person|this client|that client|this shopper|that shopper|the member|"
                       r"the customer|the client|the shopper|the person)\b(?!\s+(?:base|segments?|list|data|journey|"
                       r"groups?|types?|count|numbers?|lifetime|churn))")
THEY_RE = re.compile(r"\b(them|they|their|theirs)\b")
_ORDINAL_RE = {0: re.compile(r"\b(first|former)\b"), 1: re.compile(r"\b(second|latter|other)\b")}
QUESTION_PARAMS = ("description",)
"""Parameters that take the operator's whole question as written (find_members reads it with the segment
parser, which needs every word: a search query drops the request words, this keeps them)."""
_NEGATED_RE = re.compile(r"\b(?:instead of|rather than|not by|not the|not|other than|except)\s+(?:the\s+)?"
                         r"(?:usual\s+|normal\s+|standard\s+)?[a-z]+")


def reads_question(tool: Tool) -> bool:
    """True for a tool that reads the whole question itself (find_members): it takes any value named."""
    return any(p.name in QUESTION_PARAMS for p in tool.params)


def named_by(tool: Tool, vocabulary: Vocabulary) -> list[str]:
    """Segments whose name is part of the tool's name (``at_risk_members`` -> At Risk)."""
    own = f" {tool.name.replace('_', ' ')} "
    return [s for s in vocabulary.segments if f" {normalise(s)} " in own]


def segment_values(tool: Tool, ents: Entities, text: str, vocabulary: Vocabulary) -> list[str]:
    """The message's segments for ``tool``: a segment named like the tool itself names the list, not a
    segment ("at-risk members" asks the at-risk tool), unless the words say "segment" or "group"."""
    own = named_by(tool, vocabulary)
    return [s for s in ents.segments if s not in own
            or re.search(rf"{re.escape(normalise(s))} {GROUP_NOUNS}\b", text)]


def fit(tool: Tool, ents: Entities, text: str, vocabulary: Vocabulary, loose: bool = False) -> int:
    """How many of the message's values ``tool`` can take (a segment named like the tool counts for it;
    segments read through everyday names count only when ``loose``)."""
    names = {p.name for p in tool.params}
    slots = 2 if "segment_a" in names else 1 if "segment" in names else 0
    found = {"member_id": ents.member_ids, "category": ents.categories, "channel": ents.channel,
             "offer": ents.offer, "status": ents.status, "min_clv": ents.min_clv, "weeks": ents.weeks,
             "variants": ents.variants}
    own = set(named_by(tool, vocabulary)) & set(ents.segments)
    segments = len({s for s in segment_values(tool, ents, text, vocabulary)
                    if loose or s in ents.exact_segments} - own)
    score = len(own) + min(slots, segments) + sum(1 for k, v in found.items() if v and k in names)
    return score + (1 if ents.limit and names & {"limit", "k"} else 0)


_SWAP_RE = re.compile(r"\b(?:swap|switch|replace|substitute|change|instead of|in place of|rather than)\b")
_SEARCH_ASK_RE = re.compile(r"\b(?:search|look|looking|hunt|browse)\s+(?:the\s+)?(?:catalogu?e|catalog|range|"
                            r"shop|store)?\s*(?:for|up)\b|\bfind (?:me )?(?:some|any|a|an|products?|items?)\b")


def _swapped(pair: tuple[Any, Any], segments: list[str], text: str) -> tuple[str, str] | None:
    """The comparison before with one side swapped ("swap Loyal for Potential Loyalist", "Promising instead of
    Loyal"): exactly one of the two segments named is in the pair; it gives way to the other."""
    if not pair[0] or len(segments) != 2 or not _SWAP_RE.search(text):
        return None
    inside = [s for s in segments if s in pair]
    if len(inside) != 1:
        return None
    old, new = inside[0], next(s for s in segments if s != inside[0])
    a, b = (new if s == old else s for s in pair)
    return a, b


def _asking_sentence(message: str) -> str:
    """Of several sentences, the one that asks to search ("... Could you search the catalogue for cosy
    blankets?"), else the whole message."""
    sentences = [x for x in re.split(r"(?<=[.?!])\s+", message.strip()) if x]
    asking = [x for x in sentences if _SEARCH_ASK_RE.search(x.lower())]
    return asking[-1] if len(sentences) > 1 and asking else message


def accepts(tool: Tool, ents: Entities) -> bool:
    """True when ``tool`` can take every value the message gives (and it gives one)."""
    names = {p.name for p in tool.params}
    has = {"segment": bool(ents.segments or ents.clusters), "member_id": bool(ents.member_ids),
           "category": bool(ents.categories), "channel": bool(ents.channel), "offer": bool(ents.offer),
           "status": bool(ents.status), "limit": bool(ents.limit), "k": bool(ents.limit),
           "min_clv": ents.min_clv is not None, "weeks": bool(ents.weeks), "variants": bool(ents.variants)}
    if ents.min_clv is not None and "min_clv" in names:
        has["weeks"] = False  # "worth at least £250 over the next twelve months": the value's horizon
    if "segment_a" in names:
        names |= {"segment"}
    if "days" in names:
        names |= {"weeks"}  # "last 7 days", "this month": a look-back the tool takes in days
    found = {k for k, v in has.items() if v}
    if ents.limit and "k" in names:
        found -= {"limit"}
    if ents.limit and "limit" in names:
        found -= {"k"}
    return bool(found) and found <= names


def _one_segment(segments: list[str], ents: Entities) -> str | None:
    exact = [s for s in segments if s in ents.exact_segments]
    return next(iter(exact or segments), None)


def fill(tool: Tool, message: str, ents: Entities, subject: dict[str, Any], vocabulary: Vocabulary,
         follow_up: bool = False) -> dict[str, Any]:
    """Arguments for ``tool`` from the message's entities, then from the conversation's ``subject``."""
    names = {p.name: p for p in tool.params}
    text = normalise(message)
    refers_back = follow_up or bool(ANAPHORA_RE.search(text))
    segments = list(dict.fromkeys(segment_values(tool, ents, text, vocabulary)))
    args: dict[str, Any] = {}
    if "segment_a" in names:
        pair = subject.get("pair") or (None, None)
        segments = [f"cluster {c}" for c in ents.clusters] + segments  # "compare cluster 1 and cluster 3"
        swapped = _swapped(pair, segments, text)
        if swapped is not None:  # "same again but swap Loyal for Potential Loyalist"
            args["segment_a"], args["segment_b"] = swapped
        elif len(segments) >= 2:
            args["segment_a"], args["segment_b"] = segments[:2]
        elif len(segments) == 1:
            ordinal = next((i for i, rx in _ORDINAL_RE.items() if rx.search(text)), None)
            if pair[0] and ordinal is not None:  # "compare the first with Promising"
                args["segment_a"], args["segment_b"] = pair[ordinal], segments[0]
            elif follow_up and pair[0]:
                args["segment_a"], args["segment_b"] = pair[0], segments[0]
            elif subject.get("segment") and subject["segment"] != segments[0] \
                    and not is_member_list_label(subject["segment"]):
                args["segment_a"], args["segment_b"] = subject["segment"], segments[0]
            else:
                args["segment_a"] = segments[0]
    by = names.get("by")
    if ents.clusters and "segment" in names and by is not None and by.choices and "cluster" in by.choices:
        args["segment"], args["by"] = ents.clusters[0], "cluster"  # "describe cluster 4"
    elif "segment" in names:
        if segments:
            args["segment"] = _one_segment(segments, ents)
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
              "min_clv": ents.min_clv, "limit": ents.limit, "k": ents.limit, "variants": ents.variants}
    for key, value in simple.items():  # a value the tool does not list is left out ("removed" for the fraud queue)
        choices = names[key].choices if key in names else None
        if key in names and value is not None and (choices is None or value in choices):
            args[key] = value
    if "days" in names and lookback_days(text) is not None:  # "this week" -> 7: items from the last N days
        args["days"] = lookback_days(text)
    if refers_back:
        for key in ("channel", "offer", "weeks"):
            if key in names and key not in args and subject.get(key) is not None:
                args[key] = subject[key]
    for p in tool.params:
        if p.name in QUESTION_PARAMS and p.name not in args:
            args[p.name] = message.strip()  # the operator's own words, read by the tool's parser
        elif p.free_text and p.required and p.name not in args:
            query = free_text_query(_asking_sentence(message))
            args[p.name] = query if len(query.split()) > 1 else free_text_query(message)
        elif p.choices and p.name not in args:  # a listed value named in the words ("the clusters")
            kept = _NEGATED_RE.sub(" ", text)
            named = [c for c in p.choices if re.search(rf"\b{re.escape(c)}s?\b", kept)]
            if len(named) == 1:
                args[p.name] = named[0]
    return {k: v for k, v in args.items() if v is not None}


def ask_for(tool: Tool, name: str, subject: dict[str, Any]) -> str:
    """The question for a missing required value."""
    pair = subject.get("pair")
    if name == "segment" and pair:
        return f"Which segment: {pair[0]} or {pair[1]}?"
    what = {"segment": "which segment (e.g. Champions, Hibernating)",
            "segment_a": "which two segments to compare (e.g. “Champions vs Hibernating”)",
            "member_id": "which member (give the member id)",
            "category": "which category", "query": "what to search for"}.get(name, f"the {name}")
    return f"To {tool.summary[0].lower()}{tool.summary[1:].rstrip('.')}, I need {what}."
