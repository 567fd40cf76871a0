"""Round-9 families: how operators write outside the parser's own phrasing (used by :func:`segments.spoken.respeak`).

:func:`european` runs first, on the raw sentence:

* a decimal comma before a currency sign or after a zero ("80,50 £", "0,3") and a thousands dot before a currency
  sign ("1.000 £") are read the European way; the currency sign after the number moves in front ("80 £" -> "£80");
  a comma number with no sign and no leading zero ("80,5") is left alone (ambiguous);
* a dotted date "01.03.2026" is day first (1 March 2026), said in the read-back.

:func:`operator_phrases` runs once numbers are digits; each family is rewritten to words the grammar already reads:

* non-native grammar: "since 3 months" (= in the last 3 months), "customers which", "make an order",
  "late with (the) reorder more than 30 days" (overdue by more than 30 days), "on DATE or after", comparatives
  built word by word ("more small than", "more of 3", "minimum 2", "older than 54 years");
* purpose framing ("for the win-back email I need ...", "audience for the VIP preview: ...", "... - for the
  cookware restock email") is context, not a condition;
* an inline definition ("the dormant lot. for me dormant means X", "whales. by whales i mean X") replaces the
  word: the operator's own definition is used and the word is not asked about;
* behaviours: "used to order about once a month or more", "send most of what they buy back ... more than half"
  (return rate over 0.5), "bought once and never came back" (exactly 1 order), "more likely than not to still be
  active" (p alive over 0.5), "the model expects to spend", "double our £50 threshold", "used to buy X but haven't
  touched the category in the last year", "sent X back on two or more orders";
* explicit windows in brackets ("during last year's Prime Day (8-11 July 2025)") and a leading "since X," clause.

Vague counts ("many orders", "lots of orders") and a number with no unit after "bought" ("bought more than 100")
are returned as guesses, so the parser asks.
"""

from __future__ import annotations

import re
from typing import Any

_SIGN = r"[£€$]"
_DOT_DATE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")
_MONTH_NAMES = ("January February March April May June July August September October November "
                "December").split()
_EURO_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # "1.000 £", "1.250,50 £": thousands dots (and a decimal comma) before a sign after the number
    (re.compile(rf"\b(\d{{1,3}}(?:\.\d{{3}})+)(?:,(\d{{1,2}}))?\s*({_SIGN})"), "thousands"),
    # "80,50 £": a decimal comma before a sign after the number
    (re.compile(rf"\b(\d+),(\d{{1,2}})\s*({_SIGN})"), "comma"),
    # "£80,50": a decimal comma after a sign (two digits: never a thousands group)
    (re.compile(rf"({_SIGN})\s*(\d+),(\d{{1,2}})\b(?![.,]?\d)"), "sign_comma"),
    # "0,3": a leading zero makes the comma a decimal one
    (re.compile(r"(?<![\d.,])0,(\d+)\b(?![.,]\d)"), "zero"),
    # "80 £", "80.50£": the sign after the number
    (re.compile(rf"\b(\d+(?:\.\d+)?)\s*({_SIGN})(?!\d)"), "after"),
)


def _euro(kind: str, m: re.Match[str]) -> str:
    if kind == "thousands":
        whole = m.group(1).replace(".", "")
        return f"{m.group(3)}{whole}" + (f".{m.group(2)}" if m.group(2) else "")
    if kind == "comma":
        return f"{m.group(3)}{m.group(1)}.{m.group(2)}"
    if kind == "sign_comma":
        return f"{m.group(1)}{m.group(2)}.{m.group(3)}"
    if kind == "zero":
        return f"0.{m.group(1)}"
    return f"{m.group(2)}{m.group(1)}"


def european(text: str) -> tuple[str, list[str]]:
    """European numbers and dotted day-first dates, rewritten; the read-back lines for each."""
    said: list[str] = []

    def date_(m: re.Match[str]) -> str:
        day, month, year = int(m.group(1)), int(m.group(2)), m.group(3)
        if not (1 <= day <= 31 and 1 <= month <= 12):
            return m.group()
        out = f"{day} {_MONTH_NAMES[month - 1]} {year}"
        said.append(f"'{m.group()}' read day first, as {out}")
        return out

    text = _DOT_DATE.sub(date_, text)
    for pattern, kind in _EURO_RULES:
        def sub(m: re.Match[str], kind: str = kind) -> str:
            out = _euro(kind, m)
            if kind != "after":
                said.append(f"'{m.group().strip()}' read as {out}")
            return out
        text = pattern.sub(sub, text)
    return text, said


_PURPOSE_WORDS = (r"(?:e-?mails?|campaigns?|preview|mailing|newsletter|send|push|promo|promotion|guide|sms|"
                  r"offer|launch|drop|list|audience|mailer)")
_PURPOSE_HEAD = re.compile(
    r"^\s*(?:ok(?:ay)?\s+so\s+|so\s+)?(?:(?:the\s+)?(?:audience|list|segment|people)\s+)?for\s+(?:the|our|a|this|my)\s+"
    rf"[\w'£&\s-]{{0,40}}?{_PURPOSE_WORDS}\s*(?::|,|-|–)?\s*(?:i|we)?\s*(?:need|want|would\s+like|'d\s+like)?"
    r"\s*(?::|,|-)?\s*", re.I)
_PURPOSE_TAIL = re.compile(
    rf"\s*(?:[-–,;(]\s*)(?:for|ahead\s+of)\s+(?:the|our|a|this|my)\s+[\w'£&\s-]{{0,40}}?{_PURPOSE_WORDS}\)?\s*[.!]?\s*$",
    re.I)
_DEFINES = re.compile(
    r"(?:^|[.:;,!-]\s*|\s)(?:for\s+me|for\s+us|to\s+me|by|here|and)?,?\s*(?:\"|')?([a-z][a-z-]+)(?:\"|')?\s+"
    r"(?:means|i\s+mean|we\s+mean)\s+", re.I)
_FILLER = re.compile(r"^(?:the|our|my|a|lot|ones|crowd|people|customers|members|folks|bunch|group|\W)*$", re.I)
_VAGUE = re.compile(r"\b(many|lots\s+of|a\s+lot\s+of|loads\s+of|plenty\s+of|heaps\s+of|tons\s+of)\s+"
                    r"(orders|purchases|reviews|returns|items)\b", re.I)
_NO_UNIT = re.compile(r"\b(bought|buy|buys|ordered|purchased)\s+(more\s+than|over|at\s+least|under|less\s+than|"
                      r"fewer\s+than)\s+(\d+(?:\.\d+)?)\b(?!\s*(?:%|times|orders?|items?|products?|units?|"
                      r"things|pounds|quid|euros?|dollars|gbp|eur|usd|days?|weeks?|months?|years?|"
                      r"different|distinct|separate|categor))", re.I)
_PLACE = {"make": "place", "makes": "places", "made": "placed", "making": "placing"}


def _placed(m: re.Match[str]) -> str:
    return _PLACE[m.group().strip().lower()] + " "


_REWRITES: tuple[tuple[re.Pattern[str], Any], ...] = (
    (re.compile(r"\bsince\s+(\d+|a|one)\s+(days?|weeks?|months?|years?)\b(?!\s+ago)", re.I), r"in the last \1 \2"),
    (re.compile(r"\b(customers|clients|members|people|ones|buyers|users|shoppers)\s+which\b", re.I), r"\1 who"),
    (re.compile(r"\b(?:make|makes|made|making)\s+(?=(?:an?|one|any|no)\s+(?:orders?|purchases?)\b)", re.I), _placed),
    (re.compile(r"\b(?:are|is|were|being)?\s*late\s+(?:with|on|for|in)\s+(?:the\s+|their\s+|a\s+)?"
                r"(?:re-?order(?:ing)?|next\s+order|repurchase)\s+(?:by\s+)?(more\s+than|over|at\s+least|"
                r"less\s+than|under)\s+(\d+)\s+days\b", re.I), r" overdue by \1 \2 days"),
    (re.compile(r"\bon\s+(\d{1,2}\s+[A-Za-z]+\s+\d{4})\s+or\s+(?:after|later)\b", re.I), r"since \1"),
    (re.compile(r"\bon\s+(\d{1,2}\s+[A-Za-z]+\s+\d{4})\s+or\s+(?:before|earlier)\b", re.I), r"until \1"),
    (re.compile(r"\b(?:people\s+|who\s+)?used\s+to\s+(order|buy|shop|purchase)\s+(?:about\s+|around\s+|roughly\s+)?"
                r"once\s+a\s+month\s+or\s+more(?:\s+often)?(?:\s*,?\s*on\s+average)?\s*,?", re.I),
     r"who \1 every 30 days or less"),
    (re.compile(r"\b(?:but\s+)?(?:have\s*n[o']?t|havent|has\s*n[o']?t|did\s*n[o']?t)\s+(?:bought|ordered|purchased)\s+"
                r"(?:a\s+single\s+thing|anything|a\s+thing)\s+in\s+(over|more\s+than)\s+(\d+)\s+days\b", re.I),
     r"but no order in \1 \2 days"),
    (re.compile(r"\b(?:who\s+)?(?:send|sends|sent|return|returns|returned)\s+(?:most|the\s+majority)\s+of\s+what\s+"
                r"they\s+(?:buy|order|bought|ordered)\s+(?:back|bakc)(?:\s+to\s+us)?\s*,?\s*(?:i\.?e\.?\s*)?"
                r"(?:more\s+than|over)\s+half(?:\s+of\s+(?:the\s+)?(?:units|items|things|it|them))?", re.I),
     "with return rate over 0.5"),
    (re.compile(r"\b(?:the\s+)?serial\s+returners\b\s*(?:\.{2,}|…|:|-)?\s*(?:folks|people|customers|those)?\s*", re.I),
     ""),
    (re.compile(r"\bbought\s+(?:just\s+|only\s+)?once\s+and\s+never\s+(?:came|come|been)\s+back\b", re.I),
     "with exactly 1 order"),
    (re.compile(r"\band\s+that\s+(?:one\s+|single\s+|only\s+)?order\s+was\s+", re.I), "and last order "),
    (re.compile(r"\b(?:who\s+are\s+|are\s+)?more\s+likely\s+than\s+not\s+to\s+(?:still\s+)?be\s+(?:active|alive)"
                r"(?:\s+customers)?\b", re.I), "with p alive over 0.5"),
    (re.compile(r"\b(?:the\s+model|we|our\s+model)\s+(?:expects?|predicts?|forecasts?)\s+(?:them\s+)?to\s+spend\s+",
                re.I), "with predicted spend "),
    (re.compile(r"\b(?:the\s+model|we|our\s+model)\s+(?:expects?|predicts?|forecasts?)\s+(?:them\s+)?to\s+"
                r"(order|buy|purchase|shop)\b", re.I), r"expected to \1"),
    (re.compile(r"\bused\s+to\s+buy\s+([A-Z][\w&]*)(?:\s+(?:gear|stuff|things|products|items))?\s+but\s+"
                r"(?:have\s*n[o']?t|havent)\s+(?:touched|bought\s+from|ordered\s+from)\s+(?:the\s+|that\s+)?"
                r"(?:category|it)\s+in\s+(?:the\s+)?(?:last|past)\s+year\b"),
     r"bought \1 and whose last \1 order was more than a year ago"),
    (re.compile(r"\b(?:sent|send|returned)\s+([A-Z][\w&]*)\s+back\s+(?:\(or\s+cancell?ed\s+it\)\s+)?on\s+", re.I),
     r"returned \1 on "),
)
_STAR = r"(?:one|1|two|2)"
_REWRITES += (
    # "more than 3 reviews with one or two stars": one count over the low ratings
    (re.compile(r"\b(reviews?|ratings?)\s+(?:with|of|rated|at|giving|that\s+(?:gave|give)|scoring)\s+(?:only\s+)?"
                r"(?:(?:one|1)\s*(?:or|-|to|/)\s*(?:two|2)|(?:two|2)\s+or\s+(?:fewer|less|under|below))"
                r"\s*stars?\b", re.I), r"one- or two-star \1"),
    # "fewer orders than in the 90 days before that", "less than before": the order trend
    (re.compile(r"\b(?:still\s+buying|still\s+ordering|still\s+active)\s+but\s+(?:buying\s+|ordering\s+)?less\s+"
                r"(?:than\s+before|often)\s*(?:-|–|:|,)?\s*(?:i\.?e\.?|that\s+is|meaning)\s*,?\s*", re.I), ""),
    (re.compile(r"\b(?:still\s+buying|still\s+ordering)\s+but\s+(?:buying\s+|ordering\s+)?less\s+(?:than\s+before|"
                r"often)\b", re.I), "ordered at least once in the last 90 days and order trend below 0"),
    (re.compile(r"\b(?:but\s+)?fewer\s+orders\s+than\s+in\s+the\s+(?:90\s+days|3\s+months|quarter)\s+before"
                r"(?:\s+that)?\b", re.I), "and order trend below 0"),
    # "their last order is more than a year old"
    (re.compile(r"\b(?:their\s+)?(last|first|latest)\s+([A-Z][\w&]*\s+)?(order|purchase)\s+is\s+(more|less)\s+than\s+"
                r"(.{1,20}?)\s+old\b", re.I), r"\1 \2\3 was \4 than \5 ago"),
    # "but never from Garden" after a count of categories: no orders in that category
    (re.compile(r"\b(categor(?:y|ies)\b.{0,20}?)\s+but\s+never\s+(?:from|in|bought\s+(?:from\s+|in\s+)?)\s*"
                r"([A-Z][\w&]*)\b"), r"\1 and no orders in \2"),
)
_REWRITES += (
    # "no order since more than one year": the non-native "since" with a length of time
    (re.compile(r"\bsince\s+(more\s+than|over|at\s+least|less\s+than)\s+(\d+|a|one)\s+(days?|weeks?|months?|years?)\b",
                re.I), r"in \1 \2 \3"),
    # "last order is more old than 1 year", "older than a year"
    (re.compile(r"\b(?:is|was|are)\s+(?:more\s+old|older)\s+than\s+(\d+|a|one)\s+(days?|weeks?|months?|years?)\b",
                re.I), r"was more than \1 \2 ago"),
    # "average rating under 3 stars from their reviews": the rating is already the reviews'
    (re.compile(r"\b(stars?(?:\s+or\s+(?:better|more|higher|above|worse|less|lower|below))?)\s+(?:from|in|across|on)\s+"
                r"(?:all\s+)?(?:their|his|her|the)\s+reviews\b", re.I), r"\1"),
    # "the chance they're still active is under 20%": the probability of being alive
    (re.compile(r"\b(?:the\s+)?(?:chance|probability|likelihood|odds)\s+(?:that\s+)?(?:they'?re|they\s+are|he'?s|"
                r"she'?s)\s+still\s+(?:active|alive|around|a\s+customer)\s+is\s+", re.I), "p alive "),
    (re.compile(r"\b(from|via|through|thru)\s+one\s+of\s+our\s+", re.I), r"\1 "),
    # "bought over £100": a currency sign makes it money spent
    (re.compile(r"\b(?:bought|purchased|ordered|buy|buys)\s+(?:for\s+)?(more\s+than|over|at\s+least|under|less\s+than|"
                r"above|below)\s+(?=[£€$]\s*\d)", re.I), r"spent \1 "),
)
_REWRITES += (
    # "Champions that the model puts in the high churn band", "the model gives at least a 60% chance of churning"
    (re.compile(r"\b(?:that|whom|who)?\s*(?:the|our)\s+model\s+(?:puts|places|has|scores|rates|classes)\s+(?:them\s+)?"
                r"(?=in\s+the\b)", re.I), " "),
    (re.compile(r"\b(?:the|our)\s+model\s+(?:gives?|puts?|predicts?|assigns?)\s+(?:them\s+)?(at\s+least|over|more\s+than|"
                r"above|under|below|less\s+than)\s+an?\s+(\d+(?:\.\d+)?)\s*%\s+(?:chance|probability|risk)\s+of\s+"
                r"(?:churning|leaving|churn)\b", re.I), r"churn probability \1 \2%"),
    # "overdue compared with their usual rhythm": overdue is already against their own gap
    (re.compile(r"\s+(?:compared\s+(?:with|to)|against|versus|vs\.?)\s+(?:their|the)\s+usual\s+"
                r"(?:rhythm|pattern|cadence|schedule|gap|frequency)\b", re.I), ""),
    # "the lapsed audience - which for this campaign I'm calling Hibernating or About to Sleep"
    (re.compile(r"^.{0,40}?[-–:,]\s*which\s+(?:for\s+[^,]{1,30}?\s+)?(?:i'?m|i\s+am|we'?re|we\s+are)\s+calling\s+", re.I),
     ""),
)
_HOLIDAY = (r"(?:black\s+friday|cyber\s+monday|boxing\s+day|christmas(?:\s+eve)?|easter(?:\s+monday)?|good\s+friday|"
            r"prime\s+day|new\s+year'?s?(?:\s+day|\s+eve)?|valentine'?s?(?:\s+day)?|mother'?s\s+day|father'?s\s+day|"
            r"halloween)(?:\s+\d{4})?")
_REWRITES += (
    # "Cyber Monday buyers who haven't been back since (- bought on Cyber Monday and that was their last order)"
    (re.compile(rf"^(?:the\s+|our\s+)?({_HOLIDAY})\s+(?:buyers|shoppers|customers|people)\s+who\s+(?:have\s*n[o']?t|havent|"
                r"did\s*n[o']?t)\s+(?:been\s+back|come\s+back|ordered(?:\s+again)?|bought(?:\s+again|\s+anything)?)\s+"
                r"since\b(?:\s*[-–,:;]\s*(?:i\.?e\.?\s*)?(?:they\s+)?bought\s+on\s+\1\s+and\s+that\s+was\s+their\s+"
                r"(?:last|latest|final|most\s+recent)\s+order)?", re.I),
     r"people who bought on \1 and whose last order was until \1"),
)
_REWRITES += (
    # comparatives built word by word: "more big than", "more small than", "more of 3", "minimum 2", "older than 50"
    (re.compile(r"\bmore\s+(?:big|bigger|high|higher|large|larger|much)\s+than\b", re.I), "more than"),
    (re.compile(r"\bmore\s+(?:small|smaller|low|lower|little)\s+than\b", re.I), "less than"),
    (re.compile(r"\b(more|less|fewer)\s+of\s+(?=\d)", re.I), r"\1 than "),
    (re.compile(r"\b(?:a\s+)?minimum\s+(?:of\s+)?(?=[£€$]?\d)", re.I), "at least "),
    (re.compile(r"\b(?:a\s+)?maximum\s+(?:of\s+)?(?=[£€$]?\d)", re.I), "at most "),
    (re.compile(r"\b(?:are\s+|is\s+)?(?:older|more\s+old)\s+than\s+(\d{2})(?:\s+years(?:\s+old)?)?\b"
                r"(?!\s*(?:days?|weeks?|months?))", re.I),
     r"aged over \1"),
    (re.compile(r"\b(?:are\s+|is\s+)?(?:younger|more\s+young)\s+than\s+(\d{2})(?:\s+years(?:\s+old)?)?\b"
                r"(?!\s*(?:days?|weeks?|months?))", re.I),
     r"aged under \1"),
)
_CONTEXT_TAILS = (
    # "..., doesnt matter which", "..., all of them": said, not a condition
    re.compile(r"\s*[-–,;]\s*(?:(?:it\s+)?does\s*n[o']?t\s+matter\s+which|doesnt\s+matter\s+which|either\s+(?:one\s+)?"
               r"is\s+fine|all\s+of\s+them|the\s+lot)\s*[.!]?\s*$", re.I),
    # "... - the up-and-comers": a hyphenated nickname after a dash
    re.compile(r"\s*[-–]\s*(?:the|our)\s+[a-z]+(?:-[a-z]+)+\s*[.!]?\s*$", re.I),
    # "...? want to land a reminder just before": what the list is for
    re.compile(r"(?:\s*[?.!;]|\s+[-–])\s*(?:i\s+|we\s+)?(?:want|need|would\s+like|plan)\s+to\s+(?:land|send|email|"
               r"give|offer|exclude|include|target|reach|thank|nudge|remind)\b[^.?!]{0,60}[.!]?\s*$", re.I),
)
_PURPOSES = (r"(?:campaign|preview|teaser|nudge|note|thank-you|thank\s+you|win-?back|launch|series|reminder|"
             r"offer|guide|lookbook|promo|mailer|mailing|retargeting\s+test|a/b\s+test)")
_CONTEXT_HEADS = (
    # "For the autumn win-back I want ...", "For the sorry-we-let-you-down note I want ..."
    re.compile(rf"^\s*(?:for|ahead\s+of)\s+(?:the|a|an|our|this|my)\s+(?:[\w'/&£-]+\s+){{0,4}}?[\w'/&£-]*{_PURPOSES}\s+"
               r"(?:i|we)\s+(?:want|need|would\s+like|'d\s+like|am\s+after|'m\s+after)\s*:?\s*", re.I),
    # "For a gadget launch teaser: ...", "audience for the lookbook: ..."
    re.compile(r"^\s*(?:(?:the\s+)?(?:audience|list|segment|people)\s+)?(?:for|ahead\s+of)\s+(?:the|a|an|our|this|my)\s+"
               rf"[^:\d]{{0,40}}{_PURPOSES}[^:\d]{{0,20}}:\s*", re.I),
    # "for the Instagram/TikTok retargeting test, people who ..."
    re.compile(rf"^\s*(?:for|ahead\s+of)\s+(?:the|a|an|our|this|my)\s+[^,:\d]{{0,40}}\b{_PURPOSES}\s*,\s*", re.I),
    # "Reorder nudge: ...", "win-back for the pre-Black Friday crowd: ..."
    re.compile(rf"^\s*[^:\d]{{0,40}}\b{_PURPOSES}\b[^:\d]{{0,40}}:\s*", re.I),
    # "thinking about a save campaign for high churn risk VIPs, so ...": the restatement after "so" is the audience
    re.compile(rf"^\s*(?:thinking|planning|working)\s+(?:about|on)\s+(?:a|an|the|our)\s+[^,]{{0,30}}\b{_PURPOSES}\b"
               r"[^,]{0,60},\s*(?:so|i\.?e\.?|that\s+is|meaning)\s+", re.I),
)
_DOUBLE = re.compile(r"\b(?:at\s*least\s+)?(double|twice|triple|three\s+times)\s+(?:our|the)\s+([£€$])(\d+(?:\.\d+)?)"
                     r"(?:\s+[\w-]+){0,2}?\s+(?:threshold|minimum|limit|target|level)\b", re.I)
_BRACKET_SPAN = re.compile(
    r"\b(?:during|on|over|in|at)\s+[^()]{1,40}?\s*\(\s*(\d{1,2})\s*(?:-|–|to)\s*(\d{1,2})\s+([A-Za-z]+)\s+(\d{4})\s*\)")
_LEADING_SINCE = re.compile(r"^\s*((?:since|from)\s+[^,]{2,30}?|(?:in|during)\s+q[1-4]\s+\d{4})\s*,\s*(.+)$", re.I)


def _definition(text: str) -> tuple[str, list[str]]:
    m = _DEFINES.search(text)
    if m is None:
        return text, []
    word = m.group(1)
    before = text[:m.start()]
    if not re.search(rf"\b{re.escape(word)}s?\b", before, re.I):
        return text, []
    rest = re.sub(rf"\b(?:the\s+|our\s+)?{re.escape(word)}s?\b(?:\s+(?:lot|ones|crowd|bunch|group))?", " ", before,
                  flags=re.I)
    definition = text[m.end():].strip()
    said = [f"'{word}' read as you defined it: {definition}"]
    return (definition if _FILLER.match(rest.strip()) else f"{rest.strip(' .:;,')} {definition}"), said


def operator_phrases(text: str) -> tuple[str, list[str], list[tuple[str, str]]]:
    """The round-9 families (see the module docstring): the rewritten text, read-back lines, guesses to ask."""
    said: list[str] = []
    guesses: list[tuple[str, str]] = []
    text, defined = _definition(text)
    said += defined
    for pattern, kind in ((_PURPOSE_HEAD, "head"), (_PURPOSE_TAIL, "tail")):
        m = pattern.search(text)
        if m and len(text) - len(m.group()) >= 8:
            said.append(f"'{m.group().strip(' -,:;')}' read as context, not a condition")
            text = text[:m.start()] + (" " if kind == "head" else "") + text[m.end():]
    for head in _CONTEXT_HEADS:
        m = head.search(text)
        if m and len(text) - len(m.group()) >= 8:
            said.append(f"'{m.group().strip(' -,:;')}' read as context, not a condition")
            text = text[m.end():]
    for tail in _CONTEXT_TAILS:
        m = tail.search(text)
        if m and m.start() >= 8:
            said.append(f"'{m.group().strip(' -,:;?.!')}' read as context, not a condition")
            text = text[:m.start()]
    for pattern, repl in _REWRITES:
        text = pattern.sub(repl, text)
    m = _DOUBLE.search(text)
    if m:
        factor = {"double": 2, "twice": 2, "triple": 3}.get(m.group(1).lower(), 3)
        value = float(m.group(3)) * factor
        out = f"at least {m.group(2)}{value:g}"
        said.append(f"'{m.group().strip()}' read as {out}")
        text = text[:m.start()] + out + text[m.end():]
    text = _BRACKET_SPAN.sub(lambda b: f"between {b.group(1)} {b.group(3)} {b.group(4)} and "
                                       f"{b.group(2)} {b.group(3)} {b.group(4)}", text)
    lead = _LEADING_SINCE.match(text)
    if lead:
        text = f"{lead.group(2).rstrip(' ?.!')} {lead.group(1)}"
    for v in _VAGUE.finditer(text):
        guesses.append((v.group(1), f"'{v.group()}' gives no number; how many {v.group(2)} do you mean?"))
    for n in _NO_UNIT.finditer(text):
        guesses.append((n.group(3), f"'{n.group()}' has no unit: orders, items or money spent? I read it as "
                                    "orders"))
    return re.sub(r"\s{2,}", " ", text).strip(), said, guesses
