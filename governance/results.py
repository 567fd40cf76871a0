"""Campaign results: what treated and control members bought after the send, and the uplift with intervals.

Orders are read from ``clean_orders`` (orders confirmed as fraud left out) when the workspace has
it, else from ``orders``. The window is ``[start, start + days)`` where ``start`` is the campaign's
first export or its schedule, whichever is later (in the shop's time zone, as orders are stored).

* Conversion: a member converts with at least one purchase line (not a return) in the window. The
  uplift is ``p_treated - p_control`` in percentage points with a 95% interval from the normal
  approximation for the difference of two proportions (unpooled standard error).
* Revenue per member: net revenue in the window (returns subtract) divided by the group's size,
  members without orders counting as 0. The uplift's 95% interval is Welch's t interval (unequal
  variances, Welch–Satterthwaite degrees of freedom) on the per-member revenues.

Without a control group (holdout 0, or nobody held out) there is no uplift: the fields are ``None``.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

Z95 = 1.959963984540054


@dataclass(frozen=True)
class CampaignResults:
    """Outcome of a campaign against its control group (counts and money; no personal data)."""

    campaign_id: str
    treated: int
    control: int
    treated_buyers: int
    control_buyers: int
    treated_revenue: float
    control_revenue: float
    conversion_uplift: float | None
    """Treated minus control conversion rate, in percentage points."""
    conversion_uplift_ci: tuple[float, float] | None
    """95% interval of :attr:`conversion_uplift` (percentage points; normal approximation)."""
    revenue_per_member_uplift: float | None
    """Treated minus control revenue per member."""
    revenue_per_member_uplift_ci: tuple[float, float] | None
    """95% Welch interval of :attr:`revenue_per_member_uplift`."""
    days: int
    window_start: str = ""
    window_end: str = ""
    source: str = "clean_orders"
    window_complete: bool = True
    """False while the window has not ended yet (results imported early are partial)."""

    @property
    def treated_conversion(self) -> float:
        """Share of treated members who bought (0-1)."""
        return self.treated_buyers / self.treated if self.treated else 0.0

    @property
    def control_conversion(self) -> float:
        """Share of control members who bought (0-1)."""
        return self.control_buyers / self.control if self.control else 0.0

    @property
    def treated_revenue_per_member(self) -> float:
        return self.treated_revenue / self.treated if self.treated else 0.0

    @property
    def control_revenue_per_member(self) -> float:
        return self.control_revenue / self.control if self.control else 0.0

    def summary(self) -> str:
        """Plain words: groups, conversion and revenue per member, and whether the uplift is significant."""
        days = f"{self.days} days from {self.window_start[:10]}" + (
            "" if self.window_complete else f" (window still open until {self.window_end[:10]}: partial)")
        head = (f"Campaign {self.campaign_id}, {days}: "
                f"{self.treated:,} treated members, {self.treated_conversion:.1%} bought, "
                f"{self.treated_revenue_per_member:,.2f} revenue per member")
        if self.conversion_uplift is None or self.conversion_uplift_ci is None:
            return head + ". No control group, so the uplift cannot be measured."
        head += (f"; {self.control:,} control members, {self.control_conversion:.1%} bought, "
                 f"{self.control_revenue_per_member:,.2f} revenue per member.")
        return " ".join([head, _sentence("Conversion uplift", self.conversion_uplift, self.conversion_uplift_ci,
                                         " pp"),
                         _sentence("Revenue per member uplift", self.revenue_per_member_uplift,
                                   self.revenue_per_member_uplift_ci, "")])


def _sentence(label: str, value: float | None, ci: tuple[float, float] | None, unit: str) -> str:
    if value is None or ci is None:
        return f"{label}: not measurable."
    verdict = "not significant" if ci[0] <= 0.0 <= ci[1] else "significant"
    return f"{label}: {value:+,.2f}{unit} (95% interval {ci[0]:+,.2f} to {ci[1]:+,.2f}{unit}), {verdict}."


def proportion_uplift(buyers_t: int, n_t: int, buyers_c: int, n_c: int) -> tuple[float, tuple[float, float]] | None:
    """Difference of two proportions in percentage points with its 95% normal-approximation interval."""
    if n_t == 0 or n_c == 0:
        return None
    p_t, p_c = buyers_t / n_t, buyers_c / n_c
    diff = p_t - p_c
    se = math.sqrt(p_t * (1 - p_t) / n_t + p_c * (1 - p_c) / n_c)
    return diff * 100, ((diff - Z95 * se) * 100, (diff + Z95 * se) * 100)


def welch_uplift(treated: list[float], control: list[float]) -> tuple[float, tuple[float, float]] | None:
    """Difference of means with its 95% Welch t interval (``None`` when a group has fewer than 2 members)."""
    from scipy import stats

    n_t, n_c = len(treated), len(control)
    if n_t < 2 or n_c < 2:
        return None
    mean_t, mean_c = sum(treated) / n_t, sum(control) / n_c
    var_t = sum((x - mean_t) ** 2 for x in treated) / (n_t - 1)
    var_c = sum((x - mean_c) ** 2 for x in control) / (n_c - 1)
    a, b = var_t / n_t, var_c / n_c
    diff = mean_t - mean_c
    se = math.sqrt(a + b)
    if se == 0.0:
        return diff, (diff, diff)
    df = (a + b) ** 2 / (a * a / (n_t - 1) + b * b / (n_c - 1))
    t = float(stats.t.ppf(0.975, df))
    return diff, (diff - t * se, diff + t * se)


def measure_results(ws: Any, campaign_id: str, treatment: list[str], control: list[str], start: datetime,
                    days: int, *, now: datetime | None = None) -> CampaignResults:
    """Read the orders of both groups in ``[start, start + days)`` and compute :class:`CampaignResults`.

    ``start`` and ``now`` are naive, in the shop's time zone (as ``orders.ordered_at``); the window is
    complete when it ended before ``now`` (default: no check).
    """
    import pandas as pd

    end = start + timedelta(days=days)
    cohort = pd.DataFrame({"member_id": [*treatment, *control],
                           "grp": ["treatment"] * len(treatment) + ["control"] * len(control)})
    with ws.analytics(read_only=True) as con:
        names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        source = "clean_orders" if "clean_orders" in names else "orders"
        con.register("_cohort", cohort)
        rows = con.execute(
            f"""SELECT c.grp, c.member_id,
                       coalesce(sum(o.quantity * o.unit_price), 0) AS revenue,
                       coalesce(max(CASE WHEN o.quantity > 0 AND NOT coalesce(o.is_return, false)
                                         THEN 1 ELSE 0 END), 0) AS bought
                FROM _cohort c LEFT JOIN {source} o
                  ON o.member_id = c.member_id AND o.ordered_at >= ? AND o.ordered_at < ?
                GROUP BY c.grp, c.member_id""", [start, end]).fetchall()
    revenue: dict[str, list[float]] = {"treatment": [], "control": []}
    buyers = {"treatment": 0, "control": 0}
    for grp, _member, rev, bought in rows:
        revenue[grp].append(float(rev))
        buyers[grp] += int(bought)
    conv = proportion_uplift(buyers["treatment"], len(treatment), buyers["control"], len(control))
    rpm = welch_uplift(revenue["treatment"], revenue["control"]) if control else None
    return CampaignResults(
        campaign_id=campaign_id, treated=len(treatment), control=len(control),
        treated_buyers=buyers["treatment"], control_buyers=buyers["control"],
        treated_revenue=round(sum(revenue["treatment"]), 2), control_revenue=round(sum(revenue["control"]), 2),
        conversion_uplift=None if conv is None else conv[0], conversion_uplift_ci=None if conv is None else conv[1],
        revenue_per_member_uplift=None if rpm is None else rpm[0],
        revenue_per_member_uplift_ci=None if rpm is None else rpm[1],
        days=days, window_start=start.isoformat(), window_end=end.isoformat(), source=source,
        window_complete=now is None or end <= now)


def results_to_json(results: CampaignResults) -> str:
    """``results`` as JSON text (stored in ``campaign_results``)."""
    return json.dumps(asdict(results))


def results_from_json(text: str) -> CampaignResults:
    """The :class:`CampaignResults` stored as JSON by :func:`results_to_json`."""
    data = json.loads(text)
    for key in ("conversion_uplift_ci", "revenue_per_member_uplift_ci"):
        if data.get(key) is not None:
            data[key] = tuple(data[key])
    return CampaignResults(**data)
