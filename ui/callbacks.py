"""The app's callbacks as plain functions: Services in, display values out (testable without a browser).

Each function takes the :class:`~agent.services.Services` facade, the logged-in username where an
action is attributed, and the widget values; it returns plain values (Markdown, DataFrames,
matplotlib figures, chat message lists). Expected failures (:class:`MemberInsightError`) become
a message for the operator here, at the edge; nothing else is caught.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from memberinsight.agent.conversation import Conversation
from memberinsight.agent.streaming import Finished, stream_work
from memberinsight.agent.tools._common import fmt_value, markdown_table
from memberinsight.agent.tools.analytics import profile_markdown
from memberinsight.agent.tools.campaigns import check_table, copy_markdown, draft_markdown
from memberinsight.agent.types import ChartSpec
from memberinsight.errors import ConflictError, MemberInsightError
from memberinsight.figures import missing, moment, share
from memberinsight.ui import predictions_view as pv
from memberinsight.ui.charts import figure
from memberinsight.ui.tables import for_people

Message = dict[str, Any]
EMPTY = pd.DataFrame()
UPLOAD_NEEDS_ADMIN = "Uploading data needs an admin account."


def escape_markdown(text: str) -> str:
    """``text`` with Markdown and HTML syntax escaped, so untrusted text renders literally."""
    return re.sub(r"([\\`*_{}\[\]()#+!|<>~-])", r"\\\1", text)


def problem(exc: MemberInsightError) -> str:
    """An expected failure as a short Markdown message."""
    return f"⚠️ {exc}"


def changed_since_opened(title: str, last: tuple[str, str, str] | None, state: str, version: int, seen: int,
                         then: str) -> str:
    """Why a versioned write was refused: ``title`` was changed after the operator opened version ``seen``, by
    ``last`` (actor, what they did, when in words; ``None``: someone else); its state and version now, and ``then``
    (what the operator can do next)."""
    who = f"**{escape_markdown(last[0])}** ({last[1]}, {last[2]})" if last else "someone else"
    return (f"⚠️ {title} was changed by {who} after you opened it: it is now **{state}** "
            f"(version {version}; you saw version {seen}). Nothing was changed. {then}")


# ----- account ------------------------------------------------------------------------
def account_header(services: Any, user: str) -> tuple[str, bool]:
    """(the header line: who is signed in, with the role; whether the account may upload data)."""
    account = services.account(user)
    if account is None or account.disabled:
        return f"Signed in as **{escape_markdown(user)}** (no active account)", False
    return f"Signed in as **{escape_markdown(account.username)}** · {account.role}", account.may("admin")


# ----- chat ---------------------------------------------------------------------------
def chat_respond(services: Any, user: str, message: str, history: list[Message] | None,
                 conversation: Conversation | None
                 ) -> Iterator[tuple[list[Message], Conversation, Any, Any]]:
    """Answer ``message``, yielding (history, conversation, table, chart) as the answer streams in; the final
    table is a :func:`ui.tables.for_people` styler (headers in words, figures formatted over the tool's raw
    numbers, in ``.data``).

    An answer from a tool is two messages: a collapsed note naming the tool and its arguments
    (pending while the tool runs), then the answer itself.
    """
    conversation = conversation if conversation is not None else services.new_conversation(user)
    history = [*(history or []), {"role": "user", "content": message}]
    if not message.strip():
        yield history[:-1], conversation, EMPTY, None
        return
    yield [*history, {"role": "assistant", "content": "…"}], conversation, EMPTY, None
    final = None
    try:
        for partial in services.chat_stream(conversation, message):
            final = partial
            yield [*history, *_assistant(partial)], conversation, EMPTY, None
    except MemberInsightError as exc:
        yield [*history, {"role": "assistant", "content": problem(exc)}], conversation, EMPTY, None
        return
    if final is not None:
        table = for_people(final.table) if final.table is not None else EMPTY
        yield [*history, *_assistant(final, done=True)], conversation, table, figure(final.chart)


def has_rows(table: Any) -> bool:
    """Whether a table (or a :func:`ui.tables.for_people` styler) has rows to show: the chat hides one without,
    since an empty table reads as bare headers."""
    data = getattr(table, "data", table)
    return isinstance(data, pd.DataFrame) and not data.empty


def _assistant(reply: Any, done: bool = False) -> list[Message]:
    if not reply.tool:
        return [{"role": "assistant", "content": reply.text}]
    args = ", ".join(f"{k}={v!r}" for k, v in reply.arguments.items())
    note: Message = {"role": "assistant", "content": f"Routed to this tool (confidence {reply.confidence:.2f}).",
                     "metadata": {"title": f"Tool: {reply.tool}({args})",
                                  "status": "done" if done or reply.text else "pending"}}
    return [note, {"role": "assistant", "content": reply.text}] if reply.text else [note]


def chat_reset(services: Any, user: str) -> tuple[list[Message], Conversation, pd.DataFrame, Any]:
    """A fresh conversation (forgets the subject)."""
    return [], services.new_conversation(user), EMPTY, None


# ----- segments -----------------------------------------------------------------------
def read_back_segment(services: Any, sentence: str) -> str:
    """A plain-words segment read back before it is saved or used: what it selects, how words were read,
    member counts per condition and in all, and the questions to answer (or why it is refused)."""
    from memberinsight.segments import load_vocabulary, parse_sentence

    if not (sentence or "").strip():
        return "Describe the members you want, e.g. *customers in Leeds who spent over 200 this year*."
    try:
        result = parse_sentence(sentence, load_vocabulary(services.ws), workspace=services.ws)
    except MemberInsightError as exc:
        return problem(exc)
    if result.refusal is not None:
        return f"**Not a segment.** {escape_markdown(result.refusal)}"
    head = {"understood": "**Understood**", "ask": "**Please check before using it**"}[result.status]
    lines = [f"{head} (confidence {result.confidence:.0%})", "", escape_markdown(result.description or
                                                                                "No condition understood.")]
    lines += [f"- read: {escape_markdown(r)}" for r in result.readings]
    if result.not_understood:
        lines.append("- not understood (left out): " + ", ".join(escape_markdown(w) for w in result.not_understood))
    counts = result.counts
    if counts is not None and counts.unavailable:
        lines.append(f"- members: unavailable ({escape_markdown(counts.unavailable)})")
    elif counts is not None:
        lines.append(f"- **{counts.total:,} members**" + ("" if len(counts.conditions) < 2 else ": " + "; ".join(
            f"{escape_markdown(c.words)} ({c.members:,})" for c in counts.conditions if c.members is not None)))
        if counts.empty_reason:
            lines.append(f"- {escape_markdown(counts.empty_reason)}")
    for q in result.questions:
        others = [o.label for o in q.options[1:]]
        lines.append(f"- **?** {escape_markdown(q.text)}" + (f" Other readings: {escape_markdown('; '.join(others))}"
                                                             if others else ""))
    return "\n".join(lines)


def load_segments(services: Any) -> tuple[str, Any, Any, pd.DataFrame, Any, Any]:
    """(message, segment table, revenue chart, RFM grid, clusters, cluster chart); the two tables are
    :func:`ui.tables.for_people` stylers (formatted figures over the raw numbers, in ``.data``)."""
    try:
        summary = services.segment_summary()
    except MemberInsightError as exc:
        return "\n\n".join([problem(exc), *pv.notices(services, pv.SEGMENT_CAPABILITIES)]), EMPTY, None, EMPTY, EMPTY, None
    summary = pv.with_segment_outlook(services, summary)  # expected totals with 80% intervals
    notes: list[str] = pv.notices(services, pv.SEGMENT_CAPABILITIES)  # what this shop's build could not make
    grid = clusters = EMPTY
    try:
        grid = services.rfm_grid()
    except MemberInsightError as exc:
        notes.append(problem(exc))
    try:
        clusters = pv.with_segment_outlook(services, services.clusters(), "cluster")
    except MemberInsightError as exc:
        notes.append(problem(exc))
    y = next((c for c in ("revenue", "monetary", "members", "size") if c in summary.columns), None)
    chart = figure(ChartSpec("bar", summary, "segment", y, f"{y.title()} by segment")) \
        if y and "segment" in summary.columns else None
    size = next((c for c in ("members", "size") if c in summary.columns), None)
    head = f"**{len(summary)} segments**" + (f", {int(summary[size].sum()):,} members" if size else "")
    cluster_chart = figure(ChartSpec("bar", clusters, "segment", "members", "Members per behaviour cluster")) \
        if {"segment", "members"} <= set(clusters.columns) and len(clusters) else None
    return ("\n\n".join([head, *notes]), for_people(summary), chart, grid,  # figures for people (ui/tables.py)
            for_people(clusters) if len(clusters) else clusters, cluster_chart)


# ----- member -------------------------------------------------------------------------
def lookup_member(services: Any, member_id: str) -> tuple[str, Any]:
    """A member's profile (no personal data) and the recommended campaign as Markdown, and the recent orders
    (a :func:`ui.tables.for_people` styler: £, dates in words; the numbers in ``.data``)."""
    try:
        profile = services.member_profile(member_id)
    except MemberInsightError as exc:
        return problem(exc), EMPTY
    try:  # the checked campaign suggestion for this member (situation, play, timing, test, what to avoid)
        suggestion, unsuggested = services.suggest_campaign(member_id=profile.member_id), ""
    except MemberInsightError as exc:
        suggestion, unsuggested = None, problem(exc)
    # one recommendation on the page: the profile's "suggested" line names the campaign's play
    text, orders = profile_markdown(profile, suggestion)
    text += ("\n\n### Recommended campaign\n\n" + suggestion.markdown()) if suggestion is not None else \
        "\n\n" + unsuggested
    return text, for_people(orders)


# ----- campaigns ----------------------------------------------------------------------
def segment_choices(services: Any) -> list[str]:
    return services.segment_names()


def generate_copy(services: Any, user: str, segment: str, offer: str, channel: str,
                  variants: int = 2) -> Iterator[tuple[str, Any]]:
    """Yields (Markdown, check table): each draft as the model writes it (marked unchecked), then
    every variant with its check verdict and the table of check results per piece (:func:`check_report`)."""
    def work(report: Any) -> Any:
        return services.generate_copy(user, segment, channel, offer or "", int(variants),
                                      on_draft=lambda label, text: report(draft_markdown(label, text)))

    try:
        for item in stream_work(work, name="campaign-copy"):
            if isinstance(item, Finished):
                yield copy_markdown(item.value), check_report(check_table(item.value))
            else:
                yield item, EMPTY
    except MemberInsightError as exc:
        yield problem(exc), EMPTY


def check_report(table: pd.DataFrame) -> Any:
    """The check table for reading: ✅ passed / ❌ failed, and the list of checks written once (later pieces
    checked the same way read "same as above"); a :func:`ui.tables.for_people` styler over those values."""
    if table.empty:
        return table
    out = table.copy()
    out["passed"] = ["✅ passed" if ok else "❌ failed" for ok in table["passed"]]
    checks = [str(c) for c in table["checks"]]
    out["checks"] = [c if i == 0 or c != checks[i - 1] else "same as above" for i, c in enumerate(checks)]
    return for_people(out.rename(columns={"passed": "result", "length": "characters"}))


def export_audience(services: Any, user: str, segment: str, channel: str, reason: str) -> tuple[str, str | None]:
    """(message, path of the written CSV for download); an export without a ``reason`` is refused, and so is
    any direct export unless ``[campaigns] direct_export`` is on and ``user`` is an admin (the message then
    points to the Approvals tab; the refusal is audited)."""
    if not (reason or "").strip():
        return "⚠️ Give a reason for this export (it is recorded in the audit log).", None
    try:
        report = services.export_audience(user, segment, channel, reason)
    except MemberInsightError as exc:
        return problem(exc), None
    label = "a custom definition" if (segment or "").lstrip().startswith("{") else escape_markdown(segment[:80])
    return (f"Exported **{report.written:,}** of {report.requested:,} members of {label} for {channel} "
            f"to `{report.path.name}` (sha256 `{report.sha256[:12]}…`).\n\n{report.summary}"), str(report.path)


# ----- review queue ---------------------------------------------------------------------
def load_queue(services: Any, status: str, min_risk: float) -> tuple[str, Any, list[str]]:
    """(counts line, queue table, review ids for the picker): every review with ``status`` (``all``: any) and at
    least ``min_risk``, riskiest first, so the picker reaches each one; the line says how many there are ("**80
    pending**", "**12 of 80 pending** with risk ≥ 50%") and the other statuses' counts. The table is a
    :func:`ui.tables.for_people` styler (risk as a percentage, as on the review's page; the numbers in ``.data``)."""
    try:
        counts = services.queue_counts()
        table = services.queue(None if status == "all" else status, float(min_risk or 0))
    except MemberInsightError as exc:
        return problem(exc), EMPTY, []
    return queue_line(counts, status, float(min_risk or 0), len(table)), for_people(table), \
        table["review_id"].astype(str).tolist() if not table.empty else []


def queue_line(counts: dict[str, int], status: str, min_risk: float, listed: int) -> str:
    """How many reviews the picker lists, out of how many with ``status``, then the other statuses' counts."""
    total = sum(counts.values()) if status == "all" else counts.get(status, listed)
    what = "in the queue" if status == "all" else status
    head = (f"**{listed:,} of {total:,} {what}** with risk ≥ {share(min_risk)}" if min_risk and listed < total
            else f"**{total:,} {what}**")
    others = [f"{k} {v:,}" for k, v in counts.items() if k != status]
    return " · ".join([head, *others])


def show_review(services: Any, review_id: str | None) -> tuple[str, int | None]:
    """(evidence Markdown, version the operator is looking at)."""
    if not review_id:
        return "Pick a review from the queue.", None
    try:
        item = services.queue_item(review_id)
    except MemberInsightError as exc:
        return problem(exc), None
    lines = [f"### Review {item.review_id}",
             f"Status **{item.status}** · risk **{share(item.risk)}** · version {item.version}"
             + (f" · decided by **{item.decided_by}**" if item.decided_by else "")
             + (f" · note: {item.note}" if item.note else "")]
    try:
        evidence = services.review_evidence(review_id)
    except MemberInsightError:
        evidence = {}
    if evidence.get("text"):  # untrusted: shown as inert text, never as markup
        lines.append("> " + escape_markdown(str(evidence["text"])).replace("\n", "\n> "))
    facts = {k: v for k, v in evidence.items() if k != "text" and not isinstance(v, list | dict)}
    if facts:
        lines.append(" · ".join(f"{k.replace('_', ' ')}: {fmt_value(v)}" for k, v in facts.items()))
    if item.reasons:
        lines.append("**Why flagged**\n\n" + "\n".join(
            f"- {r.get('text') or r.get('reason') or r}" if isinstance(r, dict) else f"- {r}" for r in item.reasons))
    if item.signals:
        from memberinsight.screening import SIGNAL_LABELS

        signals = pd.DataFrame([{"signal": SIGNAL_LABELS.get(k, k.replace("_", " ")), "value": signal_value(k, v)}
                                for k, v in item.signals.items() if not isinstance(v, list | dict)])
        lines.append("<details><summary>All signals</summary>\n\n" + markdown_table(signals, 40) + "\n</details>")
    return "\n\n".join(lines), item.version


SHARE_SIGNALS = frozenset({"text_prob", "outlier", "reviewer_extreme_share"})
"""Screening signals that are 0-1 fractions, read as percentages."""


def signal_value(name: str, value: Any) -> str:
    """A screening signal's value for people: percentages for fractions, yes/no for ``verified``."""
    if name == "verified" and isinstance(value, int | float) and not missing(value):
        return "yes" if value >= 0.5 else "no"
    if name in SHARE_SIGNALS and isinstance(value, int | float):
        return share(value)
    return fmt_value(value)


def decide_review(services: Any, user: str, review_id: str | None, version: int | None, action: str,
                  note: str) -> tuple[str, int | None]:
    """(result message, the item's new version). A stale version is refused with the current state."""
    if not review_id or version is None:
        return "Pick a review first.", version
    try:
        item = services.decide(user, review_id, action, int(version), note or "")
    except ConflictError as exc:
        return problem(exc), version
    except MemberInsightError as exc:
        return problem(exc), version
    return f"✅ Review {item.review_id} is now **{item.status}** (by {item.decided_by}).", item.version


# ----- data ---------------------------------------------------------------------------
def data_overview(services: Any) -> tuple[str, Any, Any]:
    """(status Markdown, rows per table, recent ingests with rejects); both tables are :func:`ui.tables.for_people`
    stylers (thousands separators, headers in words; the numbers in ``.data``)."""
    try:
        status = services.workspace_status()
    except MemberInsightError as exc:
        return problem(exc), EMPTY, EMPTY
    tables = pd.DataFrame([{"table": k, "rows": v} for k, v in status.tables.items()])
    q = status.quality
    span = (f"Orders from **{status.orders_from:%Y-%m-%d}** to **{status.orders_to:%Y-%m-%d}**."
            if status.orders_from and status.orders_to else "No orders loaded yet.")
    quality = (f"**Data quality** (last {q.batches} ingests): {q.rows_rejected:,} rejected rows"
               + (" (" + ", ".join(f"{k}: {v:,}" for k, v in q.rejects_by_reason.items()) + ")"
                  if q.rejects_by_reason else "")
               + f"; kept and flagged: {q.guest_lines:,} guest lines, {q.return_lines:,} returns "
                 f"({q.returns_share:.1%}), {q.zero_price_lines:,} zero-price, {q.non_product_lines:,} non-product.")
    ingests = pd.DataFrame([{"loaded at": moment(e.loaded_at), "file": Path(e.source_file).name, "kind": e.kind,
                             "rows read": e.rows_read, "loaded": e.rows_loaded, "unchanged": e.rows_unchanged,
                             "rejected": e.rows_rejected,
                             "reasons": ", ".join(f"{k.replace('_', ' ')}: {v:,}" for k, v in e.rejects_by_reason.items())}
                            for e in status.last_ingests])
    models = pv.models_markdown(services)  # what ships for each prediction, what is unavailable and why
    return f"Workspace `{status.path}`. {span}\n\n{quality}\n\n{models}", for_people(tables), for_people(ingests)


def upload_file(services: Any, user: str, path: str | None, kind: str) -> str:
    """Validate and ingest an uploaded CSV; a Markdown report (or the validation problem)."""
    if not path:
        return "Choose a CSV file first."
    try:
        report = services.upload(user, path, None if kind == "auto" else kind)
    except MemberInsightError as exc:
        return problem(exc)
    lines = [f"✅ **{Path(report.file).name}** → `{report.kind}` ({report.format}): read {report.rows_read:,}, "
             f"loaded {report.rows_loaded:,}, unchanged {report.rows_unchanged:,}, "
             f"rejected {report.rows_rejected:,}."]
    if report.rejects_by_reason:
        lines.append("Rejected by reason: " + ", ".join(f"{k}: {v:,}" for k, v in report.rejects_by_reason.items()))
    if report.sample_rejects:
        lines.append("Examples:\n" + "\n".join(f"- {s}" for s in report.sample_rejects[:5]))
    if report.warnings:
        lines.append("Warnings:\n" + "\n".join(f"- {w}" for w in report.warnings))
    lines.append("Run `memberinsight build` to refresh models with the new data.")
    return "\n\n".join(lines)
