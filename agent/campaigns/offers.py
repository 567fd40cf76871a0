"""Structured offers: the operator's offer text parsed into what it promises, rendered right anywhere.

``"15% off"``, ``"free shipping over £40"``, ``"buy one get one free"``, ``"double points this
weekend"``, ``"£10 off your next order"``, ``"early access to the winter sale"`` become an
:class:`Offer` (kind, value, threshold, deadline, scope). Copy never pastes the operator's text:
it renders the offer (:meth:`Offer.phrase`, :meth:`Offer.terms`), so capitalisation, currency and
deadlines are right in any position, and the grounding checker accepts the offer's honest
equivalents (:meth:`Offer.equivalents`: "£10 off" = "ten pounds off" = "a tenner off"; BOGO =
"2 for 1"). An offer the parser does not understand is refused with a clear message
(:class:`~memberinsight.errors.DataValidationError` on column ``offer``), never pasted raw.

The grammar (:func:`parse_offer`, in :mod:`agent.campaigns.offer_parse`) reads, in any order: what
the customer gets (the mechanic), what it applies to (the scope: "on Outdoor", "your next order"),
a minimum spend ("over £40"), a promo code ("with code SAVE15") and when it ends ("this weekend",
"until Sunday", "ends 24 December", "today only", "for 48 hours"), the last resolved against the
send date. Every word must be accounted for: anything else (a phone number, "call us", "whatever
you like") refuses the whole offer rather than shipping half of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from memberinsight.agent.campaigns.facts import Fact
from memberinsight.errors import DataValidationError

OFFER_KINDS = ("percent_off", "amount_off", "free_shipping", "bogo", "multi_buy", "points_multiplier",
               "early_access", "free_gift", "none")
_MULTIPLIER_WORDS = {2: "double", 3: "triple", 4: "quadruple"}
_NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight",
                 9: "nine", 10: "ten", 15: "fifteen", 20: "twenty", 25: "twenty-five", 30: "thirty",
                 40: "forty", 50: "fifty"}
_CURRENCY_WORDS = {"£": ("pounds", "gbp", "quid"), "€": ("euros", "eur"), "$": ("dollars", "usd")}
_SLANG = {("£", 5): "a fiver", ("£", 10): "a tenner", ("£", 20): "twenty quid"}


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.2f}".rstrip("0").rstrip(".")


def short_date(d: date) -> str:
    """``Sunday 13 December``: a deadline as copy states it (the year is implied)."""
    return f"{d.strftime('%A')} {d.day} {d.strftime('%B')}"


def capitalise(text: str) -> str:
    """``text`` with its first letter upper-case (``buy one`` -> ``Buy one``; ``15% off`` unchanged)."""
    return text[:1].upper() + text[1:] if text else text


@dataclass(frozen=True)
class Offer:
    """What an offer promises.

    ``kind``: one of :data:`OFFER_KINDS` (``none``: no offer, e.g. a thank-you or review request).
    ``value``: the percentage (15.0), the amount (10.0), the multiplier (2.0 for double points),
    or for ``multi_buy`` the number bought (3 in "3 for 2"; ``paid`` holds 2); None otherwise.
    ``threshold``: minimum spend ("over £40" -> 40.0), or None; ``threshold_inclusive``: the spend
    was written as "£40 or more" / "when you spend £40" (rendered that way, not as "over £40").
    ``scope``: what it applies to, as the operator wrote it and screened ("your next order",
    "the winter sale", "Outdoor"), or None.
    ``deadline``: the last day, or None; ``deadline_words``: how the operator said it
    ("this weekend", "until Sunday"), or None. A deadline in words is resolved against the send
    date so the copy and the fact sheet agree ("this weekend" sent on Tuesday 8 December means
    Sunday 13 December, never a deadline two weeks away).
    ``code``: a promo code the offer names ("SAVE15"), or None.
    ``currency``: the shop's currency sign.
    ``raw``: the operator's text (for reports only; never rendered into copy).
    """

    kind: str
    value: float | None = None
    paid: float | None = None
    threshold: float | None = None
    scope: str | None = None
    deadline: date | None = None
    deadline_words: str | None = None
    currency: str = "£"
    raw: str = ""
    threshold_inclusive: bool = False
    code: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in OFFER_KINDS:
            raise DataValidationError(f"offer kind must be one of {', '.join(OFFER_KINDS)}, got {self.kind!r}",
                                      column="offer")
        needs_value = ("percent_off", "amount_off", "multi_buy", "points_multiplier")
        if self.kind in needs_value and (self.value is None or self.value <= 0):
            raise DataValidationError(f"a {self.kind} offer needs a positive value", column="offer")

    # ----- rendering ---------------------------------------------------------------------------
    def money(self, amount: float) -> str:
        """``£10`` / ``£7.50`` in the offer's currency."""
        return f"{self.currency}{_num(amount)}" if float(amount).is_integer() else f"{self.currency}{amount:.2f}"

    def _spend(self) -> str:
        assert self.threshold is not None
        if self.threshold_inclusive:
            return f"when you spend {self.money(self.threshold)} or more"
        return f"on orders over {self.money(self.threshold)}"

    def _head(self) -> str:
        """The mechanic alone: ``15% off``, ``free delivery``, ``double points``."""
        v = self.value or 0.0
        if self.kind == "percent_off":
            return f"{_num(v)}% off"
        if self.kind == "amount_off":
            return f"{self.money(v)} off"
        if self.kind == "free_shipping":
            return "free delivery"
        if self.kind == "bogo":
            return "buy one, get one free"
        if self.kind == "multi_buy":
            return f"{_num(v)} for {_num(self.paid or 1)}"
        if self.kind == "points_multiplier":
            word = _MULTIPLIER_WORDS.get(int(v)) if float(v).is_integer() else None
            return f"{word} points" if word else f"{_num(v)}x points"
        if self.kind == "early_access":
            return "early access"
        if self.kind == "free_gift":
            return "a free gift"
        return ""

    def phrase(self, start: bool = False, *, deadline: bool = False) -> str:
        """The offer as copy says it: ``15% off``, ``£10 off your next order``, ``free delivery on orders
        over £40``, ``buy one, get one free``, ``double points``, ``early access to the winter sale``.

        ``start=True`` capitalises it for a sentence start (``Buy one, get one free``); ``deadline=True``
        adds when it ends (``this weekend``, ``today only``, ``until Sunday 13 December``).
        """
        text = self._head()
        if not text:
            return ""
        if self.scope:
            joiner = {"percent_off": "", "amount_off": "", "early_access": "to ", "free_gift": "with "}
            text += f" {joiner.get(self.kind, 'on ')}{self.scope}"
        if self.threshold is not None:
            if self.kind in ("percent_off", "amount_off") and not self.scope and not self.threshold_inclusive:
                text += f" orders over {self.money(self.threshold)}"
            elif self.scope and self.scope.lower().endswith("order") and not self.threshold_inclusive:
                text += f" over {self.money(self.threshold)}"  # "£10 off your next order over £50"
            elif self.kind == "free_gift" and not self.threshold_inclusive:
                text += f" with orders over {self.money(self.threshold)}"
            else:
                text += " " + self._spend()
        if self.code:
            text += f" with code {self.code}"
        if deadline and self.deadline:
            text += " " + self.when()
        return capitalise(text) if start else text

    def when(self) -> str:
        """When the offer ends, as copy says it: the operator's relative words where they are safe to
        repeat (``this weekend``, ``this week``, ``this month``, ``today only``, ``for 48 hours``),
        else ``until Sunday 13 December``; empty without a deadline."""
        if not self.deadline:
            return ""
        words = (self.deadline_words or "").lower()
        for key, said in (("weekend", "this weekend"), ("week", "this week"), ("month", "this month"),
                          ("today", "today only"), ("tonight", "today only"), ("midnight", "today only")):
            if key in words:
                return said
        if "hour" in words:
            hours = "".join(c for c in words if c.isdigit())
            if hours:
                return f"for {hours} hours"
        return f"until {short_date(self.deadline)}"

    def terms(self, today: date | None = None) -> str:
        """The conditions line (``On orders over £40. Ends Sunday 13 December.``); ``""`` when none.

        With ``today`` (the send date), a deadline of today or tomorrow says so.
        """
        parts: list[str] = []
        if self.threshold is not None:
            parts.append(capitalise(self._spend()) + ".")
        if self.code:
            parts.append(f"Use code {self.code} at checkout.")
        if self.deadline:
            if today is not None and self.deadline == today:
                parts.append(f"Ends today, {short_date(self.deadline)}.")
            elif today is not None and self.deadline == today + timedelta(days=1):
                parts.append(f"Ends tomorrow, {short_date(self.deadline)}.")
            else:
                parts.append(f"Ends {short_date(self.deadline)}.")
        return " ".join(parts)

    # ----- what the checker may accept ---------------------------------------------------------
    def _core_forms(self) -> list[str]:
        """Surface forms of the mechanic alone (lower case)."""
        v = self.value or 0.0
        c = self.currency
        if self.kind == "percent_off":
            n = _num(v)
            forms = [f"{n}% off", f"{n} percent off", f"{n} per cent off", f"save {n}%", f"{n}% discount"]
            if word := _NUMBER_WORDS.get(int(v)) if float(v).is_integer() else None:
                forms += [f"{word} percent off", f"{word} per cent off"]
            forms += {50: ["half price", "half off"], 25: ["a quarter off"], 20: ["a fifth off"]}.get(int(v), [])
            return forms
        if self.kind == "amount_off":
            m = self.money(v)
            forms = [f"{m} off", f"{c}{v:.2f} off", f"save {m}"]
            words = _CURRENCY_WORDS.get(c, ())
            if words:
                forms += [f"{_num(v)} {words[0]} off", f"{words[1]} {_num(v)} off"]
                if float(v).is_integer() and (word := _NUMBER_WORDS.get(int(v))):
                    forms.append(f"{word} {words[0]} off")
                forms += [f"{_num(v)} {w} off" for w in words[2:]]
            if (slang := _SLANG.get((c, int(v)))) and float(v).is_integer():
                forms.append(f"{slang} off")
            return forms
        if self.kind == "free_shipping":
            return ["free delivery", "free shipping", "free postage", "free p&p", "delivered free", "delivery is free",
                    "shipping is free", "shipped free", "ships free", "shipping is on us", "delivery is on us",
                    "postage is on us", "shipping on us", "delivery on us"]
        if self.kind == "bogo":
            return ["buy one, get one free", "buy one get one free", "buy 1 get 1 free", "bogof", "bogo", "2 for 1",
                    "two for one", "2-for-1", "two for the price of one", "2 for the price of 1"]
        if self.kind == "multi_buy":
            n, p = _num(v), _num(self.paid or 1)
            forms = [f"{n} for {p}", f"buy {n}, pay for {p}", f"buy {n} pay for {p}", f"{n} for the price of {p}"]
            if (a := _NUMBER_WORDS.get(int(v))) and (b := _NUMBER_WORDS.get(int(self.paid or 1))):
                forms += [f"{a} for {b}", f"{a} for the price of {b}"]
            return forms
        if self.kind == "points_multiplier":
            n = _num(v)
            forms = [f"{n}x points", f"{n}x the points", f"{n} times the points", f"{n}x loyalty points"]
            if word := _MULTIPLIER_WORDS.get(int(v)) if float(v).is_integer() else None:
                forms = [f"{word} points", f"{word} loyalty points", f"{word} reward points", *forms]
            if v == 2:
                forms += ["twice the points", "twice as many points", "double the points", "points count twice",
                          "points count double", "points are doubled", "doubled points"]
            elif v == 3:
                forms += ["three times the points", "triple the points", "points count three times"]
            return forms
        if self.kind == "early_access":
            return ["early access", "first access", "priority access", "early pass", "early entry", "head start",
                    "first dibs", "first look", "before everyone else", "before anyone else", "shop first"]
        if self.kind == "free_gift":
            return ["a free gift", "free gift", "gift with purchase"]
        return []

    def equivalents(self) -> tuple[str, ...]:
        """Lower-case surface forms that state this same offer honestly.

        The mechanic alone first (``£10 off``, ``10 pounds off``, ``ten pounds off``, ``a tenner off``,
        ``gbp 10 off``; BOGO: ``buy one get one free``, ``bogof``, ``2 for 1``; double points:
        ``2x points``, ``twice the points``), then each with the scope and the minimum spend.
        """
        core = self._core_forms()
        out = list(core)
        tail = self.phrase()[len(self._head()):]
        if tail:
            out += [f"{form}{tail}" for form in core]
        if self.threshold is not None:
            m = self.money(self.threshold)
            out += [f"{form} over {m}" for form in core] + [f"{form} when you spend {m}" for form in core]
        return tuple(dict.fromkeys(f.lower() for f in out))

    def markers(self) -> list[str]:
        """Phrases any one of which shows that a text states this offer (for the "offer stated" check):
        the figure for a discount (``15%``, ``15 percent``; ``£10``, ``10 pounds``, ``a tenner``), else
        the mechanic's forms (``free delivery``, ``2 for 1``, ``double points``)."""
        if self.kind == "percent_off":
            n = _num(self.value or 0.0)
            return [f"{n}%", f"{n} percent"]
        if self.kind == "amount_off":
            v = self.value or 0.0
            out = [self.money(v), f"{self.currency}{v:.2f}"]
            if words := _CURRENCY_WORDS.get(self.currency):
                out += [f"{_num(v)} {words[0]}", f"{words[1]} {_num(v)}"]
            if (slang := _SLANG.get((self.currency, int(v)))) and float(v).is_integer():
                out.append(slang)
            return list(dict.fromkeys(out))
        return [f for f in self._core_forms() if f not in ("bogo",)]

    def facts(self, today: date | None = None) -> list[Fact]:
        """The figures copy may state about this offer: the percentage or amount, the minimum spend,
        the multiplier, the multi-buy's numbers, the offer's length in hours or days, and (with
        ``today``, the send date) the days left. Keys say what each is (``offer_percent``,
        ``offer_amount``, ``offer_threshold``, ``offer_multiplier``, ``offer_buy``/``offer_paid``,
        ``offer_hours``, ``offer_days``, ``offer_days_left``): a threshold is not a discount."""
        out: list[Fact] = []
        v = self.value
        if self.kind == "percent_off" and v is not None:
            out.append(Fact("offer_percent", "Offer percentage", float(v), "percent"))
        elif self.kind == "amount_off" and v is not None:
            out.append(Fact("offer_amount", "Offer amount", float(v), "money"))
        elif self.kind == "points_multiplier" and v is not None:
            out.append(Fact("offer_multiplier", "Points multiplier", float(v), "number"))
        elif self.kind == "multi_buy" and v is not None:
            out += [Fact("offer_buy", "Items bought", float(v), "number"),
                    Fact("offer_paid", "Items paid for", float(self.paid or 1), "number")]
        elif self.kind == "bogo":
            out += [Fact("offer_buy", "Items bought", 2.0, "number"), Fact("offer_paid", "Items paid for", 1.0, "number")]
        if self.threshold is not None:
            out.append(Fact("offer_threshold", "Minimum spend for the offer", float(self.threshold), "money"))
        words = (self.deadline_words or "").lower()
        digits = "".join(c for c in words if c.isdigit())
        if digits and "hour" in words:
            out.append(Fact("offer_hours", "Offer length in hours", int(digits), "number"))
        elif digits and "day" in words:
            out.append(Fact("offer_days", "Offer length in days", int(digits), "days"))
        if today is not None and self.deadline is not None:
            out.append(Fact("offer_days_left", "Days until the offer ends", (self.deadline - today).days, "days"))
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly terms (for ``--json`` and the UI); the operator's raw text is left out."""
        return {"kind": self.kind, "value": self.value, "paid": self.paid, "threshold": self.threshold,
                "scope": self.scope, "code": self.code,
                "deadline": self.deadline.isoformat() if self.deadline else None,
                "deadline_words": self.deadline_words, "phrase": self.phrase(), "terms": self.terms()}


def parse_offer(text: str, *, today: date, currency: str = "£") -> Offer:
    """The :class:`Offer` an operator's text describes; deadline words are resolved against ``today``
    (the send date). Empty text is ``Offer("none")``.

    Raises :class:`~memberinsight.errors.DataValidationError` (column ``offer``) for text longer than
    60 characters, text carrying contact details or links, and anything the grammar cannot read,
    with examples that work.
    """
    from memberinsight.agent.campaigns.offer_parse import parse

    return parse(text, today=today, currency=currency)
