"""Argument extraction: segment names, member ids, categories, channels, offers, numbers, periods.

Plain rules over the operator's words, checked against the shop's own vocabulary (segment and
category names from the workspace), tolerant of case, punctuation, chat shorthand and small typos.
Extraction never guesses a value the words do not contain; values read through an everyday name
("VIPs" -> Champions) or a near-name ("Kitchenware" -> Kitchen) are listed in ``Entities.guessed``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from memberinsight.agent.entity_checks import measured_share, without_lookback_words
from memberinsight.agent.numbers import Numbers, read_numbers
from memberinsight.agent.query import free_text_query
from memberinsight.agent.readings import (
    GROUP_NOUNS,
    QUALIFIER_SEGMENTS,
    everyday_use,
    named_as_group,
    qualifies,
)
from memberinsight.agent.spelling import (
    clean_unicode,
    edit_distance,
    expand_shorthand,
    near,
    normalise,
    skeleton,
    typo_limit,
)

__all__ = ["CHANNELS", "DEFAULT_SEGMENTS", "REVIEW_STATUSES", "Entities", "Vocabulary", "edit_distance",
           "extract", "free_text_query", "normalise", "typo_limit"]

DEFAULT_SEGMENTS: tuple[str, ...] = (
    "Champions", "Loyal", "Potential Loyalist", "New", "Promising", "Need Attention",
    "About to Sleep", "At Risk", "Can't Lose Them", "Hibernating", "Lost", "No Purchases Yet",
)
"""The standard RFM segment names (the workspace's own names replace these when it has them)."""

# Extra ways operators name the standard RFM segments (keys are normalised segment names).
SEGMENT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "champions": ("champs", "champion"),
    "loyal": ("loyal customers", "loyal members", "loyal customer", "loyals", "loyalty segment", "loyal shoppers"),
    "potential loyalist": ("potential loyalists", "potential loyal"),
    "new": ("new customers", "new members", "new customer", "new member", "new segment", "newcomers", "newbies", "newbie",
            "new joiners", "new buyers", "first-time buyers", "new ones", "new group", "new shoppers", "new shopper",
            "new clients", "new signups", "new sign-ups", "new folks", "new people", "new users"),
    "need attention": ("needs attention", "needing attention"),
    "about to sleep": ("sleeping", "nearly asleep"),
    "at risk": ("at-risk segment", "at risk segment"),
    "cant lose them": ("cannot lose them", "can not lose them", "cannot lose", "cant lose"),
    "hibernating": ("hibernators", "hibernating members"),
    "lost": ("lost customers", "lost members", "lost segment"),
    "no purchases yet": ("no purchases", "never bought", "never purchased", "never ordered", "non-buyers",
                         "non buyers", "not bought anything", "havent bought anything", "never made a purchase"),
}
# Everyday names for a segment: read as that segment when nothing more exact is named ("VIPs with the
# lapsed" -> Champions with Lost); a named segment wins over them ("big spenders in Can't Lose Them").
EVERYDAY_SEGMENTS: dict[str, tuple[str, ...]] = {
    "champions": ("vip", "vips", "vip customers", "vip members", "big spenders", "top spenders", "whales",
                  "best customers", "high spenders"),
    "lost": ("lapsed", "lapsed customers", "lapsed members", "lapsed buyers", "churned", "churned customers",
             "churned members"),
    "hibernating": ("dormant", "dormant customers", "dormant members", "inactive customers", "inactive members"),
}
# Segment names that are everyday words: matched only through their synonyms ("new customers") or
# next to another segment ("new vs promising").
_NEEDS_CONTEXT = frozenset({"new"})
_LIST_WORDS = r"(?:vs|versus|v|and|or|with|against|to|from|compared to|compared with)"
# Segment names that also say what the operator wants ("who is at risk"): left in the routed text.
_UNMASKED = frozenset({"at risk"})
# One-word segment names that are everyday words ("I'm a little lost", "the Champions League").
_EVERYDAY_NAMES = frozenset({"lost", "new", "loyal", "promising", "champions", "hibernating"})
_CLUSTER_RE = re.compile(r"\bclusters?\s*(?:no\.?\s*|number\s*|#\s*)?(\d{1,2})\b")

CHANNELS: dict[str, tuple[str, ...]] = {
    "sms": ("sms", "text message", "text messages", "texts", "text"),
    "push": ("push notification", "push notifications", "push", "app notification", "notification",
             "notifications"),
    "email": ("email", "e-mail", "emails", "newsletter", "mail", "subject line", "subject lines"),
}
REVIEW_STATUSES: dict[str, tuple[str, ...]] = {
    "pending": ("pending", "open", "undecided", "unreviewed", "awaiting", "waiting"),
    "approved": ("approved", "approve"),
    "removed": ("removed", "remove", "deleted", "taken down"),
    "escalated": ("escalated", "escalate", "escalations"),
    "cleared": ("cleared",), "confirmed": ("confirmed",),  # the fraud queue's (other tools leave them out)
}
# Words that join a category name into a near-name ("Kitchenware", "gardening", "outdoors").
_CATEGORY_SUFFIXES = ("ware", "wares", "s", "es", "ing", "goods", "items", "supplies", "gear", "stuff",
                      "products", "accessories", "equipment")

_MEMBER_WORDS = r"(?:member|customer|client|user|shopper|account|id|#)"
_MEMBER_RE = re.compile(rf"\b{_MEMBER_WORDS}\s*(?:id|no\.?|number)?\s*[#:]?\s*([a-z]{{0,3}}-?\d{{3,}})\b")
_ID_TOKEN_RE = re.compile(r"(?<![£$€\d.,])\b([a-z]{1,3}-?\d{3,}|\d{4,}(?!\s?(?:members|customers|people|products|"
                          r"items|reviews|rows|orders|units|pounds|quid)))\b(?!\s?%|\s?(?:weeks?|months?|days?|years?|k\b))")


def prepare(message: str) -> str:
    """The message as the agent reads it: Unicode cleaned and chat shorthand written out."""
    return expand_shorthand(clean_unicode(message))


@functools.lru_cache(maxsize=16)
def _segment_phrases(segments: tuple[str, ...]) -> tuple[tuple[str, str, bool], ...]:
    pairs: dict[str, tuple[str, bool]] = {}
    for name in segments:
        key = normalise(name)
        if key not in _NEEDS_CONTEXT:
            pairs[key] = (name, True)
        for alias in SEGMENT_SYNONYMS.get(key, ()):
            pairs.setdefault(normalise(alias), (name, True))
    for name in segments:
        for alias in EVERYDAY_SEGMENTS.get(normalise(name), ()):
            pairs.setdefault(normalise(alias), (name, False))
    return tuple(sorted(((p, n, e) for p, (n, e) in pairs.items()), key=lambda t: len(t[0]), reverse=True))


@functools.lru_cache(maxsize=16)
def _category_phrases(categories: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    pairs: dict[str, str] = {}
    for name in categories:
        key = normalise(name)
        pairs[key] = name
        if key.endswith("s") and len(key) > 3:
            pairs.setdefault(key[:-1], name)
        elif not key.endswith("s"):
            pairs.setdefault(key + "s", name)
    return tuple(sorted(pairs.items(), key=lambda kv: len(kv[0]), reverse=True))


@functools.lru_cache(maxsize=16)
def _name_words(segments: tuple[str, ...], categories: tuple[str, ...]) -> frozenset[str]:
    out: set[str] = set()
    for phrase, _, _ in _segment_phrases(segments):
        out.update(re.findall(r"[a-z]+", phrase))
    for phrase, _ in _category_phrases(categories):
        out.update(re.findall(r"[a-z]+", phrase))
    for table in (CHANNELS, REVIEW_STATUSES):
        for words in table.values():
            for w in words:
                out.update(re.findall(r"[a-z]+", w))
    return frozenset(out)


@dataclass(frozen=True)
class Vocabulary:
    """The names extraction matches against: the shop's segments, product categories and member ids.

    ``member_id_pattern`` (a regular expression, e.g. ``M\\d{7}``) says what a member id looks like in
    this workspace; ``member_exists`` may confirm an id. Without a pattern, an id is a code or a number
    of 4+ digits that is not a year, a count or an amount.
    """

    segments: tuple[str, ...] = DEFAULT_SEGMENTS
    categories: tuple[str, ...] = ()
    member_id_pattern: str | None = None
    member_exists: Callable[[str], bool] | None = field(default=None, compare=False, repr=False)

    def segment_phrases(self) -> list[tuple[str, str, bool]]:
        """(phrase, segment, exact) triples, longest phrase first; ``exact`` is False for everyday names."""
        return list(_segment_phrases(self.segments))

    def category_phrases(self) -> list[tuple[str, str]]:
        return list(_category_phrases(self.categories))

    def words(self) -> frozenset[str]:
        """Every word of the names (for spelling correction)."""
        return _name_words(self.segments, self.categories)

    def is_member_id(self, token: str, introduced: bool) -> bool:
        """True when ``token`` reads as a member id here (``introduced``: "member"/"customer" precedes it).

        With a known shape, a token of that shape is an id (a plain-number shape: not a year unless
        introduced), and another token only when introduced and the member exists. Without one, a year
        is an id only when introduced.
        """
        year = bool(re.fullmatch(r"(19|20)\d\d", token))
        if self.member_id_pattern:
            if re.fullmatch(self.member_id_pattern, token, re.I):
                return introduced or not year
            return introduced and self.member_exists is not None and self.member_exists(token)
        return introduced or not year


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
    variants: int | None = None
    exact_segments: list[str] = field(default_factory=list)
    """The segments named by their own name or a close synonym (not an everyday name)."""
    qualifiers: list[str] = field(default_factory=list)
    """Segments used to narrow another one, not named as segments ("at risk champions" -> At Risk)."""
    clusters: list[str] = field(default_factory=list)
    """Behaviour clusters named by their number ("cluster 4" -> "4")."""
    guessed: list[str] = field(default_factory=list)
    """Values read through an everyday name or a near-name ("VIPs -> Champions")."""
    masked: str = ""
    """The message with entities replaced by placeholders (what the router embeds)."""
    rest: str = ""
    """The message with every entity removed (what is left says what the operator wants)."""
    request: str = ""
    """The request words with the free-text object replaced ("find me something"); empty if none."""

    @property
    def any(self) -> bool:
        return bool(self.segments or self.member_ids or self.categories or self.channel or self.offer
                    or self.status or self.limit or self.min_clv or self.weeks or self.variants or self.clusters)


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)


def _find_segments(text: str, vocab: Vocabulary) -> list[tuple[int, int, str, bool]]:
    """(start, end, segment, exact) found in normalised ``text``; no overlaps, in order."""
    phrases = vocab.segment_phrases()
    found: list[tuple[int, int, str, bool]] = []
    taken: list[tuple[int, int]] = []
    for phrase, value, exact in phrases:
        for m in re.finditer(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text):
            if not _overlaps(m.start(), m.end(), taken):
                found.append((m.start(), m.end(), value, exact))
                taken.append(m.span())
    words = [(m.start(), m.end(), m.group()) for m in re.finditer(r"[a-z0-9]+", text)]
    for phrase, value, exact in phrases:  # one typo per long word ("hibernatng", "champoins")
        target = phrase.split()
        n = len(target)
        if len(phrase) < 5:
            continue
        for i in range(len(words) - n + 1):
            start, end = words[i][0], words[i + n - 1][1]
            if _overlaps(start, end, taken) or not all(
                    w == t or (typo_limit(t) and (w[0] == t[0] or w[1:2] == t[1:2])
                               and edit_distance(w, t) <= typo_limit(t))
                    for (_, _, w), t in zip(words[i:i + n], target, strict=True)):
                continue
            found.append((start, end, value, exact))
            taken.append((start, end))
    for name in vocab.segments:  # "new vs promising": an everyday-word name next to another segment
        key = normalise(name)
        if key not in _NEEDS_CONTEXT:
            continue
        for m in re.finditer(rf"\b{re.escape(key)}\b", text):
            if _overlaps(m.start(), m.end(), taken):
                continue
            after = re.match(rf"\s+{_LIST_WORDS}\s+", text[m.end():])
            before = re.search(rf"\s{_LIST_WORDS}\s+(?:the\s+)?$", text[:m.start()])
            next_to = any(s == m.end() + after.end() for s, _, _, _ in found) if after else False
            prev_to = any(e == before.start() or text[e:before.start()].strip() in ("", "the")
                          for _, e, _, _ in found if e <= m.start()) if before else False
            if next_to or prev_to:
                found.append((m.start(), m.end(), name, True))
                taken.append(m.span())
    return sorted(found)


def _find_categories(text: str, vocab: Vocabulary) -> list[tuple[int, int, str, bool]]:
    """(start, end, category, exact) in ``text``: names, plurals, near-names and one-typo spellings."""
    found: list[tuple[int, int, str, bool]] = []
    taken: list[tuple[int, int]] = []
    for phrase, value in vocab.category_phrases():
        for m in re.finditer(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text):
            if not _overlaps(m.start(), m.end(), taken):
                found.append((m.start(), m.end(), value, True))
                taken.append(m.span())
    singles = [(normalise(c), c) for c in vocab.categories if " " not in normalise(c)]
    for m in re.finditer(r"[a-z]{4,}", text):
        if _overlaps(m.start(), m.end(), taken):
            continue
        word = m.group()
        for key, value in singles:
            stem = key[:-1] if key.endswith("s") and len(key) > 4 else key
            rest = word[len(stem):] if word.startswith(stem) else None
            if (rest is not None and len(stem) >= 4 and (rest in _CATEGORY_SUFFIXES or rest in ("", "s"))) \
                    or (len(key) >= 5 and near(word, key)):
                found.append((m.start(), m.end(), value, False))
                taken.append(m.span())
                break
    return sorted(found)


def _find_word(text: str, targets: dict[str, tuple[str, ...]]) -> tuple[str, int, int] | None:
    best: tuple[int, str, int, int] | None = None
    for value, words in targets.items():
        for word in words:
            for m in re.finditer(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text):
                if best is None or m.start() < best[0]:
                    best = (m.start(), value, m.start(), m.end())
    if best is None:
        for m in re.finditer(r"[a-z]{4,}", text):
            for value, words in targets.items():
                if any(_typo_of(m.group(), w) for w in words if " " not in w):
                    return value, m.start(), m.end()
        return None
    return best[1], best[2], best[3]


def _typo_of(word: str, target: str) -> bool:
    """True when ``word`` is ``target`` mistyped: within the typo limit, and for short words with the same
    consonants in the same order ("emial" is "email"; "tents" is not "texts")."""
    limit = typo_limit(target)
    if not limit or edit_distance(word, target, limit) > limit:
        return False
    return len(target) >= 7 or skeleton(word) == skeleton(target)


def _member_ids(text: str, vocab: Vocabulary, taken: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    spans = list(taken)
    introduced = {m.start(1) for m in _MEMBER_RE.finditer(text)}
    for m in (*_MEMBER_RE.finditer(text), *_ID_TOKEN_RE.finditer(text)):
        start, end = m.span(1)
        if _overlaps(start, end, spans):
            continue
        token = m.group(1)
        if not vocab.is_member_id(token, start in introduced):
            continue
        value = token.upper()
        if value not in [v for _, _, v in out]:
            out.append((start, end, value))
            spans.append((start, end))
    return out


def extract(message: str, vocab: Vocabulary | None = None) -> Entities:
    """Find segments, member ids, categories, channel, offer, review status and numbers in ``message``."""
    vocab = vocab or Vocabulary()
    prepared = prepare(message)
    text = normalise(prepared)
    ents = Entities()
    spans: list[tuple[int, int, str]] = []  # (start, end, placeholder) in ``text``
    plain: list[tuple[int, int]] = []  # entity words left unmasked (channel, status, offer, period words)

    nums: Numbers = read_numbers(text, prepared)
    ents.offer, ents.limit, ents.min_clv, ents.weeks, ents.variants = (
        None if measured_share(nums.offer, text) else nums.offer, nums.limit, nums.min_clv, nums.weeks, nums.variants)
    spans.extend(nums.masked)
    plain.extend(nums.plain)

    for cluster in _CLUSTER_RE.finditer(text):
        ents.clusters.append(cluster.group(1))
        spans.append((cluster.start(1), cluster.end(1), ""))
    taken = [(s, e) for s, e, _ in spans]
    found = [f for f in _find_segments(text, vocab) if not _overlaps(f[0], f[1], taken)
             and not (normalise(f[2]) in _EVERYDAY_NAMES and everyday_use(text, f[0], f[1]))]
    for start, end, value, exact in found:
        group = named_as_group(text, end) or re.search(rf"{GROUP_NOUNS}$", text[start:end])
        if normalise(value) in QUALIFIER_SEGMENTS and not group and qualifies(
                text, (start, end), [(s, e) for s, e, v, _ in found if v != value]):
            ents.qualifiers.append(value)  # "at risk champions": Champions members at risk
            plain.append((start, end))
            continue
        ents.segments.append(value)
        if exact:
            ents.exact_segments.append(value)
        else:
            ents.guessed.append(f"{text[start:end]} -> {value}")
        tail = re.match(r" (?:segment|group|members|customers|lot|crowd|folks|people)\b", text[end:])
        if normalise(value) not in _UNMASKED or group:
            spans.append((start, end + (tail.end() if tail else 0), "segment"))
        else:
            plain.append((start, end))
    taken = [(s, e) for s, e, _ in spans] + plain
    for start, end, value, exact in _find_categories(text, vocab):
        if not _overlaps(start, end, taken):
            ents.categories.append(value)
            spans.append((start, end, "category"))
            if not exact:
                ents.guessed.append(f"{text[start:end]} -> {value}")

    for table, attr in ((CHANNELS, "channel"), (REVIEW_STATUSES, "status")):
        hit = _find_word(text, table)
        if hit and not _overlaps(hit[1], hit[2], [(s, e) for s, e, _ in spans]):
            setattr(ents, attr, hit[0])
            plain.append(hit[1:])

    for start, end, value in _member_ids(text, vocab, [(s, e) for s, e, _ in spans]):
        ents.member_ids.append(value)
        spans.append((start, end, "member"))

    masked = text
    for start, end, word in sorted(spans, reverse=True):
        masked = masked[:start] + word + masked[end:]
    ents.masked = masked
    rest = text
    for start, end in sorted({(a, b) for a, b, _ in spans} | set(plain), reverse=True):
        rest = rest[:start] + " " + rest[end:]
    rest = without_lookback_words(rest) if ents.weeks else rest  # "past 14 days": the period's own word
    ents.rest = re.sub(r"\s+", " ", rest).strip()
    query = free_text_query(message)
    lead = normalise(message[: max(0, len(message.rstrip("?!. ")) - len(query))])
    if lead and query != message.strip():
        ents.request = lead + " something"
    return ents
