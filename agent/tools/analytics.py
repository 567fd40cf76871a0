"""Member analytics tools: segments, comparisons, member profiles, churn risks, demand forecasts."""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

import pandas as pd

from memberinsight.agent.tools._common import as_frame, backend, fmt_value, markdown_table, money
from memberinsight.agent.tools.predictions import (
    capability_note,
    outlook_lines,
    outlook_table,
    profile_forecast_lines,
    value_words,
)
from memberinsight.agent.types import ChartSpec, ToolContext, ToolResult, member_list_label
from memberinsight.errors import MemberInsightError, NotFoundError
from memberinsight.figures import by_name, day, label, ratio, share

SEGMENT_COLUMNS = ("segment", "members", "member_share", "revenue", "revenue_share", "median_recency_days",
                   "median_frequency", "median_avg_order_value", "mean_churn_probability",
                   "mean_predicted_clv_365d")


def segment_table(stats: list[Any]) -> pd.DataFrame:
    """Segment statistics as a table with the columns an operator reads first."""
    table = as_frame(stats)
    return table[[c for c in SEGMENT_COLUMNS if c in table.columns]] if not table.empty else table


def segment_overview(ctx: ToolContext, segment: str | None = None,
                     by: Literal["rfm", "cluster"] = "rfm") -> ToolResult:
    """Show member segments: how many members each has, their revenue and value; or one segment's profile.

    Args:
        segment: one segment to describe (e.g. Champions); empty for every segment.
        by: rfm for the named RFM segments, cluster for the behaviour clusters.

    Examples:
        give me an overview of all segments
        how many members are in each RFM segment
        what share of revenue does each segment bring
        list the segments with their sizes
        segment breakdown
        how are our customers segmented
        which segment is the biggest
        show revenue by segment as a chart
        how many Champions are there
        tell me about Hibernating
        describe the Lost segment
        what is typical for Loyal members
        profile of the Promising group
        what are our customer clusters
        how many customers do we have per segment
        segments overview please
        give me a summary of our customer base
    """
    summary = backend("memberinsight.models", "segment_summary", "The segment summary")
    if segment and by == "cluster" and segment.strip().isdigit():
        segment = f"cluster {segment.strip()}"  # "describe cluster 4": segment="4", by="cluster"
    if segment:
        saved = _saved_segment(ctx, segment)
        if saved is not None:
            return saved
        if (missing := capability_note(ctx.ws, "segments")) is not None:
            return ToolResult(missing + ".", ok=False)
        kind, exact = backend("memberinsight.models", "resolve_segment", "Segments")(ctx.ws, segment)
        stats = next(s for s in summary(ctx.ws, by=kind) if s.segment == exact)
        churn, clv = capability_note(ctx.ws, "churn"), capability_note(ctx.ws, "clv")
        facts = [f"- **members**: {stats.members:,} ({stats.member_share:.1%} of members)",
                 f"- **revenue**: {money(stats.revenue)} ({stats.revenue_share:.1%} of revenue)",
                 f"- **median orders**: {fmt_value(stats.median_frequency)}, last order "
                 f"{fmt_value(stats.median_recency_days)} days ago (median)",
                 f"- **median order value**: {money(stats.median_avg_order_value)}",
                 f"- {churn}" if churn else f"- **churn risk** (mean): {share(stats.mean_churn_probability)}",
                 f"- {clv}" if clv else f"- **predicted 12-month value** (mean per member): "
                                        f"{money(stats.mean_predicted_clv_365d)}"]
        outlook = next((o for o in backend("memberinsight.models", "segment_outlooks", "Segment forecasts")(ctx.ws, by=kind)
                        if o.group == exact), None)
        if outlook is not None:
            facts += outlook_lines(outlook)
        about = f"\n\n{stats.description} *Suggested:* {stats.suggested_action}" if stats.description else ""
        table = segment_table([stats])
        if outlook is not None:
            table = table.merge(outlook_table([outlook]), on="segment", how="left")
        return ToolResult(f"**{exact}**{about}\n\n" + "\n".join(facts), table=table, subject={"segment": exact})
    if (missing := capability_note(ctx.ws, "segments")) is not None:
        return ToolResult(missing + ".", ok=False)
    table = segment_table(summary(ctx.ws, by=by))
    if table.empty:
        return ToolResult("No segments yet — run `memberinsight build`.", table=table, ok=False)
    top = table.sort_values("revenue", ascending=False).iloc[0]
    kind = "clusters" if by == "cluster" else "segments"
    text = (f"**{len(table)} {kind}** covering {int(table['members'].sum()):,} members. "
            f"**{top['segment']}** brings the most revenue ({money(top['revenue'])}, {top['revenue_share']:.0%}).")
    chart = ChartSpec("bar", table, "segment", "revenue", f"Revenue by {kind[:-1]}")
    outlooks = outlook_table(backend("memberinsight.models", "segment_outlooks", "Segment forecasts")(ctx.ws, by=by))
    ahead = ("\n\nExpected totals per segment, with 80% intervals:\n\n" + markdown_table(outlooks, 20)
             if not outlooks.empty else "")
    notes = "".join(f"\n\n{n}." for n in (capability_note(ctx.ws, "churn"), capability_note(ctx.ws, "clv")) if n)
    full = table.merge(outlooks, on="segment", how="left") if not outlooks.empty else table
    return ToolResult(text + "\n\n" + markdown_table(table) + ahead + notes, table=full, chart=chart)


def _saved_segment(ctx: ToolContext, name: str) -> ToolResult | None:
    """An operator's saved segment (definition in words, size and its history), or None if ``name``
    is not one."""
    try:
        saved = backend("memberinsight.segments", "get_segment", "Saved segments")(ctx.ws, name)
    except NotFoundError:
        return None
    history = pd.DataFrame([dataclasses.asdict(p) for p in saved.sizes])
    size = f"{saved.size:,} members" if saved.size is not None else "size not computed yet"
    text = (f"**{saved.name}** (saved segment by {saved.owner}, updated {saved.updated_at[:10]}): {size}.\n\n"
            f"Definition: {saved.description}")
    try:
        ids = backend("memberinsight.segments", "resolve_segment_members", "Saved segments")(ctx.ws, saved.name)
        lines = outlook_lines(backend("memberinsight.models", "group_outlook", "Segment forecasts")(ctx.ws, ids, saved.name))
    except MemberInsightError:  # predictions not built: the definition and size still answer
        lines = []
    if lines:
        text += "\n\n" + "\n".join(lines)
    if len(history) > 1:
        text += "\n\nSize history:\n\n" + markdown_table(history)
    return ToolResult(text, table=history if not history.empty else None, subject={"segment": saved.name})


def compare_segments(ctx: ToolContext, segment_a: str, segment_b: str) -> ToolResult:
    """Compare two member segments side by side: size, spend, order frequency, recency, churn risk.

    Args:
        segment_a: the first segment.
        segment_b: the second segment.

    Examples:
        compare Champions with Loyal
        Lost versus Hibernating
        how different are At Risk and Need Attention
        Champions vs New side by side
        who spends more, Loyal or Promising
        difference between Hibernating and About to Sleep
        compare the two segments Champions and Lost
        contrast New with Potential Loyalist
        are Champions more valuable than Loyal
        which buys more often, Promising or New
        how do Loyal and Champions differ
        Lost against Hibernating on revenue
    """
    cmp = backend("memberinsight.models", "compare_segments", "Segment comparison")(ctx.ws, segment_a, segment_b)
    a, b = cmp.a.segment, cmp.b.segment
    table = pd.DataFrame([{"metric": label(d.metric), a: by_name(d.metric, d.a), b: by_name(d.metric, d.b),
                           f"{a} as a multiple of {b}": ratio(d.ratio)} for d in cmp.differences])
    chart_data = pd.DataFrame([{"segment": a, "revenue": cmp.a.revenue}, {"segment": b, "revenue": cmp.b.revenue}])
    return ToolResult(f"**{a}** compared with **{b}**\n\n{cmp.summary}\n\n{markdown_table(table, 20)}",
                      table=table, chart=ChartSpec("bar", chart_data, "segment", "revenue", "Revenue"),
                      subject={"pair": (a, b)})


def member_lookup(ctx: ToolContext, member_id: str) -> ToolResult:
    """Look up one member's profile: segment, orders, spend, churn risk, predicted value (no personal data).

    Args:
        member_id: the member's id.

    Examples:
        show member 10234
        profile of customer 55501
        look up M000777
        who is member 20001
        what do we know about customer 31415
        which segment does member 27182 belong to
        how valuable is customer 16180
        when did 14142 last buy
        churn risk of member 17320
        open the profile for id 99999
        customer 12121 details
        lifetime value of member 80808
    """
    profile = backend("memberinsight.models", "member_profile", "Member profiles")(ctx.ws, member_id)
    text, orders = profile_markdown(profile)
    return ToolResult(text, table=orders, subject={"member_id": profile.member_id})


def suggested_line(p: Any, suggestion: Any = None) -> str:
    """The member's recommended action in one line. With ``suggestion`` (the checked campaign suggestion for the
    member, :func:`agent.campaigns.suggest_campaign`) its play: the one recommendation the member page shows, so the
    line and the campaign below it never disagree; without one, the profile's action (the segment's, or win them
    back first when the member's own churn risk is high)."""
    play = str(getattr(suggestion, "play_name", None) or "")
    if play:
        objective = str(getattr(suggestion, "objective", None) or "").rstrip(".")
        return play + (f": {objective[:1].lower()}{objective[1:]}" if objective else "") + \
            " (the recommended campaign below)"
    return str(p.suggested_action or "")


def profile_markdown(p: Any, suggestion: Any = None) -> tuple[str, pd.DataFrame]:
    """A member profile (``models.MemberProfile``, no personal data) as Markdown, plus its recent orders; with
    ``suggestion`` the suggested action is that campaign suggestion's play (:func:`suggested_line`)."""
    notes = getattr(p, "unavailable", {}) or {}
    churn = (f"- {notes['churn']}" if "churn" in notes and p.churn_probability is None else
             f"- **churn risk**: {share(p.churn_probability)} ({p.churn_band or 'n/a'})"
             + ("; " + "; ".join(p.churn_reasons[:3]) if p.churn_reasons else ""))
    lines = [f"**Member {p.member_id}** — {p.rfm_segment or 'no segment'}"
             + (f" (RFM {p.rfm_score})" if p.rfm_score else "")
             + (f", cluster “{p.cluster_label}”" if p.cluster_label else ""),
             f"- **orders**: {p.orders:,}, net spend {money(p.net_spend)}, average order "
             f"{money(p.avg_order_value)}",
             f"- **last order**: {fmt_value(p.recency_days)} days ago; member for {fmt_value(p.tenure_days)} days",
             churn, *profile_forecast_lines(p)]
    if "purchases" in notes and p.expected_orders_90d is None:
        lines.append(f"- {notes['purchases']}")
    if p.favourite_categories:
        lines.append("- **favourite categories**: " + ", ".join(
            f"{c.category} ({c.share:.0%})" for c in p.favourite_categories))
    if suggested := suggested_line(p, suggestion):
        lines.append(f"- **suggested**: {suggested}")
    orders = pd.DataFrame([{**dataclasses.asdict(o), "categories": ", ".join(o.categories),
                            "titles": ", ".join(o.titles)} for o in p.recent_orders])
    text = "\n".join(lines) + ("\n\nRecent orders:\n\n" + markdown_table(orders) if not orders.empty else "")
    return text, orders


def at_risk_members(ctx: ToolContext, min_clv: float = 0.0, limit: int = 20,
                    segment: str | None = None) -> ToolResult:
    """List valuable members at risk of churning, highest value at risk first.

    Args:
        min_clv: only members whose predicted 12-month value is at least this.
        limit: how many members to list.
        segment: only members of this segment.

    Examples:
        which customers are at risk of churning
        show members likely to leave us
        who is likely to stop buying
        at-risk customers with high lifetime value
        churners with CLV above 300
        top 20 members with the highest churn probability
        which high-value members have gone quiet
        list customers we are about to lose
        members who have not bought for a long time but used to spend a lot
        churn risks in the Loyal segment
        who should we try to win back
        members at risk worth over 1000
        customers that might lapse
    """
    if (missing := capability_note(ctx.ws, "churn")) is not None:
        return ToolResult(missing + ".", ok=False)
    clv = capability_note(ctx.ws, "clv")
    lead = ""
    if clv and min_clv:
        lead = f"{clv}, so members cannot be picked by predicted value; the members at risk without that floor:\n\n"
        min_clv = 0.0
    members = backend("memberinsight.segments", "resolve_segment_members", "Segments")(ctx.ws, segment) if segment else None
    rows = as_frame(backend("memberinsight.models", "at_risk_members", "Churn predictions")(
        ctx.ws, min_clv=min_clv, limit=limit, member_ids=members))
    where = f" in **{segment}**" if segment else ""
    floor = f" with predicted value ≥ {money(min_clv)}" if min_clv else ""
    if rows.empty:
        return ToolResult(f"{lead}No members at risk{where}{floor}.", table=rows)
    total = money(float(rows["value_at_risk"].sum()))
    ids = rows["member_id"].astype(str).tolist()
    ranges = backend("memberinsight.models", "member_ranges", "Member forecasts")(ctx.ws, ids)
    rows = rows.assign(value_next_12_months=[value_words(r) for r in ranges.itertuples(index=False)],
                       clv_365d_low=ranges["clv_365d_low"].to_numpy(), clv_365d_high=ranges["clv_365d_high"].to_numpy())
    shown = rows[[c for c in ("member_id", "rfm_segment", "churn_probability", "value_at_risk", "value_next_12_months",
                              "recency_days", "reasons") if c in rows.columns]]
    together = ""
    if not clv:
        value = backend("memberinsight.models", "group_outlook", "Member forecasts")(ctx.ws, ids, "at-risk members").value_365d
        together = f" Their predicted value over the next 12 months: {value.words(money=True)} together." if value else ""
    text = (f"{lead}**{len(rows)} members at risk**{where}{floor}; together {total} of yearly spend at risk "
            f"(churn probability × last year's spend).{together}" + (f" {clv}." if clv and not lead else "")
            + f"\n\n{markdown_table(shown)}")
    return ToolResult(text, table=rows, subject={"segment": member_list_label("at_risk_members"), "member_list": ids})


def forecast_span(fc: Any) -> str:
    """The days a forecast covers, in words, and what they follow: "1 October 2026 to 28 October 2026, right after
    the last day of data, 30 September 2026" ("" without points)."""
    if not fc.points:
        return ""
    end = pd.Timestamp(fc.points[-1].week_start) + pd.Timedelta(days=6)
    after = f", right after the last day of data, {day(fc.last_day)}" if getattr(fc, "last_day", None) else ""
    return f"{day(fc.points[0].week_start)} to {day(end)}{after}"


def _forecast_frame(fc: Any) -> pd.DataFrame:
    history = pd.DataFrame([{"week_start": w, "units": u, "revenue": r, "kind": "history"} for w, u, r in fc.history])
    future = pd.DataFrame([{**dataclasses.asdict(p), "kind": "forecast"} for p in fc.points])
    return pd.concat([history, future], ignore_index=True)


def category_forecast(ctx: ToolContext, category: str | None = None, weeks: int = 4) -> ToolResult:
    """Forecast weekly demand (units and revenue) for a product category, or every category.

    Args:
        category: product category (e.g. Outdoor); empty for every category.
        weeks: how many weeks ahead to forecast.

    Examples:
        forecast sales for Outdoor
        how much will Kitchen sell in the next 4 weeks
        demand prediction for Garden next month
        expected units for Toys over the coming weeks
        what will the shop sell next month
        revenue forecast for the next 8 weeks
        predict Electronics demand for next quarter
        will Beauty sales rise or fall
        weekly forecast for Pets
        how many Fashion items should we stock for 6 weeks
        future demand in Sports
        show the sales projection for Home
    """
    if (missing := capability_note(ctx.ws, "demand")) is not None:
        return ToolResult(missing + ".", ok=False)
    forecast = backend("memberinsight.models", "category_forecast", "Demand forecasts")
    plural = "s" if weeks != 1 else ""
    if category is None:
        names = backend("memberinsight.models", "forecast_categories", "Demand forecasts")(ctx.ws)
        rows, span = [], ""
        for name in names:
            fc = forecast(ctx.ws, name, weeks)
            span = span or forecast_span(fc)
            rows.append({"category": fc.category, "units": sum(p.units for p in fc.points),
                         "revenue": sum(p.revenue for p in fc.points)})
        table = pd.DataFrame(rows, columns=["category", "units", "revenue"]).sort_values("revenue", ascending=False)
        text = (f"**Forecast for the next {weeks} week{plural}, all categories**{f' ({span})' if span else ''}: "
                f"{fmt_value(table['units'].sum())} units, {money(float(table['revenue'].sum()))} revenue.\n\n"
                f"{markdown_table(table)}")
        return ToolResult(text, table=table, chart=ChartSpec("bar", table, "category", "revenue",
                                                             f"Forecast revenue, next {weeks} week{plural}"))
    fc = forecast(ctx.ws, category, weeks)
    frame = _forecast_frame(fc)
    future = frame[frame["kind"] == "forecast"]
    recent = frame[frame["kind"] == "history"].tail(weeks)
    change = ""
    if not recent.empty and recent["units"].sum() > 0:
        ratio = future["units"].sum() / recent["units"].sum() - 1
        change = f" ({ratio:+.0%} vs the last {len(recent)} weeks)"
    span = forecast_span(fc)
    text = (f"**{fc.category}, next {weeks} week{plural}**{f' ({span})' if span else ''}: "
            f"{fmt_value(future['units'].sum())} units{change}, "
            f"{money(float(future['revenue'].sum()))} revenue; {fc.interval:.0%} intervals, method {fc.method}.\n\n"
            + markdown_table(future.drop(columns="kind"), 16))
    chart = ChartSpec("line", frame.rename(columns={"units_lower": "lower", "units_upper": "upper"}),
                      "week_start", "units", f"{fc.category}: weekly units", color="kind")
    return ToolResult(text, table=future.drop(columns="kind").reset_index(drop=True), chart=chart,
                      subject={"category": fc.category})
