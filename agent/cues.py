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

from memberinsight.agent.arguments import reads_question
from memberinsight.agent.extract import Entities
from memberinsight.agent.registry import Tool


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
    fits: Callable[[Entities, str], bool] | None = None
    """A check of the entities with the words (used instead of ``unless`` when it is given)."""

    def matches(self, text: str, ents: Entities, about_member: bool) -> bool:
        """True when the cue is in ``text`` (normalised) and applies to its entities (``about_member``:
        the message is about one member, by id or by referring back to the member talked about)."""
        if self.about_member is not None and self.about_member != about_member:
            return False
        if not (self.pattern.search(text) and self.applies(ents)):
            return False
        if self.fits is not None:
            return self.fits(ents, text)
        return not (self.unless is not None and self.unless.search(text))


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


def watches_fraud(tool: Tool) -> bool:
    """The fraud queue's summary (takes a decision status and a look-back in days)."""
    return {"status", "days"} <= _params(tool)


def compares_two(tool: Tool) -> bool:
    """A tool that sets two segments side by side (takes a first and a second segment)."""
    return {"segment_a", "segment_b"} <= _params(tool)


def describes_members(tool: Tool) -> bool:
    """The members matching a description (reads the whole question with the segment parser)."""
    return reads_question(tool)


def lists_at_risk(tool: Tool) -> bool:
    """The list of valuable members at risk of churning (takes a value floor and a list size)."""
    return {"min_clv", "limit"} <= _params(tool)


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
    r"\b(?:suggest|recommend|propose|pitch)\w*\s+(?:me\s+|us\s+)?(?:a|an|some|the)?\s*(?:good\s+|new\s+)?"
    r"campaigns?\b|\bworth (?:giving|offering|sending|trying)\b|\b(?:any|some|got any|have any|your) (?:ideas?|suggestions?|thoughts)\b|"
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
    r"\bare you (?:a |an )?(?:bot|robot|human|person|ai|real|chatbot)\b|"
    r"\b(?:available|supported) (?:commands|features|tools|functions|analys[ie]s|reports|options|questions)\b|"
    r"\b(?:analys[ie]s|reports?|questions|commands|features) (?:is|are) (?:supported|available|possible)\b|"
    r"\b(?:what|which) (?:kinds?|sorts?|types?) of (?:analys[ie]s|reports?|questions|insights?|things|stuff)\b"
    r"(?:(?!\b(?:for|about|on)\b).)*\b(?:can|could|do|does|will) (?:you|u|i|we|this)\b")

LOOKUP_RE = re.compile(
    r"\b(?:what|which|how much|how many|when)\b(?:(?!\b(?:next|would|might|will|should|could)\b).)*\b(?:has|have|did|does)"
    r"\b(?:(?!\b(?:next|would|might|will|should|could)\b).)*\b(?:bought|buy|ordered|order|orders|spent|spend|"
    r"purchased|purchase|returned)\b|\b(?:profile|look ?up|pull up|details|history|record)\b|"
    r"\b(?:is|are|was) (?:he|she|they|this member|that member|this customer|that customer|[a-z]\d{3,})\s+(?:a|an|in|one of|"
    r"part of|still|now)\b|\bwhich segment (?:is|are|was) (?:he|she|they)\b|"
    r"^\W*(?:member\s+)?[a-z]{1,3}\d{3,}\s*(?:[-:,?]|$)")
PROFILE_RE = re.compile(r"\bwhat (?:do|does) (?:the |our )?\w+(?: \w+)? (?:usually |typically |normally |mostly |tend to )?"
                        r"(?:buy|order|spend|like|look like)\b|\btypical\b|\bwhat (?:are|is) (?:the |our )?\w+(?: \w+)? like\b|"
                        r"\bwho(?:s| is| are) in (?:the |our )?\b")
BASE_RE = re.compile(r"\b(?:member|customer|client|shopper|user) ?base\b|\b(?:all|our) (?:members|customers) "
                     r"(?:overall|in general|as a whole)\b|\b(?:which|each|every|per|by) (?:group|segment|cluster)\b")
DATA_RE = re.compile(r"\bhow many (?:\w+ (?:and|or) )?(?:orders|rows|products|records|transactions|lines|items|members|"
                     r"customers)\b(?:(?!\?).)*\b(?:do we have|are there|in total|loaded|altogether|in the (?:data|workspace|"
                     r"system|shop|catalogu?e|catalog|database|range))\b|"
                     r"\b(?:rejects|rejected (?:rows|lines|records)|last (?:import|ingest|load|data refresh)|date range|"
                     r"data (?:quality|freshness|status))\b|"
                     r"\bmodels?\b(?:(?!\?).)*\b(?:built|trained|ready|fitted|up to date|available|run)\b|"
                     r"\b(?:built|trained|fitted)\b(?:(?!\?).)*\bmodels?\b")
FRAUD_RE = re.compile(
    r"\b(?:fraud\w*|frauds?ters?|scam\w*|brushing|card[- ]?testing|carding|stolen cards?|chargebacks?|"
    r"account take-?overs?|hijacked accounts?|coupon (?:abuse|fraud|misuse|farming)|"
    r"(?:suspicious|suspect|dodgy|fishy|fake|risky|bogus) (?:\w+ )?(?:orders?|accounts?|transactions?|payments?|purchases?|"
    r"buyers?|activity|behaviou?r|checkouts?|sign-?ups?)|linked accounts?|"
    r"(?:shar\w+|same) (?:a |one |the same )?(?:devices?|cards?|payment cards?|ip(?: address)?|ips|shipping address))\b")
"""Order and account fraud: the fraud queue, not the review queue (fake *reviews* stay there: see the cue's unless)."""
FAKE_REVIEWS_RE = re.compile(r"\b(?:fake|suspicious|suspect|deceptive|spam\w*|fraudulent|bogus|paid|flagged|removed|"
                             r"approved)\s+(?:\w+\s+)?reviews?\b|\breview(?:s|ing)? queue\b|\bscreening\b|\bmoderat\w+|"
                             r"\breviews?\b(?:(?!\b(?:orders?|accounts?|transactions?|payments?|purchases?)\b).)*"
                             r"\b(?:fake|fraud\w*|suspicious|suspect|spam\w*|bogus|deceptive)\b")
AT_RISK_RE = re.compile(
    r"\b(?:at[- ]?risk|churn\w*|(?:about|likely|set|going|due) to (?:leave|churn|lapse|go|walk|stop|quit)|"
    r"(?:might|may|could|will) (?:leave|churn|lapse|stop buying)|slipping away|in danger (?:of|to)|"
    r"(?:could|might|may|are about to|about to) lose|win(?:ning)? (?:them )?back|lapsing|(?:going|gone) quiet)\b")
"""The at-risk list's own request: members we may lose, with a value floor or a list size (which only that
list takes: "show 25 churn risks worth more than £1,000")."""
MEMBER_CONDITION_RE = re.compile(
    r"\b(?:bought|buy|buys|buying|purchased|ordered|orders?|spent|spend|spending|signed up|joined|sign-?ups?|"
    r"aged|age|years? old|city|country|channel|returns?|returned|reviews?|reviewed|rating|since|days? ago|"
    r"(?:this|last|past) (?:year|month|quarter|week)|in the (?:last|past)|came (?:in )?(?:through|via|from)|"
    r"lives? in|living in|based in|from (?!the |our |a |an )[a-z]+|"
    r"in (?!(?:the|our|a|an|danger|risk|total|general|detail|any|each|this|that|those|these|which|what|order|"
    r"terms|case|particular|champions|loyal|lost|new|promising|hibernating|need|about|potential|can|cant|no|"
    r"the \w+ segment|value|it|them|there|\d)\b)[a-z]+)\b")
"""Conditions on members beyond risk, value and segment (a city, a purchase, a period): a description for
find_members, not the at-risk list ("members in London with high churn risk, top 20")."""
COMPARE_RE = re.compile(r"\b(?:compare|comparing|comparison|contrast|side by side|stack up against|measure up against|"
                        r"versus|vs)\b")
"""A comparison asked outright: the comparing tool answers (and asks for the segments it lacks)."""
_PEOPLE = (r"\b(?:members?|customers?|custs?|people|shoppers?|buyers?|clients?|anyone|everyone|ones|folks|punters|"
           r"spenders|sign-?ups|subscribers|users)\b|^who (?:has |have |had |did |didn'?t |hasn'?t |haven'?t |hasnt |"
           r"havent |didnt |never |only |also |still )?(?:ordered|bought|purchased|spent|signed up|joined|returned|"
           r"reviewed|came)\b")
_PLACE = (r"\b(?:in|from|based in|living in|near) (?!(?:the|our|a|an|danger|risk|total|general|detail|any|each|this|"
          r"that|those|these|which|what|order|terms|case|particular|it|them|there|stock|future|advance|time|store|"
          r"shop|app|queue|segment|group|cluster|bulk|full|person|their|his|her|my|your|its|each|every|all|"
          r"detail|short|brief|general|mind|place|touch|line|charge|\d+)\b)[a-z]+")
_MEASURED = (r"(?:[£$€]\s?\d|\b\d+(?:\.\d+)?\s*[+%k]?\s*(?:or (?:more|fewer|less) |plus )?(?:orders?|purchases?|times|"
             r"returns?|reviews?|one-star|1-star|two-star|2-star|stars?|days?|weeks?|months?|years?|categories|products|"
             r"pounds|quid|euros|dollars)\b)")
_WHEN = (r"\b(?:q[1-4]|(?:this|last) (?:year|month|quarter|week)|since|in the (?:last|past)|aged?|years? old|"
         r"\d\d-\d\d|january|february|march|april|june|july|august|september|october|november|december|christmas|"
         r"black friday|cyber monday|boxing day|easter)\b")
_COMPARED = (r"\b(?:return rate|churn prob\w*|probability|average order value|aov|order value|avg rating|"
             r"average rating|tenure|days overdue)\b[^?.!]{0,20}?\b(?:over|above|under|below|at least|at most|"
             r"more than|less than|fewer than|greater than)\s*[£$€]?\d|"
             r"\b(?:signed up|joined|came in|came|acquired|sign-?ups?) (?:through|via|from|on|off)\b|"
             r"\b(?:who are|aged|age|are) (?:under|over|below|above)\s+\d\d\b")
MEMBER_DESCRIPTION_RE = re.compile(rf"^(?=.*{_PEOPLE})(?=.*(?:{_PLACE}|{_MEASURED}|{_WHEN}|{_COMPARED}))")
"""A description of members by what they did or are (a place, a measured amount or count, a period, an age):
the segment parser reads it (find_members). Checked last: a plan, copy or an at-risk list asked for wins."""
ASKED_AS_AT_RISK_RE = re.compile(rf"{AT_RISK_RE.pattern}|\b(?:high[- ]value|valuable|in a while|a long time|"
                                 r"stopped (?:buying|ordering|shopping)|used to|gone quiet|lapsed|win back)\b")
PAST_PERIOD_RE = re.compile(
    r"\b(?:in|over|during|within) (?:the )?(?:last|past)\b|\bago\b|\b(?:ordered|bought|purchased|shopped|spent|"
    r"returned|reviewed|signed up|joined)\b[^?.!]*\b(?:in|for|over) (?:the )?(?:last |past )?\d+")
"""A period looked back on ("in the last 90 days", "hasn't ordered in 6 months"): a condition on members,
not a forecast horizon."""
HARD_CONDITION_RE = re.compile(rf"{_PLACE}|\b(?:aged?|years? old)\b|\b\d\d-\d\d\b|\b(?:from|via|through) "
                               r"(?:tiktok|instagram|insta|facebook|google|email|referrals?|affiliates?|social|organic)\b")


def _describes(ents: Entities, text: str) -> bool:
    """A member description for the segment parser: a look-back period is a condition, not a forecast
    horizon; words of the at-risk list ("lapsed", "churn", "used to") yield to it unless the message also
    states a condition only the parser reads (a place, a category, a channel, an age) and asks for no list
    size or value floor."""
    if ents.weeks and not PAST_PERIOD_RE.search(text):
        return False
    if ASKED_AS_AT_RISK_RE.search(text):
        hard = bool(ents.categories or ents.channel) or bool(HARD_CONDITION_RE.search(text))
        return hard and not (ents.limit or ents.min_clv is not None)
    return True


CAMPAIGN_RE = re.compile(r"\bcampaigns?\b")
VARIANTS_RE = re.compile(r"\b(?:variants?|versions?|variations?|drafts?|options?)\b")
_COPY_WORDS = re.compile(rf"{WRITE_RE.pattern}|\b(?:email|e-mail|sms|text|push|notification|newsletter|message)s?\b")

CUES: tuple[Cue, ...] = (
    Cue("help", HELP_RE, explains_itself, 0.3,
        lambda e: not (e.segments or e.member_ids or e.categories or e.channel or e.status)),
    Cue("order or account fraud", FRAUD_RE, watches_fraud, 0.25, unless=FAKE_REVIEWS_RE),
    Cue("recommend for a member", RECOMMEND_RE, recommends_for_member, 0.15, about_member=True),
    Cue("a member's own record", LOOKUP_RE, looks_up_member, 0.15, about_member=True),
    Cue("a comparison", COMPARE_RE, compares_two, 0.2, lambda e: not (e.member_ids or e.categories or e.channel),
        about_member=False),
    Cue("members at risk", AT_RISK_RE, lists_at_risk, 0.15,
        lambda e: (e.min_clv is not None or bool(e.limit)) and not (e.categories or e.channel or e.offer),
        unless=MEMBER_CONDITION_RE, about_member=False),
    Cue("the member base", BASE_RE, profiles_segments, 0.2, lambda e: len(set(e.segments)) < 2, about_member=False),
    Cue("a segment's profile", PROFILE_RE, profiles_segments, 0.2,
        lambda e: bool(e.segments) and not (e.min_clv or e.limit), about_member=False),
    Cue("the data's totals", DATA_RE, reports_data, 0.25,
        lambda e: not (e.segments or e.member_ids or e.categories)),
    Cue("write copy", WRITE_RE, writes_copy, 0.2, about_member=False),
    Cue("copy variants for a channel", VARIANTS_RE, writes_copy, 0.2, lambda e: bool(e.variants and e.channel),
        about_member=False),
    Cue("plan a campaign", PLAN_RE, plans_for_segment, 0.2, about_member=False),
    Cue("a campaign, not its copy", CAMPAIGN_RE, plans_for_segment, 0.05,
        lambda e: not (e.channel or e.variants), _COPY_WORDS, about_member=False),
    Cue("members by description", MEMBER_DESCRIPTION_RE, describes_members, 0.3,
        lambda e: not (e.offer or e.variants or e.status or e.clusters), ASKED_AS_AT_RISK_RE,
        about_member=False, fits=_describes),
)
"""The cues, strongest first (the first that applies and finds a near tool decides)."""
