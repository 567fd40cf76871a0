"""Argument extraction: segment names, member ids, categories, channels, offers, numbers, periods.

Plain rules over the operator's words, checked against the shop's own vocabulary (segment and
category names from the workspace), tolerant of case, punctuation and small typos. Extraction
never guesses a value the words do not contain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DEFAULT_SEGMENTS: tuple[str, ...] = (
    "Champions", "Loyal", "Potential Loyalist", "New", "Promising", "Need Attention",
    "About to Sleep", "At Risk", "Can't Lose Them", "Hibernating", "Lost",
)
"""The standard RFM segment names (the workspace's own names replace these when it has them)."""

# Extra ways operators name the standard RFM segments (keys are normalised segment names).
SEGMENT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "champions": ("champs", "champion"),
    "loyal": ("loyal customers", "loyal members", "loyal customer", "loyals", "loyalty segment"),
    "potential loyalist": ("potential loyalists", "potential loyal"),
    "new": ("new customers", "new members", "new customer", "new member", "new segment", "newcomers",
            "new joiners", "new buyers", "first-time buyers"),
    "need attention": ("needs attention", "needing attention"),
    "about to sleep": ("sleeping", "nearly asleep"),
    "at risk": ("at-risk segment", "at risk segment"),
    "cant lose them": ("cannot lose them", "can not lose them", "cannot lose", "cant lose"),
    "hibernating": ("hibernators", "hibernating members"),
    "lost": ("lost customers", "lost members", "lost segment"),
}
# Segment names that are everyday words: matched only through their synonyms ("new customers").
_NEEDS_CONTEXT = frozenset({"new"})
# Segment names that also say what the operator wants ("who is at risk"): left in the routed text.
_UNMASKED = frozenset({"at risk"})

CHANNELS: dict[str, tuple[str, ...]] = {
    "sms": ("sms", "text message", "text messages", "texts", "text"),
    "push": ("push notification", "push notifications", "push", "app notification", "notification"),
    "email": ("email", "e-mail", "emails", "newsletter", "mail", "subject line", "subject lines"),
}
REVIEW_STATUSES: dict[str, tuple[str, ...]] = {
    "pending": ("pending", "open", "undecided", "unreviewed"),
    "approved": ("approved", "approve"),
    "removed": ("removed", "remove", "deleted", "taken down"),
    "escalated": ("escalated", "escalate", "escalations"),
}
WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "couple": 2,
    "a couple of": 2, "few": 3, "a few": 3, "dozen": 12, "a dozen": 12,
}
_NUM = r"(\d+(?:\.\d+)?|" + "|".join(sorted((re.escape(w) for w in WORD_NUMBERS), key=len, reverse=True)) + r")"

_OFFER_RES = (
    re.compile(r"\d+(?:\.\d+)?\s?%\s?(?:off|discount)?", re.I),
    re.compile(r"[£$€]\s?\d+(?:[.,]\d+)?\s?(?:off|voucher|coupon|discount|credit|gift card)", re.I),
    re.compile(r"free\s+(?:shipping|delivery|returns|gift(?:\s+wrap(?:ping)?)?|sample)", re.I),
    re.compile(r"(?:double|triple|2x|3x)\s+(?:loyalty\s+)?points", re.I),
    re.compile(r"buy one get one(?: free)?|bogo|2 for 1|two for one", re.I),
)
_CLV_RE = re.compile(
    r"(?:clv|lifetime value|value|worth|spen[dt]\w*)\s*(?:is\s+|of\s+)?"
    r"(?:over|above|more than|greater than|at least|exceeding|>=?)\s*[£$€]?\s*(\d[\d,]*(?:\.\d+)?)\s*(k\b)?",
    re.I)
_LIMIT_RES = (
    re.compile(r"\btop\s+" + _NUM + r"\b", re.I),
    re.compile(r"\b" + _NUM + r"\s+(?:[a-z-]+\s+)?(?:customers|members|people|products|items|recommendations|"
               r"suggestions|reviews|churn risks|risks|ideas|names)\b", re.I),
    re.compile(r"\b(?:list|show|give me|only)\s+(?:the\s+)?(?:top\s+)?" + _NUM + r"\b", re.I),
)
_WEEKS_RE = re.compile(r"\b" + _NUM + r"\s+weeks?\b", re.I)
_MONTHS_RE = re.compile(r"\b" + _NUM + r"\s+months?\b", re.I)
_PERIOD_WORDS = ((re.compile(r"\bnext\s+week\b|\bcoming\s+week\b|\bweek ahead\b", re.I), 1),
                 (re.compile(r"\b(?:next|coming|this)\s+month\b|\bmonth ahead\b", re.I), 4),
                 (re.compile(r"\b(?:next|coming|this)\s+quarter\b|\bquarter\b", re.I), 13),
                 (re.compile(r"\b(?:next|coming)\s+year\b", re.I), 52))
_MEMBER_RES = (
    re.compile(r"\b(?:member|customer|client|user|shopper|id|#)\s*(?:id|no\.?|number)?\s*[#:]?\s*"
               r"([A-Za-z]{0,3}-?\d{3,})\b", re.I),
    re.compile(r"(?<![£$€\d.,])\b([A-Za-z]{1,3}-?\d{3,}|\d{4,})\b(?!\s?%|\s?(?:weeks?|months?|days?|k\b))", re.I),
)


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Optimal-string-alignment distance (insert, delete, substitute, swap neighbours), capped at ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def typo_limit(word: str) -> int:
    """How many typos a word of this length may carry and still be recognised (0 for short words)."""
    return 0 if len(word) < 5 else 1 if len(word) < 9 else 2


def normalise(text: str) -> str:
    """Lower case, apostrophes removed, other punctuation as spaces, single spaces."""
    text = text.lower().replace("’", "'")
    text = re.sub(r"(\d),(\d{3})\b", r"\1\2", text)
    text = re.sub(r"(\w)'s\b", r"\1", text)
    text = re.sub(r"(\w)'(\w)", r"\1\2", text)
    return re.sub(r"\s+", " ", re.sub(r"[^\w%£$€.-]+", " ", text)).strip()


@dataclass(frozen=True)
class Vocabulary:
    """The names extraction matches against: the shop's segments and product categories."""

    segments: tuple[str, ...] = DEFAULT_SEGMENTS
    categories: tuple[str, ...] = ()

    def segment_phrases(self) -> list[tuple[str, str]]:
        """(phrase, segment) pairs, longest phrase first."""
        pairs: dict[str, str] = {}
        for name in self.segments:
            key = normalise(name)
            if key not in _NEEDS_CONTEXT:
                pairs[key] = name
            for alias in SEGMENT_SYNONYMS.get(key, ()):
                pairs.setdefault(normalise(alias), name)
        return sorted(pairs.items(), key=lambda kv: len(kv[0]), reverse=True)

    def category_phrases(self) -> list[tuple[str, str]]:
        pairs: dict[str, str] = {}
        for name in self.categories:
            key = normalise(name)
            pairs[key] = name
            if key.endswith("s") and len(key) > 3:
                pairs.setdefault(key[:-1], name)
            elif not key.endswith("s"):
                pairs.setdefault(key + "s", name)
        return sorted(pairs.items(), key=lambda kv: len(kv[0]), reverse=True)


@dataclass
class Entities:
    """Everything extraction found in one message, in order of appearance."""

    segments: list[str] = field(default_factory=list)
    member_ids: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    channel: str | None = None
    offer: str | None = None
    status: str | None = None
    limit: int | None = None
    min_clv: float | None = None
    weeks: int | None = None
    masked: str = ""
    """The message with entities replaced by placeholders (what the router embeds)."""
    rest: str = ""
    """The message with every entity removed (what is left says what the operator wants)."""
    request: str = ""
    """The request words with the free-text object replaced ("find me something"); empty if none."""

    @property
    def any(self) -> bool:
        return bool(self.segments or self.member_ids or self.categories or self.channel or self.offer
                    or self.status or self.limit or self.min_clv or self.weeks)


def _number(token: str) -> float:
    token = token.lower().strip()
    return float(WORD_NUMBERS[token]) if token in WORD_NUMBERS else float(token.replace(",", ""))


def _find_phrases(text: str, phrases: list[tuple[str, str]], fuzzy: bool) -> list[tuple[int, int, str]]:
    """(start, end, value) of phrases found in normalised ``text``; no overlaps, in order."""
    found: list[tuple[int, int, str]] = []
    taken = [False] * len(text)
    for phrase, value in phrases:
        for m in re.finditer(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text):
            if not any(taken[m.start():m.end()]):
                found.append((m.start(), m.end(), value))
                taken[m.start():m.end()] = [True] * (m.end() - m.start())
    if fuzzy:  # one typo per long word ("hibernatng", "champoins"); short words must match exactly
        words = [(m.start(), m.end(), m.group()) for m in re.finditer(r"[a-z0-9]+", text)]
        for phrase, value in phrases:
            target = phrase.split()
            n = len(target)
            if len(phrase) < 5:
                continue
            for i in range(len(words) - n + 1):
                start, end = words[i][0], words[i + n - 1][1]
                if any(taken[start:end]) or not all(
                        edit_distance(w, t) <= typo_limit(t)
                        for (_, _, w), t in zip(words[i:i + n], target, strict=True)):
                    continue
                found.append((start, end, value))
                taken[start:end] = [True] * (end - start)
    return sorted(found)


def _fuzzy_word(text: str, targets: dict[str, tuple[str, ...]]) -> tuple[str, int, int] | None:
    best: tuple[int, str, int, int] | None = None
    for value, words in targets.items():
        for word in words:
            for m in re.finditer(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text):
                if best is None or m.start() < best[0]:
                    best = (m.start(), value, m.start(), m.end())
    if best is None:
        for m in re.finditer(r"[a-z]{4,}", text):
            for value, words in targets.items():
                if any(edit_distance(m.group(), w, typo_limit(w)) <= typo_limit(w) for w in words if " " not in w):
                    return value, m.start(), m.end()
        return None
    return best[1], best[2], best[3]


def extract(message: str, vocab: Vocabulary | None = None) -> Entities:
    """Find segments, member ids, categories, channel, offer, review status and numbers in ``message``."""
    vocab = vocab or Vocabulary()
    text = normalise(message)
    ents = Entities()
    spans: list[tuple[int, int, str]] = []  # (start, end, placeholder) in ``text``
    plain: list[tuple[int, int]] = []  # entity words left unmasked (channel, status, offer, period words)

    offer_source = message
    for rx in _OFFER_RES:
        m = rx.search(offer_source)
        if m:
            ents.offer = re.sub(r"\s+", " ", m.group()).strip()
            in_text = rx.search(text)
            if in_text:
                plain.append(in_text.span())
            break
    m = _CLV_RE.search(text)
    if m:
        ents.min_clv = _number(m.group(1)) * (1000 if m.group(2) else 1)
        spans.append((m.start(1), m.end(), "amount"))
    for rx in _LIMIT_RES:
        m = rx.search(text)
        if m and not (ents.min_clv and m.start(1) >= (spans[0][0] if spans else 10**9)):
            ents.limit = int(_number(m.group(1)))
            spans.append((m.start(1), m.end(1), "some"))
            break
    m = _WEEKS_RE.search(text)
    if m:
        ents.weeks = int(_number(m.group(1)))
        spans.append((m.start(), m.end(), "period"))
    elif (m := _MONTHS_RE.search(text)) is not None:
        ents.weeks = max(1, round(_number(m.group(1)) * 4.345))
        spans.append((m.start(), m.end(), "period"))
    else:
        for rx, weeks in _PERIOD_WORDS:
            m = rx.search(text)
            if m:
                ents.weeks = weeks
                plain.append(m.span())
                break

    taken = [(s, e) for s, e, _ in spans]
    for start, end, value in _find_phrases(text, vocab.segment_phrases(), fuzzy=True):
        if any(s < end and start < e for s, e in taken):
            continue
        ents.segments.append(value)
        if normalise(value) not in _UNMASKED:
            spans.append((start, end, "segment"))
        else:
            plain.append((start, end))
    taken = [(s, e) for s, e, _ in spans]
    for start, end, value in _find_phrases(text, vocab.category_phrases(), fuzzy=False):
        if not any(s < end and start < e for s, e in taken):
            ents.categories.append(value)
            spans.append((start, end, "category"))

    channel = _fuzzy_word(text, CHANNELS)
    if channel:
        ents.channel = channel[0]
        plain.append(channel[1:])
    status = _fuzzy_word(text, REVIEW_STATUSES)
    if status:
        ents.status = status[0]
        plain.append(status[1:])

    taken = [(s, e) for s, e, _ in spans]
    for rx in _MEMBER_RES:
        for m in rx.finditer(text):
            start, end = m.start(1), m.end(1)
            if any(s < end and start < e for s, e in taken):
                continue
            value = m.group(1).upper()
            if value not in ents.member_ids:
                ents.member_ids.append(value)
                spans.append((start, end, "member"))
                taken.append((start, end))

    masked = text
    for start, end, word in sorted(spans, reverse=True):
        masked = masked[:start] + word + masked[end:]
    ents.masked = masked
    rest = text
    for start, end in sorted([(a, b) for a, b, _ in spans] + plain, reverse=True):
        rest = rest[:start] + " " + rest[end:]
    ents.rest = re.sub(r"\s+", " ", rest).strip()
    query = free_text_query(message)
    lead = normalise(message[: max(0, len(message.rstrip("?!. ")) - len(query))])
    if lead and query != message.strip():
        ents.request = lead + " something"
    return ents


_QUERY_LEAD = frozenset(
    "find me show search serch look for the catalogue catalog do we you sell have has anything something "
    "products product items item like similar to a an any which what of our are is good in stock that "
    "would suit us please pls can could i need want some there got stuff things thing".split())


def free_text_query(message: str) -> str:
    """The part of a request that describes what to look for ("find products like X" -> "X")."""
    words = re.sub(r"[?!.]+$", "", message.strip()).split()
    while words and words[0].lower().strip(",:") in _QUERY_LEAD:
        words.pop(0)
    while words and words[-1].lower().strip(",:") in ("please", "pls", "thanks"):
        words.pop()
    return " ".join(words) or message.strip()
