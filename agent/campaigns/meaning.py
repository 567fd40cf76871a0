"""Checks on meaning: claims copy makes that no figure check sees, each allowed only when a fact supports it.

:func:`check_meaning` looks for families of claims, not sentences (:data:`CLAIMS`): what the member
did (orders, basket, browsing, when), the state of an order, stock and scarcity, rankings and
popularity, guarantees and price promises, delivery speed, product attributes (organic, handmade),
social proof, novelty, invented terms, a scope wider than the offer's, and statements that run a
product down or refuse the offer. Each family names what would support it (the audience's
segment, the products' reasons, the offer, the member's profile); a claim with no support is a
problem.

Customer-facing copy must also speak the customer's language: the team's vocabulary (segment,
cohort, horizon, churn, risk, score, CLV, RFM, "members of this segment") and unflattering segment
labels (*At Risk*, *Hibernating*) belong in the rationale only (:func:`check_internal_words`).
A sentence that repeats itself is rejected too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from memberinsight.agent.campaigns.facts import FactSheet
from memberinsight.agent.campaigns.offer_sense import OfferSense

LOYAL, LAPSED, NEW, RECENT, UNKNOWN, SLOWING = "loyal", "lapsed", "new", "recent", "unknown", "slowing"
SEGMENT_CLASSES: dict[str, str] = {
    "champions": LOYAL, "loyal": LOYAL, "vip": LOYAL, "vips": LOYAL, "loyalists": LOYAL,
    "at risk": LAPSED, "hibernating": LAPSED, "lost": LAPSED, "about to sleep": LAPSED, "can't lose them": LAPSED,
    "cant lose them": LAPSED, "need attention": SLOWING, "lapsed": LAPSED, "dormant": LAPSED, "inactive": LAPSED,
    "new": NEW, "promising": NEW, "no purchases yet": NEW, "new customers": NEW, "first-time buyers": NEW,
    "potential loyalist": RECENT, "potential loyalists": RECENT,
}
"""How a segment label reads for claims about the audience (RFM labels and common custom ones).
``slowing`` (Need Attention: good customers who still shop, less often) supports no claim of absence:
raters read "welcome back" to them as wrong."""
BENIGN_LABELS = frozenset({"champions", "loyal", "new", "vip", "vips", "promising"})
"""Segment labels that read as ordinary words in customer copy; any other label is internal."""
INTERNAL_LABELS = re.compile(r"\b(?:at[\s-]risk|hibernating|about\s+to\s+sleep|can'?t\s+lose\s+them|need(?:s)?\s+"
                             r"attention|potential\s+loyalists?|no\s+purchases\s+yet)\b", re.I)


def segment_class(facts: FactSheet) -> str:
    """``loyal``, ``lapsed``, ``new``, ``recent`` or ``unknown`` for the sheet's audience."""
    label = facts.segment.strip()
    inner = re.search(r"\(([^)]*)\)\s*$", label)  # "One member (At Risk)"
    label = (inner.group(1) if inner else label).lower().replace("\u2019", "'")
    if label in SEGMENT_CLASSES:
        return SEGMENT_CLASSES[label]
    for key, cls in (("risk", LAPSED), ("lapsed", LAPSED), ("dormant", LAPSED), ("churn", LAPSED),
                     ("win-back", LAPSED), ("vip", LOYAL), ("loyal", LOYAL), ("champion", LOYAL), ("new", NEW)):
        if key in label:
            return cls
    return UNKNOWN


def _reasons(facts: FactSheet) -> str:
    return " ".join(p.reason for p in facts.products).lower()


Support = Callable[[FactSheet, OfferSense], bool]


def _never(facts: FactSheet, offer: OfferSense) -> bool:
    return False


def _classes(*allowed: str) -> Support:
    return lambda facts, offer: segment_class(facts) in allowed


def _reason(*words: str) -> Support:
    return lambda facts, offer: any(w in _reasons(facts) for w in words)


def _offer_text(*words: str) -> Support:
    return lambda facts, offer: any(w in facts.offer.lower() for w in words)


def _member(facts: FactSheet, offer: OfferSense) -> bool:
    return bool(facts.member_profile)


def _profile(*words: str) -> Support:
    return lambda facts, offer: any(w in k.lower() for k in facts.member_profile for w in words)


def _free_shipping(facts: FactSheet, offer: OfferSense) -> bool:
    return offer.kind == "free_shipping"


def _narrow_offer(facts: FactSheet, offer: OfferSense) -> bool:
    """A scope claim (``on every order``) is false when the offer has a threshold or a scope."""
    return offer.threshold is None and not offer.scope and offer.kind not in ("early_access", "none")


def _threshold(facts: FactSheet, offer: OfferSense) -> bool:
    return offer.threshold is not None


@dataclass(frozen=True)
class Claim:
    """A family of claims: ``label`` names it in problems; ``supported`` says whether the sheet backs it;
    ``customer_only``: the family concerns what copy tells the customer (a rationale may discuss it)."""

    label: str
    pattern: re.Pattern[str]
    supported: Support
    customer_only: bool = True


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(parts), re.I)


_COUNT = r"\d+|one|two|three|four|five|six|seven|eight|nine|ten|a\s+couple|a\s+dozen"
_NOT_TIME = r"(?!(?:more\s+)?(?:days?|weeks?|hours?|nights?|months?|fortnights?|mins?|minutes?)\b)"
_ORDER_NOUN = r"(?:order|parcel|package|delivery|purchase|items?|refund|return|basket|cart)"
_WHEN_WORDS = (r"spring|summer|autumn|fall|winter|christmas|easter|black\s+friday|(?:last|this)\s+\w+|a\s+while|ages"
               r"|months|years|january|february|march|april|may|june|july|august|september|october|november|december"
               r"|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec")
"""Times a claim about when a member last shopped names (no fact ever gives one to customer copy)."""
CLAIMS: tuple[Claim, ...] = (
    Claim("the state of an order", _rx(
        rf"\byour\s+(?:recent\s+|latest\s+|last\s+|new\s+)?{_ORDER_NOUN}\s+(?:is|has|was|have|are|will\s+be)\s+"
        r"(?:now\s+|been\s+|finally\s+|all\s+)*(?:ready|shipped|dispatched|sent|on\s+(?:its|the)\s+way|delivered"
        r"|arriving|confirmed|received|processed|complete|packed|out\s+for\s+delivery|waiting|available)\b",
        r"\b(?:order|payment|parcel)\s+(?:confirmed|received|shipped|dispatched|delivered|processed)\b",
        r"(?:^|[.!?]\s+)(?:received|confirmed|shipped|dispatched|delivered|processed|paid)[.!]*\s*$",
        r"(?:^|[.!?]\s+)(?:received|confirmed|shipped|dispatched|delivered|processed|paid)[.!]+\s",
        r"\btrack\s+your\s+(?:order|parcel|delivery)\b|\bready\s+for\s+(?:collection|pick-?up)\b"), _never),
    Claim("what the member left in a basket or browsed", _rx(
        r"\b(?:left|still|sitting|waiting|forgot(?:ten)?|saved|abandoned)\b[^.!?\n]{0,40}\b(?:in|on)\s+(?:your|the)\s+"
        r"(?:shopping\s+)?(?:basket|cart|bag|trolley|wish\s?list)\b",
        r"\byou\s+(?:left|forgot|viewed|browsed|looked\s+at|were\s+(?:looking\s+at|eyeing|browsing|checking)"
        r"|added|saved|wish-?listed|abandoned|had\s+your\s+eye\s+on|clicked)\b",
        r"\b(?:recently|last)\s+viewed\b|\byour\s+(?:wish\s?list|saved\s+items|abandoned)\b|\bitems?\s+you\s+"
        r"(?:viewed|left|saved|liked)\b|\bcomplete\s+your\s+(?:order|purchase|checkout)\b"
        r"|\bstill\s+(?:thinking\s+(?:about|it\s+over)|deciding|considering|eyeing)\b"), _profile("basket", "cart", "viewed")),
    Claim("when the member last did something", _rx(
        r"\b(?:last\s+(?:week|month|year|weekend|night|time\s+you)|yesterday|the\s+other\s+day"
        r"|(?:\d+|a|one|two|three|few|couple\s+of)\s+(?:days?|weeks?|months?|years?)\s+ago"
        r"|earlier\s+this\s+(?:week|month|year)|for\s+(?:years|ages|so\s+long))\b",
        r"\b(?:since|from)\s+(?:19|20)\d\d\b|\bmember\s+since\b|\bcustomer\s+since\b",
        r"\b(?:ordered|shopped|bought|purchased|visited|been\s+(?:in|back|by)|seen\s+you|heard\s+from\s+you)\s+"
        rf"(?:\w+\s+)?(?:since|in|for)\s+(?:the\s+)?(?:{_WHEN_WORDS})\b",
        r"\bwe(?:'ve|\s+have)?\s+noticed\s+(?:that\s+)?you\b"), _never),
    Claim("what the member bought", _rx(
        r"\byou(?:'ve|\s+have)?\s+(?:recently\s+|just\s+|once\s+|already\s+|previously\s+|last\s+)?(?:bought|purchased"
        r"|ordered|loved|rated|reviewed|returned|picked\s+up|tried|enjoyed)\b",
        r"\bbecause\s+you\s+(?:bought|ordered|liked|loved|viewed|shopped)\b|\bbased\s+on\s+your\s+(?:purchases"
        r"|orders|browsing|history|past|shopping)\b|\byour\s+(?:usual|regular\s+order|go-to|purchase\s+history"
        r"|past\s+purchases|previous\s+orders?|recent\s+(?:purchase|order|visit)s?)\b",
        r"\bhope\s+you(?:'re|\s+are)\s+enjoying\s+your\b|\bhow\s+(?:are\s+you\s+getting\s+on|did\s+you\s+get\s+on)"
        r"\s+with\b|\byou\s+shop\s+with\s+us\s+(?:every|each|so|most)\b"), _member),
    Claim("loyalty or status the audience does not have", _rx(
        r"\b(?:one\s+of\s+)?our\s+(?:most\s+|very\s+)?(?:loyal|best|top|biggest|favourite|regular|vip|star|treasured"
        r"|most\s+valued)\s+(?:customers?|shoppers?|members?|fans?|clients?|regulars?)\b",
        r"\b(?:one\s+of\s+)?our\s+(?:most|very|longest|oldest)[\s-]+[\w-]+\s+(?:customers?|shoppers?|members?|fans?"
        r"|clients?|regulars?|buyers?)\b|\b(?:one\s+of\s+)?our\s+(?:frequent|valued|dedicated|devoted|faithful"
        r"|committed|cherished|long[\s-]standing|repeat|special|biggest|keenest|most\s+frequent)\s+"
        r"(?:customers?|shoppers?|members?|fans?|clients?|buyers?)\b",
        r"\bloyal\s+(?:customer|shopper|member|fan|regular)s?\b|\b(?:thanks?\s+(?:you\s+)?for\s+)?your\s+(?:loyalty"
        r"|continued\s+support|custom\s+over)\b|\bfor\s+being\s+(?:loyal|a\s+regular|such\s+a\s+loyal)\b",
        r"\bsticking\s+with\s+us\b|\byou(?:'re|\s+are)\s+(?:a\s+)?(?:regular|vip|one\s+of\s+our\s+(?:best|top))\b"
        r"|\bvips?\b|\bas\s+a\s+regular\b"), _classes(LOYAL)),
    Claim("that the member has been away", _rx(
        r"\bwe(?:'ve|\s+have)?\s+miss(?:ed)?\s+you\b|\bit(?:'s|\s+has)\s+been\s+(?:a\s+while|ages|too\s+long"
        r"|so\s+long)\b|\blong\s+time\s+no\s+see\b|\bhaven'?t\s+seen\s+you\b"
        r"|\bwhere\s+have\s+you\s+been\b|\bbeen\s+away\b|\bsince\s+(?:we\s+last\s+saw\s+you|your\s+last\s+"
        r"(?:order|visit|purchase))\b"), _classes(LAPSED, UNKNOWN)),
    Claim("that the member has come back (\"welcome back\" presumes a return; to a lapsed customer say \"we've "
          "missed you\" or \"it's been a while\")", _rx(r"\bwelcome\s+back\b"), _classes(UNKNOWN)),
    Claim("that the member is new", _rx(
        r"\bthanks?(?:\s+you)?\s+for\s+(?:joining|signing\s+up|your\s+first)\b|\bwelcome\s+to\s+(?:the\s+"
        r"(?:shop|family|club)|our\s+(?:shop|family|community|club))\b|\byour\s+(?:first|1st|second|2nd)\s+"
        r"(?:order|purchase|visit|shop)\b|\b(?:as\s+(?:a|one\s+of\s+our)|you(?:'re|\s+are)\s+(?:a|our|one\s+of\s+our))\s+"
        r"new(?:est)?\s+(?:member|customer|shopper)s?\b|\bjust\s+(?:joined|signed\s+up)\b"),
        _classes(NEW, UNKNOWN)),
    Claim("a recent order", _rx(
        r"\bthanks?(?:\s+you)?\s+for\s+(?:your|the)\s+(?:recent\s+|latest\s+|last\s+)?(?:order|purchase|visit)\b"),
        _classes(NEW, LOYAL, RECENT, UNKNOWN)),
    Claim("stock or scarcity", _rx(
        rf"\b(?:only|just|last)\s+(?:{_COUNT}|a\s+(?:few|handful))\s+(?:{_NOT_TIME}[\w'-]+\s+){{0,4}}(?:left|remaining|in\s+stock"
        r"|available)\b",
        rf"\b(?:{_COUNT})\s+(?:left|remaining)\b(?!\s+(?:to|for|until|before|on)\b)|\b(?:low|limited)\s+stock\b|\b(?:selling|going)\s+(?:out\s+)?fast\b",
        r"\b(?:almost|nearly)\s+(?:gone|sold\s+out|out)\b|\bwhile\s+(?:stocks?|supplies)\s+lasts?\b",
        r"\b(?:back|now|still)\s+in\s+stock\b|\bin\s+stock\b|\bsold\s+out\b|\bout\s+of\s+stock\b|\brestock(?:ed|ing)?\b",
        r"\blimited[\s-]+(?:edition|run|numbers|quantit(?:y|ies)|supply|supplies|batch)\b|\b(?:few|handful)\s+left\b",
        r"\bbefore\s+(?:they(?:'re|\s+are)|it(?:'s|\s+is))\s+(?:all\s+)?gone\b|\bbefore\s+(?:they|it)\s+sells?\s+out\b",
        r"\bgone\s+for\s+good\b|\bdiscontinued\b|\bno\s+plans\s+to\s+(?:sell|stock|carry|make)\b|\bno\s+longer\s+"
        r"(?:sell|stock|carry|make|available)\b|\bstop(?:ped)?\s+(?:selling|stocking)\b|\bflying\s+off\b"
        r"|\bin\s+(?:high|short)\s+demand\b"), _never, customer_only=False),
    Claim("a ranking", _rx(
        r"\bbest[\s-]?sell(?:ing|ers?)\b|\btop[\s-]?(?:rated|selling|sellers?|ranked)\b|#\s?1\b|\bno\.\s?1\b"
        r"|\bnumber\s+(?:1|one)\b|\baward[\s-]?winning\b|\bawards?\b|\b(?:five|5)[\s-]?stars?\b|\bhighly[\s-]rated\b",
        r"\b(?:most|best)[\s-](?:loved|popular|wanted|bought|ordered|requested|talked[\s-]about|reviewed)\b"
        r"|\bbest[\s-]in[\s-]class\b|\bworld[\s-]famous\b|\bhottest\b|\btrending\b|\bviral\b",
        r"\b(?:the\s+)?best\s+\w+\s+(?:in|on)\s+(?:the\s+)?(?:uk|world|market|town|country|britain|high\s+street)\b"
        r"|\b(?:britain|the\s+uk|the\s+world|the\s+nation)'s\s+(?:best|favou?rite)\b"),
        _reason("best-sell", "best sell", "bestsell", "most popular", "top sell"), customer_only=False),
    Claim("popularity", _rx(
        r"\bpopular\b|\b(?:customer|fan|cult|crowd|shopper)\s+favou?rites?\b|\bfavou?rites?\s+(?:with|among)\b"
        r"|\b(?:everyone|customers|shoppers|people)\s+(?:love|adore|rave)\b|\bloved\s+by\b"
        r"|\bcan'?t\s+stop\s+(?:re-?)?(?:ordering|buying|talking\s+about)\b|\bkeep\s+(?:coming\s+back\s+for"
        r"|(?:re-?)?ordering|buying)\b|\b(?:our\s+)?(?:regulars|customers|shoppers|fans)\s+(?:keep|always)\b"
        r"|\bsells?\s+out\s+(?:every|each|fast)\b|\boff\s+the\s+shelves\b"),
        _reason("popular", "favourite"), customer_only=False),
    Claim("a guarantee or price promise", _rx(
        r"\bguarantee(?:d|s)?\b|\bwarrant(?:y|ies|ied)\b|\bmoney[\s-]back\b|\brisk[\s-]free\b|\bno[\s-](?:quibble"
        r"|questions[\s-]asked|risk)\b|\b(?:lowest|cheapest|best|unbeatable|unbeaten)\s+prices?\b",
        r"\bprice\s+(?:match|promise)\b|\bcan'?t\s+be\s+beaten\b|\bnowhere\s+(?:else\s+)?(?:is\s+)?cheaper\b"
        r"|\b(?:cheaper|lower)\s+than\s+(?:anywhere|elsewhere|ever|our\s+competitors|the\s+high\s+street)\b"
        r"|\bnever\s+been\s+(?:cheaper|lower)\b|\blowest\s+ever\b|\byou\s+won'?t\s+(?:find|be\s+disappointed)\b",
        r"\b(?:free|easy|hassle[\s-]free|no[\s-]fuss)\s+returns?\b|\bbuilt\s+to\s+last\b|\blast(?:s)?\s+a\s+lifetime\b"
        r"|\blifetime\b"), _offer_text("guarantee", "warranty", "returns"), customer_only=False),
    Claim("delivery speed or timing", _rx(
        r"\b(?:next|same)[\s-]day\b|\bexpress\s+(?:delivery|shipping)\b|\b(?:fast|speedy|quick|rapid|swift|tracked"
        r"|priority|\d+[\s-]?h(?:ou)?r?)\s+(?:delivery|shipping|dispatch)\b",
        r"\b(?:delivered|arrives?|arriving|dispatched|ships?|shipped|with\s+you|on\s+your\s+doorstep|at\s+your\s+door)"
        r"\s+(?:tomorrow|today|within|in\s+(?:\d+|a|one|two|time)|by\s+|before\s+|for\s+christmas|in\s+time)\b",
        r"\bin\s+time\s+for\s+(?:christmas|xmas|the\s+holidays|the\s+big\s+day|new\s+year|the\s+weekend|\w+day)\b"
        r"|\bclick\s+(?:and|&)\s+collect\b|\bcollect\s+in[\s-]store\b"), _never, customer_only=False),
    Claim("delivery the offer does not include", _rx(
        r"\b(?:delivery|shipping|postage)\s+(?:is\s+)?(?:on\s+us|included)\b"), _free_shipping),
    Claim("a product attribute not in the facts", _rx(
        r"\borganic\b|\bhand[\s-]?(?:made|crafted|finished|poured|knitted|stitched)\b|\bartisan(?:al)?\b"
        r"|\bsustainabl[ey]\b|\bsustainably\b|\beco[\s-]?friendly\b|\bethical(?:ly)?\b|\bfair[\s-]?trade\b"
        r"|\blocally[\s-](?:sourced|made)\b|\bbritish[\s-]made\b|\bmade\s+in\s+(?:the\s+)?[A-Z]\w+\b|\bvegan\b"
        r"|\brecycl(?:ed|able)\b|\bbiodegradable\b|\bcompostable\b|\bplastic[\s-]free\b|\bwaterproof\b"
        r"|\bdishwasher[\s-]safe\b|\bnon[\s-]stick\b|\bhypoallergenic\b|\b(?:all[\s-])?natural\s+ingredients\b"
        r"|\bchemical[\s-]free\b|\bcertified\b|\bcruelty[\s-]free\b|\bsmall[\s-]batch\b"), _never,
        customer_only=False),
    Claim("social proof", _rx(
        r"\b(?:thousands|hundreds|millions|lots|plenty)\s+of\s+(?:happy\s+|satisfied\s+|our\s+)?(?:customers|shoppers"
        r"|members|people|reviews|fans)\b|\b(?:rave|glowing|great|rave)\s+reviews\b|\bas\s+seen\s+(?:on|in)\b"
        r"|\bfeatured\s+in\b|\beveryone(?:'s|\s+is)\s+(?:talking|buying)\b"), _never, customer_only=False),
    Claim("novelty", _rx(
        r"\bnew\s+(?:arrivals?|in\b|collection|range|lines?|products?|stock|launch(?:es)?)\b|\bjust\s+"
        r"(?:landed|arrived|launched|in\b)|\bbrand[\s-]new\b|\bnewly\s+(?:added|arrived|launched)\b"
        r"|\bback\s+by\s+popular\s+demand\b|\b(?:fresh(?:ly)?)\s+(?:in|stocked|arrived)\b"), _reason("new"),
        customer_only=False),
    Claim("terms the offer does not have", _rx(
        r"\bexclud(?:es|ing)\b|\bexclusions?\s+apply\b|\bone\s+per\s+(?:customer|household|order|person)\b"
        r"|\b(?:in-?store|online)\s+only\b|\bnot\s+valid\s+(?:with|on|in)\b|\bcannot\s+be\s+combined\b"
        r"|\bfirst\s+\d+\s+(?:customers|orders|people)\b|\bfull[\s-]price\s+items?\s+only\b"), _never),
    Claim("a minimum spend the offer does not have", _rx(
        r"\bminimum\s+(?:spend|order)\b|\bmin\.?\s+spend\b"), _threshold),
    Claim("a scope wider than the offer's", _rx(
        r"\b(?:on|off|across|for)\s+(?:every|all|any)\s+(?:orders?|purchases?|items?|products?)\b"
        r"|\bno\s+minimum(?:\s+spend)?\b|\bwhatever\s+you\s+spend\b|\b(?:site|store)[\s-]?wide\b"
        r"|\b(?:on|off)\s+everything\b|\beverything\s+in\s+store\b|\ball\s+weekend\s+long\b"), _narrow_offer),
    Claim("something that runs down a product or refuses the offer", _rx(
        r"\b(?:huge\s+|big\s+|terrible\s+)?mistake\b|\bdisappoint(?:ing|ed|ment)\b|\bterrible\b|\bawful\b"
        r"|\bworst\b|\bpoor\s+quality\b|\bfaulty\b|\bdefective\b|\brecall(?:ed)?\b|\bdreadful\b|\brubbish\b"
        r"|\buseless\b|\bwaste\s+of\b|\bregrett?able\b",
        r"\b(?:you\s+)?(?:can'?t|cannot|can\s+not|won'?t\s+be\s+able\s+to)\s+(?:have|get|use|claim|redeem|enjoy)\s+"
        r"(?:this|the|your|our|it)\b|\bnot\s+(?:eligible|valid|available)\s+(?:for|to|on)\s+you\b"
        r"|\b(?:you\s+are|you're)\s+not\s+eligible\b|\bnot\s+for\s+you\b"), _never, customer_only=False),
)

_INTERNAL = _rx(
    r"\bsegment(?:s|ed|ation)?\b|\bcohorts?\b|(?<!\bon\sthe\s)\bhorizons?\b|\bchurn\w*\b"
    r"|(?<![\w-])risks?\b(?![\s-]free|\s+(?:missing|losing|it|running)\b)|\brisky\b",
    r"\b(?:our|the|a|your)\s+(?:\w+\s+)?models?\s+(?:predicts?|says?|shows?|thinks?|expects?|scores?|flags?"
    r"|suggests?)\b|\bmodel(?:led|ling)\b|\b(?:churn|risk|propensity|prediction|predictive|ml|ai|scoring)\s+models?\b"
    r"|\b(?:your|risk|churn|rfm|propensity|loyalty|engagement|value|member|customer|health|credit)\s+scores?\b"
    r"|\bscores?\s+(?:of|is|was|shows)\b",
    r"\bclv\b|\bltv\b|\brfm\b|\b(?:customer\s+)?lifetime\s+value\b|\brecency\b|\bmonetary\b|\bpropensity\b"
    r"|\bprobabilit(?:y|ies)\b|\bpredict(?:s|ed|ion|ions|ive)?\b|\b(?:demand|sales|spend|revenue|value)\s+forecasts?\b"
    r"|\bforecast(?:s|ed)?\s+to\b|\baudiences?\b",
    r"\bfact\s+sheet\b|\bthe\s+facts\b|\b(?:our|the)\s+data\b|\bdata\s+shows?\b|\buplift\b|\bholdout\b"
    r"|\bcontrol\s+group\b|\bconversion\b|\bretention\b|\bre-?activat(?:e|ion)\b|\bwin-?back\b",
    r"\blapsed\b|\bdormant\b|\binactive\b|\bdisengaged\b|\b(?:high|low)[\s-]value\s+(?:customers?|members?)\b",
    r"\b(?:lowers?|raises?|reduces?|increases?|lowering|raising)\s+(?:the\s+|their\s+|your\s+)?risk\b"
    r"|\bmay\s+leave\b|\blikely\s+to\s+(?:leave|lapse|churn|buy|return|order)\b|\bmembers\s+(?:of|in)\s+this\b"
    r"|\bthis\s+(?:group|list)\b|\b(?:top|bottom)\s+\d+\s*%")


def _quote(m: re.Match[str]) -> str:
    return m.group().strip(" .,!?;:")


def check_internal_words(text: str, facts: FactSheet, problems: list[str], checked: list[str]) -> None:
    """Customer copy may not use the team's vocabulary or show an unflattering segment label."""
    checked.append("no internal vocabulary (segment, horizon, churn, risk, score, CLV...) in customer copy")
    names = " ".join([facts.brand, *(p.name for p in facts.products)]).lower()
    for m in _INTERNAL.finditer(text):
        if m.group().lower() not in names:
            problems.append(f"internal wording in customer copy: {_quote(m)!r}")
    label = re.sub(r"^One member \((.*)\)$", r"\1", facts.segment.strip())
    if label and label.lower() not in BENIGN_LABELS and re.search(rf"(?<!\w){re.escape(label)}(?!\w)", text):
        problems.append(f"segment label in customer copy: {label!r}")
    elif m2 := INTERNAL_LABELS.search(text):
        problems.append(f"segment label in customer copy: {_quote(m2)!r}")


def check_claims(text: str, facts: FactSheet, offer: OfferSense, customer: bool, problems: list[str],
                 checked: list[str]) -> None:
    """Claims of each family in :data:`CLAIMS` must be supported by the sheet."""
    checked.append("claims about the member, orders, stock, rankings, guarantees and delivery are supported")
    for claim in CLAIMS:
        if claim.customer_only and not customer:
            continue
        own = facts.offer.lower()
        m = next((m for m in claim.pattern.finditer(text) if m.group().lower().strip() not in own), None)
        if m and not claim.supported(facts, offer):  # the operator's own offer words are never invented
            problems.append(f"claim not in the facts ({claim.label}): {_quote(m)!r}")


def check_repetition(text: str, problems: list[str], checked: list[str]) -> None:
    """A sentence or clause of three or more words may appear only once."""
    checked.append("no repeated sentences")
    seen: set[str] = set()
    for clause in re.split(r"[.!?;\n]+", text):
        words = re.findall(r"[a-z0-9%£$€']+", clause.lower())
        key = " ".join(words)
        if len(words) >= 3 and key in seen:
            problems.append(f"repeats itself: {clause.strip()!r}")
        seen.add(key)


def claim_text(text: str, facts: FactSheet) -> str:
    """``text`` with the brand and the sheet's product names neutralised, for the claim patterns
    (a product called *Best Buy Mug* or a brand called *Risk & Co* makes no claim)."""
    for name in sorted([facts.brand, *(n for _, n in facts.product_name_forms())], key=len, reverse=True):
        if name.strip():
            repl = "the shop" if name == facts.brand else "the product"
            text = re.sub(rf"(?<!\w){re.escape(name.strip())}(?:e?s)?(?!\w)", repl, text, flags=re.I)
    return text
