"""Differentially private segment reports: noisy member counts and sums per group, for sharing outside the CRM team.

Released through OpenDP (https://opendp.org): each figure is the true one plus discrete-Laplace noise drawn
by OpenDP's exact integer sampler (no floating-point leaks). The privacy unit is one member with all of
their orders: a member adds 1 to one group's count, and at most the clamp bound to its sums.

* ``epsilon`` is split evenly over the statistics asked for (count, orders, spend: sequential composition);
  groups are disjoint, so each statistic spends its share once however many groups there are.
* Sums are clamped per member to public bounds from settings (``[privacy] orders_bound``, ``spend_bound``),
  fixed in advance and never read from the private data: a member above the bound counts as the bound.
  Spend is summed in whole currency units.
* Group labels come from a public catalogue (:data:`PUBLIC_GROUPS`), never from the data, so a group's
  presence reveals nothing; members outside it go to :data:`OTHER`. Groups whose noisy count is inside
  its 95% error bound are marked ``below_noise`` (post-processing: costs no privacy).
* Every release spends its epsilon from the workspace budget (:mod:`governance.privacy_budget`) and is
  audited; a release that would overspend is refused before anything is shown.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from memberinsight.errors import DataValidationError
from memberinsight.governance.privacy_budget import budget_status, check_budget, check_epsilon, spend

STATISTICS: tuple[str, ...] = ("count", "orders", "spend")
OTHER = "Other / unknown"
ALPHA = 0.05
"""Error bounds are reported at 1 - ALPHA = 95%."""
_AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
_BANDS = ("low", "medium", "high")
_CHANNELS = ("organic", "paid_search", "social", "referral", "email", "direct", "affiliate", "display")


def _rfm_names() -> tuple[str, ...]:
    from memberinsight.segments.vocabulary import rfm_segment_names

    return rfm_segment_names()


def _cities() -> tuple[str, ...]:
    from memberinsight.segments.regions import NATIONS, OTHER_CITIES

    return tuple(dict.fromkeys([c for cities in NATIONS.values() for c in cities] + list(OTHER_CITIES)))


def _countries() -> tuple[str, ...]:
    from memberinsight.segments.regions import EU_COUNTRIES

    extra = ("United Kingdom", "Norway", "Switzerland", "Iceland", "United States", "Canada", "Australia")
    return tuple(dict.fromkeys(extra[:1] + EU_COUNTRIES + extra[1:]))


PUBLIC_GROUPS: dict[str, str] = {
    "rfm_segment": "the RFM segment names the models use",
    "churn_band": "churn risk bands low / medium / high",
    "clv_tier": "predicted CLV tiers low / medium / high",
    "age_band": "the standard age bands",
    "country": "UK, EU and a few other countries",
    "city": "the UK, Irish and major world cities of segments.regions",
    "channel": "the usual acquisition channels",
}
"""Grouping columns (``--by``) and where their public label list comes from."""


def group_labels(by: str) -> tuple[str, ...]:
    """The public label list for grouping column ``by`` (:data:`OTHER` is added to it at release)."""
    catalogue = {"rfm_segment": _rfm_names, "churn_band": lambda: _BANDS, "clv_tier": lambda: _BANDS,
                 "age_band": lambda: _AGE_BANDS, "country": _countries, "city": _cities, "channel": lambda: _CHANNELS}
    if by not in catalogue:
        raise DataValidationError(f"--by must be one of {', '.join(PUBLIC_GROUPS)}, got {by!r}", column="by")
    return tuple(catalogue[by]())


@dataclass(frozen=True)
class NoiseInfo:
    """The noise on one statistic: its epsilon share, clamp bound (sensitivity), discrete-Laplace scale,
    standard deviation and 95% error bound (|noise| stays under it 95% of the time)."""

    statistic: str
    epsilon: float
    bound: float
    scale: float
    std: float
    error95: float


@dataclass(frozen=True)
class PrivateRow:
    """One group's noisy figures (``None`` for statistics not asked for)."""

    group: str
    count: int | None
    orders: int | None
    spend: int | None
    below_noise: bool


@dataclass(frozen=True)
class PrivateReport:
    """A differentially private release: the rows, the noise on each statistic, and its budget record."""

    by: str
    epsilon: float
    statistics: tuple[str, ...]
    rows: tuple[PrivateRow, ...]
    noise: tuple[NoiseInfo, ...]
    release_id: int | None = None
    budget_left: float | None = None

    def summary(self) -> str:
        """The figures as a table, labelled as noisy, with their expected error."""
        lines = [f"Differentially private report by {self.by} (epsilon {self.epsilon:g}; OpenDP discrete Laplace). "
                 "Every figure is NOISY: it is the true value plus random noise."]
        for n in self.noise:
            lines.append(f"  {n.statistic:<6} epsilon {n.epsilon:.4g}, clamp {n.bound:g} per member, noise scale "
                         f"{n.scale:,.2f}: std {n.std:,.1f}, 95% of figures within +/-{n.error95:,.0f} of the truth")
        shown = [r for r in self.rows if not r.below_noise]
        header = f"  {'group':<28}" + "".join(f"{s:>12}" for s in self.statistics)
        lines += ["", header]
        for r in shown:
            lines.append(f"  {r.group[:28]:<28}" + "".join(f"{getattr(r, s):>12,}" for s in self.statistics))
        hidden = len(self.rows) - len(shown)
        if hidden:
            lines.append(f"  ({hidden} group(s) with a noisy count inside its error bound not shown: too small to "
                         "tell from zero)")
        if self.release_id is not None:
            lines.append(f"Release {self.release_id} recorded; privacy budget left: epsilon {self.budget_left:g}.")
        return "\n".join(lines)


def _dp() -> Any:
    import opendp.prelude as dp

    dp.enable_features("contrib")  # OpenDP's measurement constructors live behind this flag
    return dp


def discrete_laplace_std(scale: float) -> float:
    """Standard deviation of the discrete Laplace distribution with ``scale`` (about sqrt(2) * scale)."""
    q = math.exp(-1.0 / scale)
    return math.sqrt(2.0 * q) / (1.0 - q)


def _measurement(dp: Any, statistic: str, bound: int, epsilon: float) -> tuple[Any, NoiseInfo]:
    """An OpenDP measurement: member values (one int each) -> one noisy integer, epsilon-DP per member."""
    space = (dp.vector_domain(dp.atom_domain(T=int)), dp.symmetric_distance())
    if statistic == "count":
        query = dp.t.make_count(*space)
    else:
        query = dp.t.make_clamp(*space, bounds=(0, bound)) >> dp.t.then_sum()
    sensitivity = float(query.map(1))
    scale = sensitivity / epsilon
    meas = query >> dp.m.then_laplace(scale=scale)
    if meas.map(1) > epsilon * (1 + 1e-9):
        raise DataValidationError(f"OpenDP could not certify epsilon {epsilon:g} for {statistic}", column="epsilon")
    info = NoiseInfo(statistic, epsilon, float(sensitivity), scale, discrete_laplace_std(scale),
                     max(0.0, float(dp.discrete_laplacian_scale_to_accuracy(float(scale), ALPHA))))
    return meas, info


def private_aggregates(frame: pd.DataFrame, by: str, epsilon: float, *, labels: Sequence[str],
                       statistics: Sequence[str] = STATISTICS, orders_bound: int = 25,
                       spend_bound: float = 2000.0) -> PrivateReport:
    """Noisy per-group figures for ``frame`` (one row per member: ``by``, ``orders``, ``spend``).

    Pure: no workspace and no budget (callers spend it: :func:`private_report`). ``labels`` is the public
    group list; rows with other values go to :data:`OTHER`."""
    eps = check_epsilon(epsilon)
    stats = tuple(dict.fromkeys(statistics))
    if not stats or any(s not in STATISTICS for s in stats):
        raise DataValidationError(f"statistics must be some of {', '.join(STATISTICS)}, got {list(statistics)}",
                                  column="statistics")
    bounds = {"count": 1, "orders": int(orders_bound), "spend": int(math.ceil(spend_bound))}
    if min(bounds.values()) < 1:
        raise DataValidationError("clamp bounds must be at least 1", column="bounds")
    dp = _dp()
    built = {s: _measurement(dp, s, bounds[s], eps / len(stats)) for s in stats}
    groups = list(dict.fromkeys([*labels, OTHER]))
    known = set(labels)
    keys = frame[by].astype("object").where(frame[by].isin(known), OTHER) if len(frame) else frame[by]
    values = {
        "count": [0] * len(frame),
        "orders": pd.to_numeric(frame.get("orders"), errors="coerce").fillna(0).round().astype(int).tolist()
        if "orders" in stats else [],
        "spend": pd.to_numeric(frame.get("spend"), errors="coerce").fillna(0).round().astype(int).tolist()
        if "spend" in stats else [],
    }
    positions: dict[str, list[int]] = {g: [] for g in groups}
    for i, key in enumerate(keys.tolist()):
        positions[key].append(i)
    rows = []
    count_noise = built["count"][1].error95 if "count" in built else None
    for group in groups:
        released: dict[str, int | None] = {s: None for s in STATISTICS}
        for stat, (meas, _) in built.items():
            released[stat] = int(meas([values[stat][i] for i in positions[group]]))
        count = released["count"]
        below = count is not None and count_noise is not None and count <= count_noise
        rows.append(PrivateRow(group, count, released["orders"], released["spend"], below))
    return PrivateReport(by, eps, stats, tuple(rows), tuple(info for _, info in built.values()))


def report_frame(ws: Any, by: str) -> pd.DataFrame:
    """One row per member: the grouping value and their order count and net spend (from the orders table)."""
    group_labels(by)
    member_cols = {"age_band", "country", "city", "channel"}
    with ws.analytics(read_only=True) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if by in member_cols:
            source, join = f"m.{by}", ""
        elif "member_predictions" in tables:
            source, join = f"p.{by}", "LEFT JOIN member_predictions p USING (member_id)"
        else:
            raise DataValidationError(f"grouping by {by} needs the built models: run `memberinsight build` first",
                                      column="by")
        sql = (f"SELECT m.member_id, {source} AS {by}, COALESCE(o.orders, 0) AS orders, COALESCE(o.spend, 0) AS spend "
               f"FROM members m {join} LEFT JOIN (SELECT member_id, COUNT(DISTINCT order_id) FILTER "
               "(WHERE NOT COALESCE(is_return, FALSE)) AS orders, SUM(quantity * unit_price) AS spend FROM orders "
               "GROUP BY member_id) o USING (member_id)")
        return con.execute(sql).df()


def private_report(ws: Any, *, by: str, epsilon: float, actor: str, statistics: Sequence[str] = STATISTICS,
                   purpose: str = "", settings: Any = None) -> PrivateReport:
    """Release a differentially private report of ``ws`` by ``by``, spending ``epsilon`` from the budget.

    Refused (:class:`~governance.privacy_budget.BudgetExceededError`) before any figure is computed when
    the budget cannot cover it; the spend and its audit row are written before the figures are returned."""
    if settings is None:
        from memberinsight.config import load_settings

        settings = load_settings(workspace=ws.path)
    eps = check_epsilon(epsilon)
    labels = group_labels(by)
    query = {"by": by, "statistics": list(dict.fromkeys(statistics)),
             "orders_bound": int(settings.privacy_orders_bound), "spend_bound": float(settings.privacy_spend_bound),
             "library": "opendp"}
    check_budget(ws, eps, settings, actor=actor, query=query)
    report = private_aggregates(report_frame(ws, by), by, eps, labels=labels, statistics=statistics,
                                orders_bound=int(settings.privacy_orders_bound),
                                spend_bound=float(settings.privacy_spend_bound))
    detail = {"purpose": " ".join(purpose.split())[:500] or None,
              "noise": [{"statistic": n.statistic, "epsilon": n.epsilon, "scale": n.scale} for n in report.noise]}
    release = spend(ws, eps, actor=actor, kind="report", query=query, audit_detail=detail, settings=settings)
    left = budget_status(ws, settings).left
    return PrivateReport(report.by, report.epsilon, report.statistics, report.rows, report.noise,
                         release.release_id, left)
