"""Saved segments in the operational SQLite database, their size history, and name resolution.

Tables (created on first use through ``ws.ensure_operational_tables``):

* ``saved_segments``: name (unique, case-insensitive), canonical definition JSON, the sentence it
  came from, owner, created/updated timestamps, version (optimistic concurrency);
* ``saved_segment_sizes``: one row per (segment, data fingerprint, definition version): the size
  history. :func:`refresh_sizes` adds a row whenever the analytics data (or the definition) changed;
  it runs as the ``segments`` build step and before listing.

:func:`resolve_segment_members` is the one entry point other packages use: it accepts a saved
segment name, an RFM segment name (exact or loose), a cluster ("cluster 2" or its label) or a
definition, and returns member ids.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from memberinsight.errors import ConflictError, DataValidationError, ModelNotReadyError, NotFoundError
from memberinsight.segments.canonical import canonicalize
from memberinsight.segments.compiler import run_query
from memberinsight.segments.definition import SegmentDefinition, parse_definition
from memberinsight.segments.describe import describe
from memberinsight.segments.fields import FEATURES_TABLE, PREDICTIONS_TABLE

_NOW = "(strftime('%Y-%m-%dT%H:%M:%fZ','now'))"
SEGMENTS_DDL = (
    f"""CREATE TABLE IF NOT EXISTS saved_segments (
        name TEXT PRIMARY KEY COLLATE NOCASE,
        definition TEXT NOT NULL,
        sentence TEXT,
        owner TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT {_NOW},
        updated_at TEXT NOT NULL DEFAULT {_NOW},
        version INTEGER NOT NULL DEFAULT 1
    )""",
    f"""CREATE TABLE IF NOT EXISTS saved_segment_sizes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL REFERENCES saved_segments(name) ON DELETE CASCADE ON UPDATE CASCADE,
        computed_at TEXT NOT NULL DEFAULT {_NOW},
        data_version TEXT NOT NULL,
        definition_version INTEGER NOT NULL,
        size INTEGER NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS saved_segment_sizes_by_name ON saved_segment_sizes(name, id)",
)
_NAME = re.compile(r"^[\w][\w .,&'()+/-]{0,79}$")
_FINGERPRINT_TABLES = ("members", "products", "orders", "reviews", FEATURES_TABLE, PREDICTIONS_TABLE,
                       "fraud_exclusions")  # confirmed fraud left out of counts (workspace.clean)


@dataclass(frozen=True)
class SizePoint:
    """The segment's size on one version of the data."""

    computed_at: str
    data_version: str
    definition_version: int
    size: int


@dataclass
class SavedSegment:
    """A saved segment with its size history (oldest first)."""

    name: str
    definition: SegmentDefinition
    sentence: str | None
    owner: str
    created_at: str
    updated_at: str
    version: int
    sizes: list[SizePoint] = field(default_factory=list)

    @property
    def size(self) -> int | None:
        return self.sizes[-1].size if self.sizes else None

    @property
    def description(self) -> str:
        return describe(self.definition)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "definition": self.definition.to_dict(), "description": self.description,
                "sentence": self.sentence, "owner": self.owner, "created_at": self.created_at,
                "updated_at": self.updated_at, "version": self.version, "size": self.size,
                "size_history": [p.__dict__ for p in self.sizes]}


def _ensure(ws: Any) -> None:
    ws.ensure_operational_tables(*SEGMENTS_DDL)


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not _NAME.match(name):
        raise DataValidationError("a segment name is 1-80 characters: letters, digits, spaces and . , & ' ( ) + / -",
                                  column="name")
    return name


def data_version(ws: Any) -> str:
    """A fingerprint of the analytics data a segment depends on (changes when any row changes)."""
    parts: dict[str, Any] = {}
    with ws.analytics(read_only=True) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        for table in _FINGERPRINT_TABLES:
            if table in tables:
                count, digest = con.execute(f"SELECT count(*), CAST(sum(hash(t)) AS VARCHAR) FROM {table} t").fetchone()
                parts[table] = [count, digest]
    return hashlib.sha1(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def _row_to_segment(row: Any, sizes: list[SizePoint]) -> SavedSegment:
    return SavedSegment(row["name"], SegmentDefinition.from_json(row["definition"]), row["sentence"], row["owner"],
                        row["created_at"], row["updated_at"], row["version"], sizes)


def _sizes(con: Any, name: str) -> list[SizePoint]:
    rows = con.execute("SELECT computed_at, data_version, definition_version, size FROM saved_segment_sizes "
                       "WHERE name = ? ORDER BY id", (name,)).fetchall()
    return [SizePoint(r["computed_at"], r["data_version"], r["definition_version"], r["size"]) for r in rows]


def get_segment(ws: Any, name: str) -> SavedSegment:
    """The saved segment called ``name`` (case-insensitive); :class:`NotFoundError` if there is none."""
    _ensure(ws)
    with ws.operations() as con:
        row = con.execute("SELECT * FROM saved_segments WHERE name = ?", (name.strip(),)).fetchone()
        if row is None:
            raise NotFoundError(f"no saved segment called {name!r}")
        return _row_to_segment(row, _sizes(con, row["name"]))


def list_segments(ws: Any, refresh: bool = True) -> list[SavedSegment]:
    """All saved segments by name; sizes are brought up to date first unless ``refresh`` is False."""
    _ensure(ws)
    if refresh:
        refresh_sizes(ws)
    with ws.operations() as con:
        rows = con.execute("SELECT * FROM saved_segments ORDER BY name").fetchall()
        return [_row_to_segment(r, _sizes(con, r["name"])) for r in rows]


def save_segment(ws: Any, name: str, definition: SegmentDefinition | dict[str, Any], *, owner: str,
                 sentence: str | None = None, expected_version: int | None = None,
                 overwrite: bool = False) -> SavedSegment:
    """Create or update a saved segment and record its current size.

    Updating needs ``overwrite=True`` or the ``expected_version`` last read (a stale version raises
    :class:`ConflictError`). Names of RFM segments are refused (they would shadow them).
    """
    _ensure(ws)
    name = _check_name(name)
    defn = canonicalize(parse_definition(definition), sort=False)
    from memberinsight.segments.vocabulary import rfm_segment_names

    if name.casefold() in {n.casefold() for n in rfm_segment_names()}:
        raise ConflictError(f"{name!r} is the name of an RFM segment; choose another name")
    size = _size(ws, defn)
    dv = data_version(ws)
    with ws.operations() as con:
        con.execute("BEGIN IMMEDIATE")
        try:
            row = con.execute("SELECT version FROM saved_segments WHERE name = ?", (name,)).fetchone()
            if row is None:
                if expected_version is not None:
                    raise ConflictError(f"segment {name!r} no longer exists")
                con.execute("INSERT INTO saved_segments (name, definition, sentence, owner) VALUES (?, ?, ?, ?)",
                            (name, defn.to_json(), sentence, owner))
                version, action = 1, "segment.create"
            else:
                if expected_version is None and not overwrite:
                    raise ConflictError(f"a segment called {name!r} already exists (use overwrite to replace it)")
                if expected_version is not None and expected_version != row["version"]:
                    raise ConflictError(f"segment {name!r} changed since you read it (version {row['version']}, "
                                        f"you had {expected_version}); reload it and try again")
                version, action = row["version"] + 1, "segment.update"
                con.execute(f"UPDATE saved_segments SET definition = ?, sentence = ?, updated_at = {_NOW}, "
                            "version = ? WHERE name = ?", (defn.to_json(), sentence, version, name))
            con.execute("INSERT INTO saved_segment_sizes (name, data_version, definition_version, size) "
                        "VALUES (?, ?, ?, ?)", (name, dv, version, size))
            ws.audit(owner, action, "segment", name, detail=json.dumps({"version": version, "size": size}), con=con)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return get_segment(ws, name)


def delete_segment(ws: Any, name: str, *, actor: str) -> None:
    """Delete a saved segment and its size history (audited)."""
    seg = get_segment(ws, name)
    with ws.operations() as con:
        con.execute("BEGIN IMMEDIATE")
        try:
            con.execute("DELETE FROM saved_segments WHERE name = ?", (seg.name,))
            ws.audit(actor, "segment.delete", "segment", seg.name, con=con)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")  # the segment and its history stay; nothing half-deleted
            raise


def _size(ws: Any, defn: SegmentDefinition) -> int:
    with ws.analytics(read_only=True) as con:
        return run_query(con, defn, count_only=True)


def refresh_sizes(ws: Any) -> dict[str, Any]:
    """Record a new size for every segment whose data or definition changed since its last size."""
    _ensure(ws)
    dv = data_version(ws)
    updated: list[str] = []
    skipped: dict[str, str] = {}
    with ws.operations() as con:
        rows = con.execute("SELECT s.name, s.definition, s.version, (SELECT z.data_version || '/' || "
                           "z.definition_version FROM saved_segment_sizes z WHERE z.name = s.name "
                           "ORDER BY z.id DESC LIMIT 1) AS last FROM saved_segments s").fetchall()
    for row in rows:
        if row["last"] == f"{dv}/{row['version']}":
            continue
        try:
            size = _size(ws, SegmentDefinition.from_json(row["definition"]))
        except ModelNotReadyError as exc:
            skipped[row["name"]] = str(exc)
            continue
        with ws.operations() as con:
            con.execute("INSERT INTO saved_segment_sizes (name, data_version, definition_version, size) "
                        "VALUES (?, ?, ?, ?)", (row["name"], dv, row["version"], size))
        updated.append(row["name"])
    return {"data_version": dv, "segments": len(rows), "recomputed": len(updated), "skipped": skipped}


def build_step(ws: Any, settings: Any) -> dict[str, Any]:
    """The ``segments`` build step: bring saved segments' size history up to date."""
    return refresh_sizes(ws)


_CLUSTER = re.compile(r"^\s*(?:cluster|persona)\s*(?:#|no\.?|number)?\s*(\d+)\s*$", re.I)


def resolve_segment(ws: Any, name_or_definition: Any) -> SegmentDefinition:
    """The definition behind any way of naming a segment (see :func:`resolve_segment_members`)."""
    if isinstance(name_or_definition, SegmentDefinition | dict):
        return parse_definition(name_or_definition)
    if not isinstance(name_or_definition, str) or not name_or_definition.strip():
        raise NotFoundError("give a segment name or a definition")
    text = name_or_definition.strip()
    if text.startswith("{"):
        return SegmentDefinition.from_json(text)
    _ensure(ws)
    with ws.operations() as con:
        row = con.execute("SELECT definition FROM saved_segments WHERE name = ?", (text,)).fetchone()
    if row is not None:
        return SegmentDefinition.from_json(row["definition"])
    from memberinsight.segments.vocabulary import load_vocabulary, rfm_segment_names

    vocab = load_vocabulary(ws)
    rfm = {n.casefold(): n for n in (*vocab.rfm_segment, *rfm_segment_names())}
    if text.casefold() in rfm:
        return _where("rfm_segment", rfm[text.casefold()])
    match = _CLUSTER.match(text)
    if match and (not vocab.clusters or int(match.group(1)) in vocab.clusters):
        return _where("cluster", int(match.group(1)))
    loose = _analytics_segment(ws, text)
    if loose is not None:
        return loose
    with ws.operations() as con:
        saved = [r["name"] for r in con.execute("SELECT name FROM saved_segments ORDER BY name").fetchall()]
    clusters = f"; clusters: 'cluster N' for N in {', '.join(map(str, vocab.clusters))}" if vocab.clusters else ""
    raise NotFoundError(f"no saved or RFM segment called {text!r} (saved: {', '.join(saved) or 'none'}; "
                        f"RFM: {', '.join(sorted(set(rfm.values())))}{clusters})")


def _where(field_name: str, value: Any) -> SegmentDefinition:
    op = "in" if isinstance(value, list | tuple) else "="
    return parse_definition({"where": {"field": field_name, "op": op, "value": value}})


def _analytics_segment(ws: Any, text: str) -> SegmentDefinition | None:
    """Loose RFM names ("cant lose them", "new members") and cluster labels, as the analytics read them."""
    from memberinsight import models

    try:
        kind, exact = models.resolve_segment(ws, text)
    except (NotFoundError, ModelNotReadyError):
        return None
    if kind == "rfm":
        return _where("rfm_segment", exact)
    with ws.analytics(read_only=True) as con:
        numbers = [int(r[0]) for r in con.execute(
            f"SELECT DISTINCT cluster FROM {PREDICTIONS_TABLE} WHERE cluster_label = $l ORDER BY 1",
            {"l": exact}).fetchall()]
    return _where("cluster", numbers if len(numbers) > 1 else numbers[0]) if numbers else None


def resolve_segment_members(ws: Any, segment: Any) -> list[str]:
    """Member ids (sorted) of a segment however it is named: THE resolver other packages call.

    ``segment`` may be

    * a saved segment's name (case-insensitive), e.g. ``"Big Kitchen spenders"``;
    * an RFM segment name, exactly or loosely (``"Champions"``, ``"cant lose them"``, ``"new members"``);
    * a cluster: ``"cluster 2"`` or the cluster's plain-words label;
    * a definition: a :class:`SegmentDefinition`, a dict, or its JSON text.

    Saved names are tried first (they can never shadow an RFM name: saving one is refused). Raises
    :class:`NotFoundError` (listing the saved and RFM names) when nothing matches, and
    :class:`ModelNotReadyError` when the definition needs built data that is missing.
    """
    defn = resolve_segment(ws, segment)
    with ws.analytics(read_only=True) as con:
        return run_query(con, defn)
