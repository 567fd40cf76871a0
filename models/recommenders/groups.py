"""Member groups used for cold start: saved segments, RFM segment, cluster and member attributes.

Segment and cluster come from ``member_predictions`` (written by the analytics build step) when it
exists; saved segments (``segments`` package) are resolved to their current members, one list of
names per member. For an evaluation cut-off (``as_of``) the RFM segment is recomputed from the orders
before it with :mod:`models.features` / :mod:`models.segments`, so no later information leaks in;
cluster and saved segments are left out then (a refit / today's features would leak the future).
Attributes (age band, channel, city, country) come from ``members``.
See :mod:`.popularity` for the order in which the groups are tried.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

GROUP_COLUMNS: tuple[str, ...] = ("saved_segment", "rfm_segment", "cluster", "age_band", "channel", "city",
                                  "country")
PREDICTIONS_TABLE = "member_predictions"
NO_GROUP_VALUES = frozenset({"", "-1", "nan", "None", "<NA>"})
"""Values that name no group: missing values and cluster ``-1`` ("not clustered")."""


def _table_columns(con: Any, table: str) -> list[str]:
    rows = con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()
    return [r[0] for r in rows]


def load_member_groups(ws: Any, as_of: datetime | None = None) -> pd.DataFrame:
    """``member_id`` plus the :data:`GROUP_COLUMNS` that are known (text; missing values as ``None``)."""
    with ws.analytics(read_only=True) as con:
        cols = _table_columns(con, "members")
        wanted = [c for c in ("age_band", "channel", "city", "country") if c in cols]
        groups = con.execute(f"SELECT member_id, {', '.join(wanted)} FROM members").df() if wanted else \
            con.execute("SELECT member_id FROM members").df()
        if as_of is None:
            pred_cols = _table_columns(con, PREDICTIONS_TABLE)
            picked = [c for c in ("rfm_segment", "cluster") if c in pred_cols]
            if picked:
                preds = con.execute(f"SELECT member_id, {', '.join(picked)} FROM {PREDICTIONS_TABLE}").df()
                groups = groups.merge(preds, on="member_id", how="left")
        else:
            segments = _rfm_as_of(con, as_of)
            if segments is not None:
                groups = groups.merge(segments, on="member_id", how="left")
    for c in groups.columns:
        if c != "member_id":
            groups[c] = groups[c].astype("string").where(groups[c].notna(), None).astype(object)
    groups["member_id"] = groups["member_id"].astype(str)
    if as_of is None:
        saved = saved_segment_lists(ws)
        if saved:
            groups["saved_segment"] = groups["member_id"].map(saved).astype(object)
    return groups


def saved_segment_lists(ws: Any) -> dict[str, tuple[str, ...]]:
    """Member id -> names of the saved segments holding that member (empty when there are none, or when
    the segments cannot be resolved yet, e.g. before the features are built)."""
    from memberinsight.errors import MemberInsightError
    from memberinsight.segments import list_segments, resolve_segment_members

    try:
        names = [s.name for s in list_segments(ws, refresh=False)]
    except MemberInsightError:
        return {}
    found: dict[str, list[str]] = {}
    for name in names:
        try:
            members = resolve_segment_members(ws, name)
        except MemberInsightError:
            continue
        for m in members:
            found.setdefault(str(m), []).append(name)
    return {m: tuple(sorted(v)) for m, v in found.items()}


def _rfm_as_of(con: Any, as_of: datetime) -> pd.DataFrame | None:
    """RFM segments from orders before ``as_of`` (``None`` when there are no orders before it)."""
    from datetime import timedelta

    from memberinsight.models.features import compute_features
    from memberinsight.models.segments import rfm_table

    day = pd.Timestamp(as_of).date() - timedelta(days=1)  # features count lines before day + 1 <= as_of
    first = con.execute("SELECT min(ordered_at) FROM clean_orders").fetchone()[0]
    if first is None or pd.Timestamp(first).date() > day:
        return None
    feats = compute_features(con, day)
    if feats.empty:
        return None
    return rfm_table(feats)[["member_id", "rfm_segment"]]


def usable(value: Any) -> bool:
    """True for a real group value (not missing, not cluster -1)."""
    return value is not None and not (isinstance(value, float) and value != value) and str(value) not in NO_GROUP_VALUES


def member_segments(ws: Any) -> pd.DataFrame:
    """``member_id, rfm_segment`` now: from ``member_predictions`` when built, else computed from orders."""
    groups = load_member_groups(ws)
    if "rfm_segment" in groups.columns and groups["rfm_segment"].notna().any():
        return groups[["member_id", "rfm_segment"]]
    with ws.analytics(read_only=True) as con:
        last = con.execute("SELECT max(ordered_at) FROM clean_orders").fetchone()[0]
        seg = _rfm_as_of(con, pd.Timestamp(last) + pd.Timedelta(days=1)) if last is not None else None
    if seg is None:
        return pd.DataFrame({"member_id": pd.Series(dtype=str), "rfm_segment": pd.Series(dtype=str)})
    seg["member_id"] = seg["member_id"].astype(str)
    return seg


def segment_member_ids(ws: Any, segment: str) -> tuple[str, list[str]]:
    """(Segment name as the data spells it, member ids) of a named RFM segment (case-insensitive);
    NotFoundError lists the known segments."""
    from memberinsight.errors import NotFoundError

    seg = member_segments(ws)
    wanted = seg[seg["rfm_segment"].astype(str).str.lower() == segment.strip().lower()]
    if wanted.empty:
        known = sorted(seg["rfm_segment"].dropna().astype(str).unique())
        raise NotFoundError(f"no members in segment {segment!r} (segments: {', '.join(known) or 'none'})")
    return str(wanted["rfm_segment"].iloc[0]), sorted(wanted["member_id"].astype(str))


def audience_members(ws: Any, segment: str) -> tuple[str, list[str]]:
    """(Name, member ids) of a *saved* segment (``segments`` package) or, failing that, an RFM segment
    - usable wherever a named segment is. NotFoundError lists both kinds of names."""
    from memberinsight.errors import NotFoundError
    from memberinsight.segments import get_segment, list_segments, resolve_segment_members

    try:
        saved = get_segment(ws, segment)
    except NotFoundError:
        saved = None
    if saved is not None:
        return saved.name, sorted(str(m) for m in resolve_segment_members(ws, saved.name))
    try:
        return segment_member_ids(ws, segment)
    except NotFoundError as exc:
        names = [s.name for s in list_segments(ws, refresh=False)]
        raise NotFoundError(f"{exc}; saved segments: {', '.join(names) or 'none'}") from None
