"""A play turned into a plan an operator can run: offer, sends and timing, products, test design.

:func:`build_plan` decides, from the fact sheet and the chosen :class:`~agent.campaigns.plays.Play`:

* the offer (the operator's, else the play's usual one) and its deadline;
* the sends: the first on the audience's busiest weekday (when it falls before the offer ends) in
  their busiest hours, and for two-send plays a reminder two days before the offer ends to those
  who have not acted yet;
* the test: a random control group (20% of the audience, 10% from 1,000 members; none below
  :data:`MIN_TEST`), the baseline rate expected without the campaign (from the predicted orders)
  and the smallest lift the test can show at 95% confidence;
* when to read the result.

Every figure the plan adds is also a :class:`~agent.campaigns.facts.Fact` (``Plan.facts``) so the
suggestion text is checked against it like any other figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from memberinsight.agent.campaigns.facts import Fact, FactSheet, ProductFact
from memberinsight.agent.campaigns.format import twelve
from memberinsight.agent.campaigns.plays import DISCOUNTS, Play, offer_category, offer_kind
from memberinsight.errors import DataValidationError

MIN_TEST = 40
"""Below this many members a control group is too small to tell anything; the plan has none."""
Z_SUM = 1.96 + 0.84
"""Two-sided 95% confidence and 80% power."""
CONFIDENCE = 95
REMINDER_LEAD_DAYS = 2
"""The reminder goes this many days before the offer ends."""
FOLLOW_UP_DAYS = 7
"""Without a deadline, the reminder goes this many days after the first send."""
READ_DELAY_DAYS = 7
"""Orders placed on the last day of an offer still need a few days to count: read this long after it ends."""
EARLIEST_HOUR, LATEST_HOUR, DEFAULT_HOURS = 8, 20, (10, 13)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Send:
    """One message of the campaign: when, on which channel, to whom (``all`` or ``not_acted``)."""

    day: date
    channel: str
    to: str = "all"


@dataclass(frozen=True)
class Plan:
    """What to send, when, to whom, and how the result is measured (every figure also in ``facts``)."""

    play: Play
    offer: str
    offer_kind: str
    offer_source: str
    deadline: date | None
    sends: tuple[Send, ...]
    window: tuple[int, int]
    window_source: str
    on_peak_day: bool
    products: tuple[ProductFact, ...]
    audience: int
    control: int
    control_share: int
    read_on: date
    horizon_days: int
    baseline: float | None = None
    detectable: float | None = None
    facts: tuple[Fact, ...] = field(default=(), repr=False)

    @property
    def discount(self) -> bool:
        """True when the offer is a price cut (percent or amount off, buy-one-get-one, multi-buy)."""
        return self.offer_kind in DISCOUNTS

    @property
    def test_group(self) -> int:
        return self.audience - self.control

    def to_dict(self) -> dict[str, Any]:
        """Raw values for ``--json`` (ISO dates, 24-hour clock)."""
        return {"play": self.play.key, "offer": self.offer, "offer_kind": self.offer_kind,
                "offer_source": self.offer_source, "deadline": self.deadline.isoformat() if self.deadline else None,
                "sends": [{"day": s.day.isoformat(), "weekday": WEEKDAYS[s.day.weekday()], "channel": s.channel,
                           "to": s.to} for s in self.sends],
                "send_window": {"from_hour": self.window[0], "to_hour": self.window[1], "source": self.window_source},
                "products": [{"name": p.name, "price": p.price, "product_id": p.product_id} for p in self.products],
                "audience": self.audience, "test_group": self.test_group, "control_group": self.control,
                "control_share_pct": self.control_share, "read_on": self.read_on.isoformat(),
                "horizon_days": self.horizon_days, "metric": self.play.metric,
                "reminder_gap_days": (REMINDER_LEAD_DAYS if self.deadline else FOLLOW_UP_DAYS)
                if len(self.sends) > 1 else None,
                "baseline_pct": self.baseline, "detectable_lift_points": self.detectable,
                "confidence_pct": CONFIDENCE}


def _offer(facts: FactSheet, play: Play, today: date) -> tuple[str, str, str]:
    """(offer as the plan states it, its kind, ``operator`` or ``play``)."""
    from memberinsight.agent.campaigns.offers import parse_offer

    if facts.offer.strip():
        terms, text, source = facts.offer_terms, facts.offer.strip(), "operator"
    else:
        first = play.key == "welcome" and facts.stat("avg_orders") is None  # nobody has ordered yet
        text, source = ("10% off your first order" if first else play.default_offer), "play"
        try:
            terms = parse_offer(text, today=today, currency=facts.currency) if text else None
        except DataValidationError:
            terms = None
    if terms is not None and terms.kind != "none":
        return terms.phrase(), terms.kind, source
    return text, offer_kind(text), source


def _text_fact(facts: FactSheet, key: str) -> str | None:
    return next((str(f.value) for f in (*facts.stats, *facts.forecasts) if f.key == key), None)


def _first_send(facts: FactSheet, today: date, deadline: date | None) -> tuple[date, bool]:
    """The audience's busiest weekday from tomorrow on, when that leaves three days before the offer ends."""
    earliest = today + timedelta(days=1)
    latest = deadline - timedelta(days=3) if deadline else today + timedelta(days=14)
    peak = _text_fact(facts, "peak_day")
    if peak in WEEKDAYS:
        candidate = earliest + timedelta(days=(WEEKDAYS.index(peak) - earliest.weekday()) % 7)
        if candidate <= latest:
            return candidate, True
    first = earliest if deadline is None or earliest <= deadline else today
    return first, peak in WEEKDAYS and WEEKDAYS[first.weekday()] == peak


def _window(facts: FactSheet) -> tuple[tuple[int, int], str]:
    start, end = facts.stat("peak_hour_from"), facts.stat("peak_hour_to")
    if start is not None and end is not None and EARLIEST_HOUR <= start <= LATEST_HOUR:
        return (int(start), int(end)), "peak"
    return DEFAULT_HOURS, "default"


def _baseline(facts: FactSheet, days_: int) -> float | None:
    """Percent of the audience expected to order within ``days_`` without the campaign (Poisson, from
    the predicted orders per member in 90 days)."""
    expected = facts.stat("avg_expected_orders")
    if expected is None:
        expected = facts.stat("expected_orders_90d")
    if expected is None or expected < 0:
        return None
    return round(100 * (1 - math.exp(-expected * days_ / 90)), 1)


def _products(facts: FactSheet, play: Play) -> tuple[ProductFact, ...]:
    """The products to feature: none for a review request; for an offer on one category, that category's."""
    if play.key == "review_request":
        return ()
    category = offer_category(facts)
    if category is None:
        return tuple(facts.products)
    return tuple(p for p in facts.products if (p.category or "").lower() == category.lower())


def build_plan(facts: FactSheet, play: Play) -> Plan:
    """The plan for ``play`` on this sheet (deterministic: same sheet, same plan)."""
    today = facts.as_of or date.today()
    offer, kind, source = _offer(facts, play, today)
    deadline = facts.deadline if offer else None
    first, on_peak = _first_send(facts, today, deadline)
    sends = [Send(first, play.channels[0])]
    if play.sends > 1:
        second = deadline - timedelta(days=REMINDER_LEAD_DAYS) if deadline else first + timedelta(days=FOLLOW_UP_DAYS)
        if second >= first + timedelta(days=2):
            sends.append(Send(second, play.reminder_channel, "not_acted"))
    end = deadline or first + timedelta(days=play.horizon_days)
    read_on = end + timedelta(days=READ_DELAY_DAYS) if deadline else end
    horizon = (read_on - first).days
    n = facts.audience_size
    share = 0 if n < MIN_TEST else 10 if n >= 1000 else 20
    control = round(n * share / 100)
    window, window_source = _window(facts)
    baseline = _baseline(facts, horizon) if play.metric == "order" else None
    detectable = None
    if baseline is not None and control:
        p = baseline / 100
        spread = math.sqrt(max(p * (1 - p), 0.0025) * (1 / (n - control) + 1 / control))
        detectable = round(100 * Z_SUM * spread, 1)
    plan = Plan(play, offer, kind, source, deadline, tuple(sends), window, window_source, on_peak,
                _products(facts, play), n, control, share, read_on, horizon, baseline, detectable)
    return _with_facts(plan, facts)


def _with_facts(plan: Plan, facts: FactSheet) -> Plan:
    """``plan`` with its figures as facts (what the suggestion text may state besides the sheet's)."""
    out = [Fact("plan_first_send", "First send", plan.sends[0].day, "date"),
           Fact("plan_sends", "Messages in the campaign", len(plan.sends), "count"),
           Fact("plan_read_on", "Read the result on", plan.read_on, "date"),
           Fact("plan_horizon_days", "Days from the first send to the read-out", plan.horizon_days, "days"),
           Fact("plan_window_from", "Send window opens (12-hour clock)", twelve(plan.window[0]), "number"),
           Fact("plan_window_to", "Send window closes (12-hour clock)", twelve(plan.window[1]), "number"),
           Fact("plan_value_months", "Months the predicted value covers", 12, "count"),
           Fact("plan_orders_days", "Days the predicted orders cover", 90, "days"),
           Fact("plan_audience_one", "One member", 1, "count")]
    if len(plan.sends) > 1:
        out += [Fact("plan_second_send", "Reminder", plan.sends[1].day, "date"),
                Fact("plan_reminder_gap", "Days between the reminder and the offer end or the first send",
                     REMINDER_LEAD_DAYS if plan.deadline else FOLLOW_UP_DAYS, "days")]
    if plan.control:
        out += [Fact("plan_control", "Members held back as a control group", plan.control, "count"),
                Fact("plan_control_share", "Share held back", plan.control_share, "percent"),
                Fact("plan_test_group", "Members who get the campaign", plan.test_group, "count")]
    if plan.baseline is not None:
        out.append(Fact("plan_baseline", "Expected to order anyway", plan.baseline, "percent"))
    if plan.detectable is not None and plan.baseline is not None:
        out += [Fact("plan_detectable", "Smallest lift the test can show (points)", plan.detectable, "number"),
                Fact("plan_detectable_to", "Rate the campaign must reach to show", round(plan.baseline
                     + plan.detectable, 1), "percent"),
                Fact("plan_confidence", "Confidence", CONFIDENCE, "percent")]
    return replace(plan, facts=tuple(out))
