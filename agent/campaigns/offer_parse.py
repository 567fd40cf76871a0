"""The offer grammar: an operator's offer text read into an :class:`~agent.campaigns.offers.Offer`.

The text is read piece by piece, each piece removed once read: a promo code (``with code SAVE15``),
when the offer ends (``this weekend``, ``until Sunday``, ``ends 24 December``, ``today only``,
``for 48 hours``, ``this month``; resolved against the send date), a minimum spend (``over £40``,
``on orders over £40``, ``when you spend £50 or more``), then what the customer gets, which must
start what is left (``15% off``, ``save £10``, ``a tenner off``, ``free delivery``, ``buy one get
one free``, ``3 for 2``, ``double points``, ``early access``, ``free gift``). The rest is the
scope: a few plain words (``on Outdoor``, ``your next order``, ``the winter sale``). Figures in
words are read as digits first (``ten pounds off``, ``half price``).

Nothing is guessed: contact details, links, instructions, another currency, a second offer or any
word the grammar cannot place refuse the whole offer with a message that lists examples that work.
"""

from __future__ import annotations

import math
import re
from calendar import monthrange
from collections.abc import Callable
from datetime import date, timedelta

from memberinsight.agent.campaigns.facts import MAX_OFFER_CHARS
from memberinsight.agent.campaigns.numwords import spell_out
from memberinsight.agent.campaigns.offers import Offer
from memberinsight.agent.campaigns.untrusted import find_links, instruction_phrases, is_clean
from memberinsight.errors import DataValidationError
from memberinsight.privacy import contains_pii

EXAMPLES = ("15% off", "£10 off your next order", "free delivery over £40", "buy one get one free",
            "3 for 2 on Outdoor", "double points this weekend", "early access to the winter sale",
            "free gift with orders over £50", "20% off with code SAVE20 until Sunday")
"""Offers the parser reads (shown in every refusal; a test parses each one)."""

_CURRENCIES = {"£": (r"pounds?|quid", "gbp"), "€": (r"euros?", "eur"), "$": (r"dollars?|bucks", "usd")}
_PHONE = re.compile(r"(?<![\w.])\+?\d[\d\s().-]{6,}\d")
_I = re.IGNORECASE
_WD = (r"(?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)"
       r"\b\.?")
_MON = (r"(?P<mon>january|february|march|april|may|june|july|august|september|october|november|december"
        r"|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\b\.?")
_LEAD = r"(?:(?:valid\s+)?(?:until|till|til|through|thru|to|by|before|up\s+to)|ends?|ending)"
_ONLY = r"(?:\s+only)?"
_SCOPE_CONNECTOR = re.compile(r"^(?:on|off|to|for|across|in|at|with|from)\s+", _I)
_AUDIENCE = re.compile(r"^(?:everyone|you|all|all members|(?:our\s+|loyal\s+|new\s+)?(?:members|customers)"
                       r"|vips?)$", _I)
_EVERYTHING = re.compile(r"^(?:everything(?:\s+in\s+store)?|sitewide|site[\s-]wide|storewide|store[\s-]wide"
                         r"|all\s+(?:products|items|orders)|any\s+order)$", _I)
_SCOPE_WORDS = re.compile(r"[A-Za-z][A-Za-z&'\u2019\- ]*")
_SECOND_OFFER = re.compile(r"%|\d|\b(?:off|free|points?|discount|save|cashback|voucher|gift\s+card|percent)\b", _I)
_NOT_SCOPE = frozenset("""call ring phone text email click visit reply ignore whatever anything like want wish
guaranteed guarantee guarantees forever unlimited everybody announce tell stop""".split())
MAX_SCOPE_WORDS, MAX_SCOPE_CHARS = 5, 32


def _examples(currency: str) -> str:
    return ", ".join(f"'{e.replace('£', currency)}'" for e in EXAMPLES)


def _refuse(message: str, currency: str) -> DataValidationError:
    return DataValidationError(f"{message}. Offers that work: {_examples(currency)}", column="offer")


def _amount(currency: str, group: str) -> str:
    words, code = _CURRENCIES.get(currency, (r"(?!x)x", "xxx"))
    return (rf"(?:{re.escape(currency)}\s?|\b{code}\s?)(?P<{group}>\d+(?:\.\d{{1,2}})?)\b"
            rf"|\b(?P<{group}_w>\d+(?:\.\d{{1,2}})?)\s?(?:{words})\b")


def _value(m: re.Match[str], group: str) -> float:
    return float(m.group(group) or m.group(f"{group}_w"))


# ----- deadlines --------------------------------------------------------------------------------
def _weekday_no(word: str) -> int:
    return ("mon", "tue", "wed", "thu", "fri", "sat", "sun").index(word.lower()[:3])


def _month_no(word: str) -> int:
    return ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec").index(word.lower()[:3]) + 1


def _sunday(today: date) -> date:
    return today + timedelta(days=6 - today.weekday())


def _on_date(m: re.Match[str], today: date) -> date:
    day, month = int(m.group("day")), _month_no(m.group("mon"))
    year = int(m.group("year")) if m.group("year") else today.year
    try:
        when = date(year, month, day)
    except ValueError as exc:
        raise DataValidationError(f"the offer's end date {day} {m.group('mon')} does not exist", column="offer") from exc
    if when < today and not m.group("year") and (today - when).days > 60:
        when = date(year + 1, month, day)
    if when < today:
        raise DataValidationError(f"the offer's end date {when.day} {when.strftime('%B %Y')} has passed",
                                  column="offer")
    if m.group("wd") and _weekday_no(m.group("wd")) != when.weekday():
        raise DataValidationError(f"{when.day} {when.strftime('%B %Y')} is a {when.strftime('%A')}, "
                                  f"not a {m.group('wd').capitalize()}", column="offer")
    return when


def _iso(m: re.Match[str], today: date) -> date:
    try:
        when = date.fromisoformat(m.group("iso"))
    except ValueError as exc:
        raise DataValidationError(f"the offer's end date {m.group('iso')} does not exist", column="offer") from exc
    if when < today:
        raise DataValidationError(f"the offer's end date {when.isoformat()} has passed", column="offer")
    return when


def _n(m: re.Match[str]) -> int:
    """The count in an ``n``/``n2`` match ("for 3 days", "48 hours only"; "a week" is 1)."""
    g = m.groupdict()
    written = g.get("n") or g.get("n2")
    n = int(written) if written is not None else 1
    if n <= 0:
        raise DataValidationError("the offer must last at least an hour", column="offer")
    return n


_DEADLINES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str], date], date]], ...] = (
    (re.compile(rf"{_LEAD}\s+(?:{_WD},?\s+)?(?:the\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+{_MON}"
                rf"(?:,?\s+(?P<year>\d{{4}}))?{_ONLY}", _I), _on_date),
    (re.compile(rf"{_LEAD}\s+(?:{_WD},?\s+)?{_MON}\s+(?:the\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b"
                rf"(?:,?\s+(?P<year>\d{{4}}))?{_ONLY}", _I), _on_date),
    (re.compile(rf"{_LEAD}\s+(?P<iso>\d{{4}}-\d{{2}}-\d{{2}}){_ONLY}", _I), _iso),
    (re.compile(rf"{_LEAD}\s+tomorrow(?:\s+night)?{_ONLY}", _I), lambda m, t: t + timedelta(days=1)),
    (re.compile(rf"{_LEAD}\s+(?:this\s+)?{_WD}(?:\s+(?:night|midnight))?{_ONLY}", _I),
     lambda m, t: t + timedelta(days=(_weekday_no(m.group("wd")) - t.weekday()) % 7)),
    (re.compile(rf"(?:today|tonight)\s+only|(?:{_LEAD}|for)\s+(?:today|tonight|midnight)\b{_ONLY}"
                r"|\b1[\s-]day\s+only|\btoday\b", _I), lambda m, t: t),
    (re.compile(rf"(?:(?:{_LEAD}\s+)?(?:this|the)\s+|over\s+the\s+)?weekend\b{_ONLY}", _I), lambda m, t: _sunday(t)),
    (re.compile(rf"(?:this\s+week|(?:{_LEAD}\s+)?the\s+end\s+of\s+(?:the|this)\s+week)\b{_ONLY}", _I),
     lambda m, t: _sunday(t)),
    (re.compile(rf"(?:this\s+month|(?:{_LEAD}\s+)?the\s+end\s+of\s+(?:the|this)\s+month|{_LEAD}\s+month[\s-]end)"
                rf"\b{_ONLY}", _I), lambda m, t: date(t.year, t.month, monthrange(t.year, t.month)[1])),
    (re.compile(r"(?:for\s+(?:the\s+next\s+)?(?P<n>\d+)\s*(?:hours?|hrs?)|(?P<n2>\d+)\s*(?:hours?|hrs?)\s+only)"
                rf"\b{_ONLY}", _I), lambda m, t: t + timedelta(days=math.ceil(_n(m) / 24))),
    (re.compile(rf"(?:for\s+(?:the\s+next\s+)?(?P<n>\d+)\s+days?|(?P<n2>\d+)\s+days?\s+only)\b{_ONLY}", _I),
     lambda m, t: t + timedelta(days=_n(m) - 1)),
    (re.compile(rf"(?:for\s+(?:the\s+next\s+)?(?:a|(?P<n>\d+))\s+weeks?|(?:a|(?P<n2>\d+))\s+weeks?\s+only)\b{_ONLY}",
                _I), lambda m, t: t + timedelta(days=7 * _n(m) - 1)),
)


def _cut(text: str, m: re.Match[str]) -> str:
    return f"{text[:m.start()]} {text[m.end():]}"


def _deadline(text: str, today: date) -> tuple[str, date | None, str | None]:
    for pattern, resolve in _DEADLINES:
        if m := pattern.search(text):
            return _cut(text, m), resolve(m, today), " ".join(m.group().split()).strip(" ,")
    return text, None, None


# ----- minimum spend ----------------------------------------------------------------------------
def _threshold(text: str, currency: str) -> tuple[str, float | None, bool]:
    amount = _amount(currency, "t")
    orders = r"(?:(?:on|for|with|across)\s+)?(?:(?:all|any|every|your)\s+)?(?:orders?|baskets?|purchases?|spends?)"
    patterns = (
        re.compile(rf"{orders}\s+(?:of\s+)?(?P<op>over|above|more\s+than|of\s+at\s+least|at\s+least|of|from)\s+"
                   rf"(?:{amount})(?P<more>\s+or\s+(?:more|over|above)|\s+and\s+(?:over|above)|\+)?", _I),
        re.compile(rf"(?:when|if)\s+you\s+spend\s+(?P<op>over|more\s+than|at\s+least)?\s*(?:{amount})"
                   rf"(?P<more>\s+or\s+more|\s+and\s+over|\+)?", _I),
        re.compile(rf"(?:with\s+(?:a\s+)?)?(?P<op>min(?:imum|\.)?)\s+(?:spend|order)(?:\s+of)?\s+(?:{amount})", _I),
        re.compile(rf"(?P<op>over|above)\s+(?:{amount})", _I),
    )
    for i, pattern in enumerate(patterns):
        m = pattern.search(text)
        if m and i == 0 and re.search(r"\b(?:next|first|second|third|new)\s+$", text[:m.start()], _I):
            m = patterns[-1].search(text)  # "your next order over £50": the order is the scope, not the spend
        if m:
            op = (m.groupdict().get("op") or "").lower()
            inclusive = bool(m.groupdict().get("more")) or op not in ("over", "above", "more than")
            return _cut(text, m), _value(m, "t"), inclusive
    return text, None, False


# ----- what the customer gets -------------------------------------------------------------------
def _mechanic(text: str, currency: str) -> tuple[dict[str, object], str] | None:
    """(Offer fields, the text after the mechanic), or None when no mechanic starts ``text``."""
    text = re.sub(r"^(?:get|enjoy|take|earn|grab|plus|an?\s+extra|extra)\s+", "", text, flags=_I)
    amount = _amount(currency, "v")
    rules: tuple[tuple[str, str], ...] = (
        ("percent_off", r"^(?P<save>save\s+)?(?P<v>\d+(?:\.\d+)?)\s*(?:%|percent\b|per\s*cent\b)"
                        r"(?P<off>\s+(?:off|discount)\b)?"),
        ("amount_off", rf"^(?P<save>save\s+)?(?:{amount})(?P<off>\s+(?:off|discount)\b)?"),
        ("free_shipping", r"^free\s+(?:standard\s+|uk\s+)?(?:shipping|delivery|postage|p\s?&\s?p)\b"),
        ("bogo", r"^(?:buy\s+(?:one|1)\s*,?\s*(?:and\s+)?get\s+(?:one|1|another|a\s+second|the\s+second)"
                 r"(?:\s+(?:one|item))?\s+(?:free|for\s+free)\b|bogof?\b|(?:2|two)[\s-]*(?:for|4)[\s-]*(?:1|one)\b"
                 r"|(?:2|two)\s+for\s+the\s+price\s+of\s+(?:1|one)\b)"),
        ("multi_buy", r"^(?:buy\s+)?(?P<v>\d+)\s*(?:for|4)\s*(?:the\s+price\s+of\s+)?(?P<paid>\d+)\b(?![.%])"
                      r"|^buy\s+(?P<v2>\d+)\s*,?\s*pay\s+(?:for\s+)?(?P<paid2>\d+)\b"),
        ("points_multiplier", r"^(?:(?P<word>double|triple|quadruple|twice\s+the)|(?P<v>\d+(?:\.\d+)?)\s*(?:x|times)"
                              r"(?:\s+the)?)\s+(?:loyalty\s+|reward\s+|bonus\s+)?points\b"),
        ("early_access", r"^(?:vip\s+|exclusive\s+)?(?:early|first|priority)\s+access\b"),
        ("free_gift", r"^(?:a\s+)?free\s+gift\b"),
    )
    for kind, rule in rules:
        m = re.match(rule, text, _I)
        if not m:
            continue
        g = m.groupdict()
        fields: dict[str, object] = {"kind": kind}
        if kind in ("percent_off", "amount_off"):
            if not (g.get("save") or g.get("off")):
                continue  # "15%" or "£10" alone: not an offer until it says "off"
            fields["value"] = float(g["v"]) if kind == "percent_off" else _value(m, "v")
        elif kind == "multi_buy":
            fields["value"], fields["paid"] = float(g["v"] or g["v2"]), float(g["paid"] or g["paid2"])
        elif kind == "points_multiplier":
            word = (g.get("word") or "").lower()
            fields["value"] = float(g["v"]) if g.get("v") else {"double": 2.0, "triple": 3.0, "quadruple": 4.0}.get(
                word, 2.0)
        return fields, text[m.end():]
    return None


def _sanity(fields: dict[str, object], threshold: float | None, currency: str) -> dict[str, object]:
    kind, value = fields["kind"], fields.get("value")
    v = float(value) if isinstance(value, int | float) else 0.0
    if kind == "percent_off" and not 0 < v < 100:
        raise _refuse(f"a discount of {v:g}% is not an offer (give 1% to 99%; for something free say what)", currency)
    if kind == "amount_off" and threshold is not None and threshold <= v:
        raise _refuse(f"{currency}{v:g} off orders over {currency}{threshold:g} would make orders free; the minimum "
                      "spend must be more than the discount", currency)
    if kind == "points_multiplier" and not 1 < v <= 10:
        raise _refuse(f"a points multiplier of {v:g} is not an offer (give double, triple or 2x to 10x)", currency)
    if kind == "multi_buy":
        paid = float(fields["paid"])  # type: ignore[arg-type]
        if paid == 1 and v == 2:
            return {"kind": "bogo"}
        if not 1 <= paid < v <= 10:
            raise _refuse(f"'{v:g} for {paid:g}' is not a multi-buy (the customer must get more than they pay for)",
                          currency)
    return fields


def _scope(rest: str, text: str, currency: str) -> str | None:
    rest = re.sub(r"\s+", " ", rest).strip(" ,;:-\u2013")
    rest = _SCOPE_CONNECTOR.sub("", rest)
    rest = re.sub(r"\s+only$", "", rest, flags=_I).strip(" ,;:-\u2013")
    if not rest or _AUDIENCE.match(rest):
        return None
    if _EVERYTHING.match(rest):
        return "everything"
    if _SECOND_OFFER.search(rest):
        raise _refuse(f"one offer at a time: could not read {rest!r} in {text!r} (a second offer or a figure "
                      "the offer cannot carry)", currency)
    words = rest.split()
    if (not _SCOPE_WORDS.fullmatch(rest) or len(words) > MAX_SCOPE_WORDS or len(rest) > MAX_SCOPE_CHARS
            or not is_clean(rest) or any(w.lower().strip("'\u2019") in _NOT_SCOPE for w in words)):
        raise _refuse(f"could not read {rest!r} in the offer {text!r}: after what the customer gets, say in a few "
                      "words what it applies to ('on Outdoor', 'your next order'), a minimum spend ('over "
                      f"{currency}40') or when it ends ('this weekend', 'until Sunday', 'ends 24 December')", currency)
    return rest


def parse(text: str, *, today: date, currency: str = "£") -> Offer:
    """See :func:`agent.campaigns.offers.parse_offer`."""
    raw = text or ""
    clean = " ".join(raw.split())
    if not clean:
        return Offer("none", currency=currency, raw=raw)
    if len(clean) > MAX_OFFER_CHARS:
        raise _refuse(f"the offer is {len(clean)} characters; keep it to {MAX_OFFER_CHARS}", currency)
    if contains_pii(clean) or _PHONE.search(clean):
        raise _refuse("the offer contains a phone number or email address; an offer says what the customer gets, "
                      "never contact details", currency)
    if find_links(clean) or re.search(r"\b(?:https?://|www\.)", clean, _I):
        raise _refuse("the offer contains a web address; links go in the campaign's landing page, not the offer",
                      currency)
    if instruction_phrases(clean):
        raise _refuse("the offer contains instruction-like wording", currency)
    others = [c for c in _CURRENCIES if c != currency]
    foreign = "|".join([re.escape(c) for c in others] + [_CURRENCIES[c][0] for c in others]
                       + [rf"\b{_CURRENCIES[c][1]}\b" for c in others])
    if re.search(foreign, clean, _I):
        raise _refuse(f"the offer names another currency; this shop sells in {currency}", currency)
    s = spell_out(clean.rstrip(".!")).text
    if currency == "£":
        s = re.sub(r"\ba\s+tenner\b", "£10", s, flags=_I)
        s = re.sub(r"\ba\s+fiver\b", "£5", s, flags=_I)
    code = None
    if m := re.search(r"(?:\s*,?\s*(?:with|use|using|enter)\s+)?(?:the\s+)?(?:promo\s+|discount\s+|voucher\s+"
                      r"|coupon\s+)?\bcode\s*:?\s*(?P<code>[A-Za-z0-9]{3,15})\b", s, _I):
        code, s = m.group("code").upper(), _cut(s, m)
    s, deadline, words = _deadline(s, today)
    s, threshold, inclusive = _threshold(s, currency)
    found = _mechanic(re.sub(r"\s+", " ", s).strip(" ,;:-\u2013"), currency)
    if found is None:
        raise _refuse(f"could not read the offer {clean!r}: start with what the customer gets", currency)
    fields, rest = found
    fields = _sanity(fields, threshold, currency)
    offer = Offer(**fields, threshold=threshold, threshold_inclusive=inclusive,  # type: ignore[arg-type]
                  scope=_scope(rest, clean, currency), deadline=deadline, deadline_words=words,
                  code=code, currency=currency, raw=raw)
    if len(offer.phrase()) > MAX_OFFER_CHARS:
        raise _refuse(f"the offer reads '{offer.phrase()}' when written out, over {MAX_OFFER_CHARS} characters; "
                      "shorten what it applies to", currency)
    return offer
