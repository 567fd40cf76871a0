"""A named segment's members for campaigns and exports: a saved segment or an RFM segment, by name."""

from __future__ import annotations

from typing import Any

import duckdb

from memberinsight.errors import DataValidationError, NotFoundError

PREDICTIONS_TABLE = "member_predictions"


def segment_member_ids(ws: Any, segment: str) -> list[str]:
    """Member ids (sorted) of a saved segment or an RFM segment (case-insensitive), by name.

    Resolution is :func:`segments.resolve_segment_members`: a saved segment of that name first,
    then an RFM segment; a segment that needs built data raises :class:`ModelNotReadyError`.
    """
    from memberinsight.segments.store import list_segments, resolve_segment_members

    if not segment or not segment.strip():
        raise DataValidationError("name a segment", column="segment")
    try:
        ids = resolve_segment_members(ws, segment.strip())
    except duckdb.CatalogException as exc:
        # Loose names are matched by the analytics, which need every build table; without them the
        # name is simply not one this workspace knows.
        saved = [s.name for s in list_segments(ws, refresh=False)]
        raise NotFoundError(f"no saved or RFM segment called {segment!r} (saved: {', '.join(saved) or 'none'}; "
                            f"RFM: {', '.join(_rfm_names(ws)) or 'none built'})") from exc
    if not ids:
        raise NotFoundError(f"no members in segment {segment!r}")
    return ids



def _rfm_names(ws: Any) -> list[str]:
    with ws.analytics(read_only=True) as con:
        if "rfm_segment" not in _columns(con, PREDICTIONS_TABLE):
            return []
        return [str(r[0]) for r in con.execute(
            f"SELECT DISTINCT rfm_segment FROM {PREDICTIONS_TABLE} WHERE rfm_segment IS NOT NULL ORDER BY 1").fetchall()]


def _columns(con: Any, table: str) -> list[str]:
    rows = con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()
    return [r[0] for r in rows]
