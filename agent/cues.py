"""Phrasings that say which kind of answer is wanted, whatever the rest of the message is about.

The embedding router weighs every word of a message; a long or unusual message can end nearer to
the tool its *topic* suggests than to the one its *request* asks for ("How should we approach the
Promising segment?" reads like a segment profile; "what should we push to M0000074" like a member
lookup). A cue is a short pattern of the request itself (a plan, a piece of copy, recommendations for
a member, help with the assistant, the members at risk within a segment) and the kind of tool that
answers it, described by its parameters rather than by its name. When a tool of that kind is among
the nearest, within the cue's margin, it answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from agent.extract import Entities
from agent.registry import Tool


@dataclass(frozen=True)
class Cue:
    """A request phrasing (``pattern``), the tools that answer it (``answers``) and how much less
    similar such a tool may be than the nearest one and still answer (``margin``)."""

    name: str
    pattern: re.Pattern[str]
    answers: Callable[[Tool], bool]
    margin: float
    applies: Callable[[Entities], bool] = lambda ents: True
    unless: re.Pattern[str] | None = None
    """Words that take the cue back ("campaign" asks for a plan, unless it says "email" or "write")."""
    about_member: bool | None = None
    """True: only about one member (an id given, or "them" after a member); False: never; None: either."""

    def matches(self, text: str, ents: Entities, about_member: bool) -> bool:
        """True when the cue is in ``text`` (normalised) and applies to its entities (``about_member``:
        the message is about one member, by id or by referring back to the member talked about)."""
        if self.about_member is not None and self.about_member != about_member:
            return False
        return bool(self.pattern.search(text)) and self.applies(ents) and not (
            self.unless is not None and self.unless.search(text))


def _params(tool: Tool) -> set[str]:
    return {p.name for p in tool.params}


def recommends_for_member(tool: Tool) -> bool:
    """A tool that picks things for one member (takes a member id and a number of picks)."""
    return {"member_id", "k"} <= _params(tool)


def plans_for_segment(tool: Tool) -> bool:
    """A tool that plans a campaign for a segment (takes a segment and an offer, writes no channel copy)."""
    names = _params(tool)
    return {"segment", "offer"} <= names and "channel" not in names


def writes_copy(tool: Tool) -> bool:
    """A tool that writes messages (takes a channel)."""
    return "channel" in _params(tool)


def looks_up_member(tool: Tool) -> bool:
    """A tool that shows one member (takes a member id and no number of picks)."""
    names = _params(tool)
    return "member_id" in names and "k" not in names


def profiles_segments(tool: Tool) -> bool:
    """A tool that describes the segments (an optional segment, no list size, channel, offer or member)."""
    names = _params(tool)
    return "segment" in names and not tool.required and not names & {"limit", "k", "min_clv", "offer", "channel",
                                                                     "member_id"}


def reports_data(tool: Tool) -> bool:
    """The workspace's data report (a tool without parameters that is not the help)."""
    return not tool.params and tool.name != "help"


def explains_itself(tool: Tool) -> bool:
    """The assistant's own help (a tool named help, with no parameters)."""
    return tool.name == "help" and not tool.params


RECOMMEND_RE = re.compile(
    r"\b(?:recommend\w*|recs?|suggest\w*|picks?|ideas?|upsell\w*|cross-?sell\w*|pitch\w*|push|offer|sell|"
    r"next (?:best )?(?:purchase|product|buy|offer|item)s?|(?:would|might|will|could) (?:\w+ )?(?:like|enjoy|love|"
    r"want|buy|need)|(?:products?|items?|gifts?) (?:for|to))\b")
PLAN_RE = re.compile(
    r"\bhow (?:should|shall|can|could|do|would|to|might|best to) (?:we |i |you )?(?:best )?(?:approach|handle|treat|"
    r"tackle|deal with|engage|re-?engage|target|win|reach|keep|grow|retain|activate|reactivate|nurture|bring|get|"
    r"convert|move|turn|look after|work with|market to|talk to|speak to|warm up|wake up|look at)\b|"
    r"\bwhat (?:should|shall|can|could|do|would|might) (?:we|i) (?:do|try|measure|avoid|run|test|track)\b|"
    r"\bwhat to (?:do|try) (?:with|about|for)\b|"
    r"\b(?:strateg\w+|plan|playbook|play|tactics?|approach|game ?plan|next steps?|what to measure|what to avoid)\b|"
    r"\b(?:what|which) (?:offer|discount|incentive|deal|promo\w*|channel)s? (?:would|should|could|will|works?|for|to)\b|"
    r"\bworth (?:giving|offering|sending|trying)\b|"
    r"\b(?:email|sms|push|text|e-mail)s? or (?:an? )?(?:email|sms|push|text|e-mail)\b")
WRITE_RE = re.compile(
    r"\b(?:write|draft|compose|wording|worded|copy|subject lines?|headlines?|taglines?|slogans?|blurb|body text|"
    r"come up with (?:a |an |some )?(?:text|message|email|sms|push|line|subject|notification))\b")
HELP_RE = re.compile(
    r"\b(?:your|ur|you)\s+(?:tools?|features?|functions?|skills?|abilities|capabilit\w+|commands?|powers?)\b|"
    r"\b(?:list|show)\s+(?:me\s+)?(?:your|the)\s+(?:tools|features|functions|commands)\b|"
    r"\bhow (?:does|do) (?:this|the|you) ?(?:tool|assistant|bot|chat|chatbot|app|thing|system)? work\b|"
    r"\bhow (?:do|can|should) (?:i|we) use (?:this|the|you)\b|\bwhat (?:should|can|could|do|shall) i (?:ask|type|say)\b|"
    r"\bwhat (?:can|could|do) (?:i|we) do (?:here|with (?:this|you|it))\b|\bwho are you\b|\bwhat are you\b|"
    r"\bare you (?:a |an )?(?:bot|robot|human|person|ai|real|chatbot)\b")

LOOKUP_RE = re.compile(
    r"\b(?:what|which|how much|how many|when)\b(?:(?!\b(?:next|would|might|will|should|could)\b).)*\b(?:has|have|did|does)"
    r"\b(?:(?!\b(?:next|would|might|will|should|could)\b).)*\b(?:bought|buy|ordered|order|orders|spent|spend|"
    r"purchased|purchase|returned)\b|\b(?:profile|look ?up|pull up|details|history|record)\b|"
    r"\b(?:is|are|was) (?:he|she|they|this member|that member|this customer|that customer|[a-z]\d{3,})\s+(?:a|an|in|one of|"
    r"part of|still|now)\b|\bwhich segment (?:is|are|was) (?:he|she|they)\b")
PROFILE_RE = re.compile(r"\bwhat (?:do|does) (?:the |our )?\w+(?: \w+)? (?:usually |typically |normally |mostly |tend to )?"
                        r"(?:buy|order|spend|like|look like)\b|\btypical\b|\bwhat (?:are|is) (?:the |our )?\w+(?: \w+)? like\b|"
                        r"\bwho(?:s| is| are) in (?:the |our )?\b")
BASE_RE = re.compile(r"\b(?:member|customer|client|shopper|user) ?base\b|\b(?:all|our) (?:members|customers) "
                     r"(?:overall|in general|as a whole)\b|\b(?:which|each|every|per|by) (?:group|segment|cluster)\b")
DATA_RE = re.compile(r"\bhow many (?:\w+ (?:and|or) )?(?:orders|rows|products|records|transactions|lines|items|members|"
                     r"customers)\b(?:(?!\?).)*\b(?:do we have|are there|in total|loaded|altogether|in the (?:data|workspace|"
                     r"system|shop|catalogu?e|catalog|database|range))\b|"
                     r"\b(?:rejects|rejected (?:rows|lines|records)|last (?:import|ingest|load|data refresh)|date range|"
                     r"data (?:quality|freshness|status))\b")
CAMPAIGN_RE = re.compile(r"\bcampaigns?\b")
_COPY_WORDS = re.compile(rf"{WRITE_RE.pattern}|\b(?:email|e-mail|sms|text|push|notification|newsletter|message)s?\b")

CUES: tuple[Cue, ...] = (
    Cue("help", HELP_RE, explains_itself, 0.3,
        lambda e: not (e.segments or e.member_ids or e.categories or e.channel or e.status)),
    Cue("recommend for a member", RECOMMEND_RE, recommends_for_member, 0.15, about_member=True),
    Cue("a member's own record", LOOKUP_RE, looks_up_member, 0.15, about_member=True),
    Cue("the member base", BASE_RE, profiles_segments, 0.2, lambda e: len(set(e.segments)) < 2, about_member=False),
    Cue("a segment's profile", PROFILE_RE, profiles_segments, 0.2,
        lambda e: bool(e.segments) and not (e.min_clv or e.limit), about_member=False),
    Cue("the data's totals", DATA_RE, reports_data, 0.25,
        lambda e: not (e.segments or e.member_ids or e.categories)),
    Cue("write copy", WRITE_RE, writes_copy, 0.2, about_member=False),
    Cue("plan a campaign", PLAN_RE, plans_for_segment, 0.2, about_member=False),
    Cue("a campaign, not its copy", CAMPAIGN_RE, plans_for_segment, 0.05,
        lambda e: not (e.channel or e.variants), _COPY_WORDS, about_member=False),
)
"""The cues, strongest first (the first that applies and finds a near tool decides)."""
