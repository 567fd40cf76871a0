"""The free text of a request: what to search for ("find products like X" -> "X")."""

from __future__ import annotations

import re

_QUERY_LEAD = frozenset(
    "find me show search serch look for the catalogue catalog do we you sell have has anything something "
    "products product items item like similar to a an any which what of our are is good in stock that "
    "would suit us please pls can could i need want some there got stuff things thing also hi hey hello ok "
    "okay just maybe kindly get and or now then also too instead".split())
# What comes before the object of a search: "quick question -", "I'm looking for", "we're after".
_PREAMBLE_RE = re.compile(r"^(?:(?:quick|one|a|just a|small)\s+(?:question|q|one)(?:\s+for\s+you)?|just wondering|"
                          r"hi|hello|hey|hiya|morning|so|well|right|ok|okay)\b\s*[-,:!]*\s*|"
                          r"^(?:(?:and|or|also|now|then)\s+)?(?:what|how) about\s+|"
                          r"^(?:i'?m|i am|we'?re|we are|i|we)\s+(?:(?:currently|still|also|kind of)\s+)?"
                          r"(?:looking|searching|hunting|after|shopping)\s+(?:for\s+|around\s+for\s+)?", re.I)
_QUERY_TAIL_RE = re.compile(
    r"(?:[,;:-]?\s*(?:(?:top|only|just|maybe|about|around|say)\s+)?\d+(?:\s+(?:of them|please|pls|results?|"
    r"items?|products?))?|[,;:-]?\s*(?:please|pls|thanks|thank you|for me|if possible))\s*[?!.]*$", re.I)
_MEASURE_END_RE = re.compile(r"\b(?:size|sizes|aged?|ages|model|number|no|type|version)\s+\d+\s*[?!.]*$", re.I)
_LEADING_COUNT_RE = re.compile(r"^(?:(?:find|show|search|get|give|list)\s+(?:me\s+)?)?(?:the\s+)?(?:top\s+)?\d{1,3}\s+"
                               r"(?!(?:person|man|seater|years?|yrs?|months?|piece|pack|litres?|liters?|cm|mm|ml|kg|"
                               r"inch\w*|ft|metres?|meters?|watt|v|w|mah|x|%)\b)(?=[a-z])", re.I)
_REQUEST_RE = re.compile(r"\b(find|search|look|sell|have|stock|show|anything|something|products?|items?|"
                         r"gifts?|ideas?)\b", re.I)


_ASKING_RE = re.compile(
    r"^(?:(?:so|ok|okay|anyway|but|and|now|next|then|first|right now|for now|just|also|quick one|unrelated|though|"
    r"but first|in the meantime|meanwhile)\W+)*(?:can|could|would|will|please|pls|kindly|i'?d (?:like|love)|i would "
    r"(?:like|love)|i want|i need|we need|show|give|tell|list|compare|forecast|predict|write|draft|find|search|look|"
    r"what|which|who|whom|how|when|where|is|are|do|does|did|any|suggest|recommend|describe|summari[sz]e|check|pull)\b",
    re.I)


_SMALL_TALK = frozenset("hi hello hey hiya morning afternoon evening good there quick one question q just a an the "
                        "so ok okay thanks thank you sorry please team all folks bot assistant again for".split())
_INTERJECTIONS = frozenset("hmm hmmm hm um umm uh uhh er erm ah oh ok okay yes yeah yep no nope lol cool nice great "
                            "thanks thx cheers wow huh meh sure fine".split())
_REFERS_BACK_RE = re.compile(r"\b(?:that|this|it|those|these|them|they|one|ones|such)\b", re.I)


def asking_sentence(message: str) -> str | None:
    """Of a message of several sentences, the last one that asks ("...need one more slide. How many reviews
    are pending?" -> the question); None for a message of one sentence or with no such sentence."""
    sentences = [s.strip() for s in re.split(r"(?<=[.?!])\s+|\s+-\s+", message.strip()) if s.strip()]
    if len(sentences) < 2:
        return None
    asking = [i for i, s in enumerate(sentences) if s.endswith("?") or _ASKING_RE.match(s)]
    if not asking:
        return None
    last = asking[-1]
    first = last - 1 if last and _REFERS_BACK_RE.search(sentences[last]) else last  # "... like that?"
    left = " ".join(sentences[:first] + sentences[last + 1:]).lower()
    context = [w for w in re.findall(r"[a-z']+", left) if w not in _SMALL_TALK]
    return " ".join(sentences[first:last + 1]) if len(context) >= 3 else None  # "Hi! Quick one -" is no context


def free_text_query(message: str) -> str:
    """The part of a request that describes what to look for ("find products like X" -> "X").

    Of several sentences, the one that asks is taken ("I'm planning an email. Could you find me X?");
    counts and politeness at the end are dropped ("X, top 5 please" -> "X").
    """
    sentences = [s.strip() for s in re.split(r"(?<=[.?!])\s+", message.strip()) if s.strip()]
    candidates = [_strip_query(s) for s in sentences]
    asking = [q for s, q in zip(sentences, candidates, strict=True) if q and _REQUEST_RE.search(s)
              and not all(w.lower().strip(",:?.!'") in _QUERY_LEAD for w in q.split())]
    chosen = asking[0] if asking else next((q for q in candidates if q), "")
    if not any(w.lower().strip(",:?.!'") not in _INTERJECTIONS for w in chosen.split()):
        return ""  # "search", "hmm": nothing to look for (the tool asks what)
    return chosen


def _strip_query(sentence: str) -> str:
    text = sentence.strip()
    previous = None
    while previous != text:
        previous = text
        if not _MEASURE_END_RE.search(text):  # "hiking boots size 10": the number is part of the thing
            text = _QUERY_TAIL_RE.sub("", text).strip()
        text = _PREAMBLE_RE.sub("", text).strip()
    text = _LEADING_COUNT_RE.sub("", text)  # "find 5 hiking boots": the count is not the thing
    words = re.sub(r"[?!.]+$", "", text).split()
    while words and words[0].lower().strip(",:") in _QUERY_LEAD:
        words.pop(0)
    while words and words[-1].lower().strip(",:") in ("please", "pls", "thanks"):
        words.pop()
    return " ".join(words)


_REFINEMENT_RE = re.compile(
    r"^(?:(?:and|or|but|now|also|then|maybe|what about|how about|anything|something|any|some|ones?|just|only)\s+)*"
    r"(?:(?:(?:any|some|the)\s+)?((?:\w+er|more \w+|less \w+|[\w']+|"
    r"other|different|similar|smaller|bigger|larger|lighter|warmer|cheaper|nicer|better)\s+ones?)|((?:for|in|with|without|"
    r"under|over|from|that|which)\s+.+?))(?:\s*,?\s*(?:top|first|best|just|only)\s+\d+)?\s*[?!.]*$", re.I)


def refine_query(text: str, previous: str) -> str | None:
    """The previous search narrowed by a follow-up that names no new thing ("for kids" after "waterproof
    jackets" -> "waterproof jackets for kids"; "cheaper ones" -> "cheaper waterproof jackets"), or None."""
    m = _REFINEMENT_RE.match(text.strip())
    if not m or not previous:
        return None
    if m.group(1):
        return re.sub(r"\s+ones?$", "", m.group(1)) + " " + previous
    return f"{previous} {m.group(2)}"
