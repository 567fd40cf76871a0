"""The words of a suggestion, written by rules from the facts and the plan, and the checks on its meaning.

:func:`render` writes the five parts a CRM lead reads: a one-sentence headline, the situation in
numbers, the recommendation (play, offer, sends and timing, products, and why, each reason citing
a figure), what to measure (metric, control group, baseline and the smallest lift the test can
show, when to read it) and what not to do. Every sentence is built from the plan, so the number
of sends, the offer and the dates agree throughout; :func:`consistency_problems` checks that on any
text (a model's rewording included): no sentence said twice, send counts and reminders that match
the plan, no "don't" that forbids what the plan does, one deadline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from memberinsight.agent.campaigns.facts import FactSheet
from memberinsight.agent.campaigns.format import clock, count, day, days, money, pct
from memberinsight.agent.campaigns.plan import CONFIDENCE, WEEKDAYS, Plan
from memberinsight.agent.campaigns.plays import Signals, offer_category

_CHANNEL_NOUN = {"email": "an email", "sms": "an SMS", "push": "a push notification"}
_NUMBER_WORDS = {"one": 1, "single": 1, "a": 1, "an": 1, "two": 2, "three": 3, "four": 4, "five": 5}
UNCLEAR_LIFT = 5.0
"""Above this many points of detectable lift, the text warns that a smaller difference is only a hint."""


@dataclass
class Sections:
    """A suggestion's text, part by part (each a list of sentences or bullet lines)."""

    headline: str
    situation: list[str] = field(default_factory=list)
    recommendation: list[str] = field(default_factory=list)
    why: list[str] = field(default_factory=list)
    measure: list[str] = field(default_factory=list)
    avoid: list[str] = field(default_factory=list)

    def parts(self) -> dict[str, list[str]]:
        """The checked parts by name (the headline is one part on its own)."""
        return {"headline": [self.headline], "situation": self.situation, "recommendation": self.recommendation,
                "why": self.why, "measure": self.measure, "avoid": self.avoid}

    def text(self) -> str:
        """Plain text: the headline, then each titled part as a list."""
        titles = (("Situation", self.situation), ("Recommendation", self.recommendation), ("Why", self.why),
                  ("What to measure", self.measure), ("What not to do", self.avoid))
        blocks = [self.headline] + [f"{t}\n" + "\n".join(f"- {line}" for line in lines) for t, lines in titles if lines]
        return "\n\n".join(blocks)


def _fact(facts: FactSheet, key: str) -> str | None:
    return next((str(f.value) for f in (*facts.stats, *facts.forecasts) if f.key == key), None)


def _channel(channel: str) -> str:
    return _CHANNEL_NOUN.get(channel.lower(), f"a message by {channel}")


def _range(facts: FactSheet, key: str, currency: str | None, style: str = "brackets") -> str:
    """A forecast's 80% interval from the sheet (``<key>_low`` / ``<key>_high``): " (80%: 40–260)", or
    "between 40 and 260" with ``style="between"``; "" when the sheet has none."""
    low, high = facts.stat(f"{key}_low"), facts.stat(f"{key}_high")
    if low is None or high is None:
        return "" if style == "brackets" else "an unknown number of"

    def show(v: float) -> str:
        return money(v, currency) if currency is not None else f"{v:g}"

    return f"between {show(low)} and {show(high)}" if style == "between" else f" (80%: {show(low)}\u2013{show(high)})"


def situation(facts: FactSheet, sig: Signals) -> list[str]:
    """The audience in numbers: size and share, revenue, orders and recency, churn, value, forecasts."""
    s, c, one = facts.stat, facts.currency, facts.audience_size == 1
    lines: list[str] = []
    if one:
        seg = str(facts.member_profile.get("segment") or "")
        head = f"One member{f' in the {seg} segment' if seg else ''}"
        if sig.orders is not None and sig.spend is not None:
            head += f": {count(int(sig.orders), 'order')} and {money(sig.spend, c)} spent"
            if (aov := s("avg_order_value")) is not None:
                head += f", {money(aov, c)} per order"
        lines.append(head + ".")
    else:
        share = s("share_of_members")
        lines.append(f"{count(facts.audience_size, 'member')}" + (f", {pct(share)} of all members." if share is not None
                                                                   else "."))
        rev, rshare = s("audience_revenue"), s("share_of_revenue")
        if sig.orders is None and not rev:
            lines.append("Orders: none yet.")
        elif rev is not None and rshare is not None:
            line = f"Revenue: {money(rev, c)} to date ({pct(rshare)} of the shop's)"
            rev12, share12 = s("revenue_12m"), s("share_of_revenue_12m")
            if rev12 is not None and share12 is not None:
                line += f", {money(rev12, c)} in the last 12 months ({pct(share12)})"
            lines.append(line + ".")
        if sig.orders is not None and (aov := s("avg_order_value")) is not None:
            lines.append(f"Orders: {sig.orders:g} per member on average, at {money(aov, c)} per order.")
    if sig.recency is not None:
        line = f"Last order: {days(sig.recency)} ago" + ("" if one else " on average")
        lines.append(line + (f"; usual gap between orders {days(sig.gap)}." if sig.gap else "."))
    if sig.churn is not None:
        base = f" (all members: {pct(sig.base_churn)})" if sig.base_churn is not None else ""
        lines.append(f"Churn risk: {pct(sig.churn)}{'' if one else ' on average'}{base}.")
    unsure = one and _fact(facts, "forecast_confidence") is not None  # too little history: ranges, no figure
    if sig.clv is not None:
        line = ((f"Predicted value over the next 12 months: {_range(facts, 'avg_clv', c, 'between')}" if unsure else
                 f"Predicted value over the next 12 months: {money(sig.clv, c)}{_range(facts, 'avg_clv', c)}")
                + ("" if one else " per member"))
        if sig.base_clv is not None:
            line += f" (all members: {money(sig.base_clv, c)})"
        if (total := s("total_predicted_value")) is not None and not one:
            line += f", {money(total, c)} for the whole group{_range(facts, 'total_predicted_value', c)}"
        lines.append(line + ".")
    if (expected := s("avg_expected_orders")) is not None and (total_orders := s("total_expected_orders")) is not None:
        everyone = s("all_avg_expected_orders")
        lines.append(f"Expected orders in the next 90 days: {total_orders:,.0f} in total"
                     f"{_range(facts, 'total_expected_orders', None)}, {expected:g} per member"
                     + (f" (all members: {everyone:g})." if everyone is not None else "."))
        if (spend := s("total_predicted_spend_90d")) is not None:
            lines.append(f"Expected spend in the next 90 days: {money(spend, c)} in total"
                         f"{_range(facts, 'total_predicted_spend_90d', c)}.")
    elif unsure:
        lines.append("Expected in the next 90 days: too little history for a confident forecast; "
                     f"{_range(facts, 'expected_orders_90d', None, 'between')} orders"
                     + (f" and {_range(facts, 'predicted_spend_90d', c, 'between')} of spend."
                        if s("predicted_spend_90d_low") is not None else "."))
    elif (expected := s("expected_orders_90d")) is not None:
        spend = s("predicted_spend_90d")
        lines.append(f"Expected in the next 90 days: {expected:g} orders{_range(facts, 'expected_orders_90d', None)}"
                     + (f" and {money(spend, c)} of spend{_range(facts, 'predicted_spend_90d', c)}."
                        if spend is not None else "."))
    lines += _forecast(facts)
    return lines


def _forecast(facts: FactSheet) -> list[str]:
    s, c = facts.stat, facts.currency
    name, revenue, weeks = _fact(facts, "forecast_category"), s("forecast_category_revenue"), s("forecast_weeks")
    if not name or revenue is None or weeks is None:
        return []
    line = f"{name} forecast: {money(revenue, c)} over the next {weeks:g} weeks"
    if (units := s("forecast_category_units")) is not None:
        line += f" ({units:,.0f} units)"
    change = next((f for f in facts.forecasts if f.key == "forecast_category_change"), None)
    if change is not None and isinstance(change.value, int | float):
        direction = "down" if "(down)" in change.label else "up"
        line += f", {direction} {pct(float(change.value))} on the last {weeks:g} weeks"
    if (share := s("category_share")) is not None:
        line += f"; {name} is {pct(share)} of what they buy"
    return [line + "."]


def _offer_line(plan: Plan) -> str:
    if not plan.offer:
        return {"review_request": "Offer: none; the ask is a review.",
                "thank_you": "Offer: none; this is a thank-you, not a sale."}.get(plan.play.key, "Offer: none.")
    line = f"Offer: {plan.offer}" + (f", ending {day(plan.deadline)}" if plan.deadline else "")
    return line + (" (the usual offer for this play; give your own to change it)." if plan.offer_source == "play"
                   else ".")


def _send_line(plan: Plan) -> str:
    first, hours = plan.sends[0], f"between {clock(plan.window[0])} and {clock(plan.window[1])}"
    if len(plan.sends) == 1:
        return f"Send: one {first.channel} on {day(first.day)}, {hours}."
    second = plan.sends[1]
    when = "2 days before the offer ends" if plan.deadline else "7 days later"
    opener = _channel(first.channel)
    return (f"Send: two messages. {opener[0].upper() + opener[1:]} on {day(first.day)} {hours}, then "
            f"{_channel(second.channel)} on {day(second.day)} ({when}) to those who have not ordered yet"
            + (" and have agreed to texts." if second.channel.lower() == "sms" else "."))


def _products_line(facts: FactSheet, plan: Plan) -> str:
    category = offer_category(facts)
    if not plan.products and category and facts.products:
        return f"Products: none of the recommended products are in {category}; feature its best sellers instead."
    if not plan.products:
        return ""
    c = facts.currency
    named = [p.name + (f" ({money(p.price, c)})" if p.price is not None else "") for p in plan.products]
    listed = ", ".join(named[:-1]) + f" and {named[-1]}" if len(named) > 1 else named[0]
    name, share = _fact(facts, "forecast_category"), facts.stat("category_share")
    why = (f", picked for them from {name} ({pct(share)} of what they buy)" if name and share is not None
           and facts.audience_size > 1 and all((p.category or name) == name for p in plan.products) else "")
    return f"Products: {listed}{why}."


def recommendation(facts: FactSheet, plan: Plan) -> list[str]:
    """Play, offer, sends and timing, products."""
    lines = [f"Play: {plan.play.name}. {plan.play.objective}.", _offer_line(plan), _send_line(plan),
             _products_line(facts, plan)]
    return [line for line in lines if line]


def timing_reason(facts: FactSheet, plan: Plan) -> str:
    """Why that day and those hours, from the audience's (or all members') orders."""
    if plan.window_source != "peak":
        return ""
    basis = "their" if _fact(facts, "timing_basis") == "these members" else "all members'"
    hours, share = f"{clock(plan.window[0])} to {clock(plan.window[1])}", facts.stat("peak_hours_share")
    peak, day_share = _fact(facts, "peak_day"), facts.stat("peak_day_share")
    if plan.on_peak_day and peak in WEEKDAYS and day_share is not None:
        return (f"{peak} is the busiest day for {basis} orders ({pct(day_share)} of them) and {hours} the busiest "
                f"hours ({pct(share)}), so the first send lands when they shop.")
    return f"{hours.capitalize()} are the busiest hours for {basis} orders ({pct(share)} of them)."


def measure(facts: FactSheet, plan: Plan) -> list[str]:
    """Metric, control group, baseline and detectable lift, read-out date."""
    c, one, n = facts.currency, facts.audience_size == 1, plan.audience
    lines: list[str] = []
    if plan.play.metric == "review":
        lines.append(f"Metric: whether they write a review by {day(plan.read_on)}." if one else
                     f"Metric: the share of members who write a review by {day(plan.read_on)}.")
    elif one:
        spend = facts.stat("predicted_spend_90d")
        lines.append("Metric: whether they order by " + day(plan.read_on)
                     + (f", and what they spend against the {money(spend, c)} expected from them over the next 90 days."
                        if spend is not None else "."))
    else:
        lines.append(f"Metric: the share of members who order by {day(plan.read_on)}, and revenue per member.")
    if plan.control:
        lines.append(f"Control group: hold back {plan.control} of the {n} members ({plan.control_share}%), picked "
                     f"at random, and send them nothing; compare them with the {plan.test_group} who get the campaign.")
    elif one:
        lines.append("No control group: a single member cannot be tested; judge the play on the whole segment.")
    else:
        lines.append(f"No control group: {count(n, 'member')} are too few to split; compare with the weeks before "
                     "the first send instead.")
    if plan.baseline is not None:
        who = "they would" if one else f"{pct(plan.baseline)} would"
        if one:
            lines.append(f"Baseline: about a {pct(plan.baseline)} chance {who} order in that time anyway.")
        elif plan.detectable is not None:
            lines.append(f"Baseline: about {who} order in that time anyway; with {plan.control} held back, only a "
                         f"lift of {plan.detectable:g} points or more (to {pct(plan.baseline + plan.detectable)}) will "
                         f"show at {CONFIDENCE}% confidence.")
            if plan.detectable > UNCLEAR_LIFT:
                lines.append("Treat a smaller difference as a hint, not proof.")
        else:
            lines.append(f"Baseline: about {who} order in that time anyway.")
    lines.append(f"Read the result on {day(plan.read_on)}, {plan.horizon_days} days after the first send.")
    return lines


def avoid(facts: FactSheet, plan: Plan, sig: Signals) -> list[str]:
    """What not to do, each consistent with the plan (never forbidding what it does)."""
    c, one = facts.currency, facts.audience_size == 1
    lines: list[str] = []
    if len(plan.sends) == 1:
        lines.append(f"Don't add a reminder: one {plan.sends[0].channel} keeps the cost down and the result clear."
                     if plan.play.key == "reactivation" else
                     f"Don't add a reminder: the plan is a single {plan.sends[0].channel}, so any lift is down to it.")
    else:
        lines.append("Don't send more than these two messages, and leave anyone who orders after the first one out "
                     "of the second.")
    rate = (f"{pct(sig.discount)} of their purchases were discounted (all members: {pct(sig.base_discount)})"
            if sig.discount is not None and sig.base_discount is not None else "")
    if plan.discount and sig.price_sensitive is False and rate:
        lines.append(f"Don't make {plan.offer} a habit: only {rate}.")
    elif plan.discount and plan.play.key == "reactivation" and sig.clv is not None:
        lines.append(f"Don't go beyond {plan.offer}: with {money(sig.clv, c)} of predicted value "
                     f"{'' if one else 'per member '}a deeper cut costs more than it brings back.")
    elif plan.discount and sig.price_sensitive and rate:
        lines.append(f"Don't go beyond {plan.offer} or stack it with other codes: {rate}, and a deeper cut "
                     "teaches them to wait for one.")
    elif plan.discount:
        lines.append(f"Don't go beyond {plan.offer} or stack it with other codes: a deeper cut teaches members to "
                     "wait for one.")
    elif rate and sig.price_sensitive is not True and sig.discount is not None and sig.discount < 50:
        lines.append(f"Don't add a discount code: {rate}, so most of what they buy is at full price.")
    else:
        lines.append("Don't add a discount code: the play works without one.")
    lines.append("Don't quote churn risk, predicted value or the segment's name in the copy: those are for the "
                 "team, not for members.")
    if plan.control:
        lines.append(f"Don't send them any other campaign before {day(plan.read_on)}, and keep the {plan.control} "
                     "held-back members out of every send; otherwise the result mixes campaigns.")
    else:
        lines.append(f"Don't send {'this member' if one else 'them'} any other campaign before {day(plan.read_on)}, "
                     "so the result is clear.")
    return lines


def headline(facts: FactSheet, plan: Plan) -> str:
    """One sentence: the play, the audience, the sends with the offer, the test."""
    label = facts.segment if facts.audience_size > 1 else "one member" + (
        f", {facts.member_profile['segment']}" if facts.member_profile.get("segment") else "")
    first = plan.sends[0].channel
    if len(plan.sends) == 1:
        sends = f"one {first}"
    elif plan.sends[1].channel.lower() == first.lower():
        sends = f"two {first}s"
    else:
        sends = f"{first} then {plan.sends[1].channel}"
    offer = f" with {plan.offer}" if plan.offer else ""
    test = f", tested against {plan.control} held-back members" if plan.control else ""
    start = "on" if len(plan.sends) == 1 else "from"
    return f"{plan.play.name} ({label}): {sends}{offer} {start} {day(plan.sends[0].day)}{test}."


def render(facts: FactSheet, plan: Plan, reasons: list[str]) -> Sections:
    """Every part of the suggestion, from the sheet, the plan and the play's reasons."""
    sig = Signals.of(facts)
    why = list(reasons) + [r for r in (timing_reason(facts, plan),) if r]
    return Sections(headline(facts, plan), situation(facts, sig), recommendation(facts, plan), why,
                    measure(facts, plan), avoid(facts, plan, sig))


# ----- meaning checks ----------------------------------------------------------------------------
_SPLIT = re.compile(r"(?<=[.!?;:])\s+|\n+")
_NEGATED = re.compile(r"\b(?:don't|do not|never|avoid)\b", re.I)
_LIMITING = re.compile(r"\b(?:more than|beyond|deeper|habit|stack|other codes|other campaign)\b", re.I)
_MSG = r"(?:messages?|sends?|mailings?|emails?|sms(?:es)?|texts?|push notifications?|reminders?)"
_CARDINAL = re.compile(rf"\b(one|single|two|three|four|five|\d+)\s+(?:more\s+)?{_MSG}\b", re.I)
_ORDINAL = re.compile(rf"\b(second|third|fourth)\s+{_MSG}\b", re.I)
_REMINDER = re.compile(r"\b(?:reminders?|follow[- ]?ups?|chasers?)\b", re.I)
_BAN_CHANNEL = re.compile(r"\b(?:don't|do not|never)\s+(?:send|use)\s+(?:an?\s+|any\s+)?(email|sms|text|push)\b", re.I)
_DISCOUNT_WORD = re.compile(r"\bdiscount|\bcodes?\b|% off|\bpercent off", re.I)
_ENDS = re.compile(r"\b(?:ending|ends|until|closes|expires)\s+(?:on\s+)?((?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day "
                   r"\d{1,2} [A-Z][a-z]+ \d{4})")


def sentences(text: str) -> list[str]:
    """The sentences (and list items) of ``text``, bullets stripped."""
    return [s.strip().lstrip("-• ").strip() for s in _SPLIT.split(text) if s.strip().lstrip("-• ").strip()]


def repeated_sentences(text: str) -> list[str]:
    """Sentences of four words or more said twice (compared without case and punctuation)."""
    seen: dict[str, int] = {}
    for s in sentences(text):
        key = " ".join(re.findall(r"[a-z0-9£%]+", s.lower()))
        if len(key.split()) >= 4:
            seen[key] = seen.get(key, 0) + 1
    return [k for k, n in seen.items() if n > 1]


def consistency_problems(text: str, plan: Plan) -> list[str]:
    """Where ``text`` contradicts ``plan`` or itself (an empty list when it does not)."""
    n = len(plan.sends)
    problems = [f"says twice: {s!r}" for s in repeated_sentences(text)]
    text = text.replace(plan.play.name, "The play")  # "Replenishment reminder" names the play, not a send
    for s in sentences(text):
        negated, limiting = bool(_NEGATED.search(s)), bool(_LIMITING.search(s))
        for m in _CARDINAL.finditer(s):
            word = m.group(1).lower()
            said = int(word) if word.isdigit() else _NUMBER_WORDS.get(word, 0)
            generic = re.match(r"(?:messages?|sends?|mailings?)", m.group(0).split()[-1], re.I) is not None
            if (generic and said != n and (not negated or limiting)) or (not generic and said > n and not negated):
                problems.append(f"says {m.group(0)!r} but the plan has {n} message{'s' if n != 1 else ''}: {s!r}")
        for m in _ORDINAL.finditer(s):
            wanted = {"second": 2, "third": 3, "fourth": 4}[m.group(1).lower()]
            if (not negated and wanted > n) or (negated and not limiting and wanted <= n):
                problems.append(f"{'forbids' if negated else 'mentions'} a {m.group(1)} message but the plan has "
                                f"{n}: {s!r}")
        if _REMINDER.search(s):
            if not negated and n < 2:
                problems.append(f"mentions a reminder but the plan has one message: {s!r}")
            elif negated and not limiting and n >= 2:
                problems.append(f"forbids a reminder the plan sends: {s!r}")
        for m in _BAN_CHANNEL.finditer(s):
            if any(m.group(1).lower() in (x.channel.lower(), "text" if x.channel.lower() == "sms" else "")
                   for x in plan.sends):
                problems.append(f"forbids a channel the plan uses ({m.group(1)}): {s!r}")
        if plan.discount and negated and not limiting and _DISCOUNT_WORD.search(s):
            problems.append(f"forbids a discount while the offer is {plan.offer}: {s!r}")
        for m in _ENDS.finditer(s):
            if plan.deadline is None or m.group(1) != day(plan.deadline):
                problems.append(f"gives {m.group(1)} as the end, but the offer "
                                + (f"ends {day(plan.deadline)}" if plan.deadline else "has no end date") + f": {s!r}")
    return problems
