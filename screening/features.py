"""Computing every per-review signal column for the reviews of a workspace.

Near-duplicate pairs (from ``retrieval``, down to similarity 0.8) are kept in the operational
database (``screening_edges``, by review id) so that an incremental run only searches neighbours
for the new reviews and still sees whole rings.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from memberinsight.config import Settings
from memberinsight.screening.data import load_review_frame
from memberinsight.screening.signals.behaviour import behaviour_signals
from memberinsight.screening.signals.duplicates import (
    DEFAULT_THRESHOLD,
    SEARCH_THRESHOLD,
    duplicate_signals,
    edges_from_pairs,
)
from memberinsight.screening.signals.instructions import instruction_signals
from memberinsight.screening.signals.mismatch import mismatch_signals
from memberinsight.screening.vectors import (
    INCREMENTAL_LIMIT,
    near_duplicate_pairs,
    product_vectors,
    review_vectors,
    sync_indexes,
)

EDGES_DDL = (
    """CREATE TABLE IF NOT EXISTS screening_edges (
        review_a TEXT NOT NULL,
        review_b TEXT NOT NULL,
        sim REAL NOT NULL,
        PRIMARY KEY (review_a, review_b)
    ) WITHOUT ROWID""",
)


@dataclass
class SignalFrame:
    """Reviews, their signal columns (same row order), near-duplicate edges and vectors."""

    reviews: pd.DataFrame
    signals: pd.DataFrame
    edges: pd.DataFrame
    vectors: np.ndarray
    timings: dict[str, float] = field(default_factory=dict)

    def row_of(self) -> dict[str, int]:
        return {rid: i for i, rid in enumerate(self.reviews["review_id"])}


def _stored_edges(ws, pos: dict[str, int]) -> pd.DataFrame:
    ws.ensure_operational_tables(*EDGES_DDL)
    with ws.operations() as con:
        rows = con.execute("SELECT review_a, review_b, sim FROM screening_edges").fetchall()
    a = [pos.get(r[0], -1) for r in rows]
    b = [pos.get(r[1], -1) for r in rows]
    df = pd.DataFrame({"a": a, "b": b, "sim": [float(r[2]) for r in rows]})
    df = df[(df["a"] >= 0) & (df["b"] >= 0)]
    return pd.DataFrame({"a": np.minimum(df["a"], df["b"]).astype(np.int64),
                         "b": np.maximum(df["a"], df["b"]).astype(np.int64), "sim": df["sim"].astype(float)})


def save_edges(ws, edges: pd.DataFrame, ids: np.ndarray, replace: bool) -> None:
    """Store near-duplicate edges by review id (``replace``: drop the stored ones first)."""
    ws.ensure_operational_tables(*EDGES_DDL)
    rows = [(str(ids[a]), str(ids[b]), float(s)) for a, b, s in
            zip(edges["a"].to_numpy(), edges["b"].to_numpy(), edges["sim"].to_numpy(), strict=True)]
    with ws.operations() as con:
        con.execute("BEGIN IMMEDIATE")
        if replace:
            con.execute("DELETE FROM screening_edges")
        con.executemany("INSERT INTO screening_edges (review_a, review_b, sim) VALUES (?, ?, ?) "
                        "ON CONFLICT(review_a, review_b) DO UPDATE SET sim = excluded.sim", rows)
        con.execute("COMMIT")


def compute_signals(ws, settings: Settings, query_ids: set[str] | None = None, threshold: float = DEFAULT_THRESHOLD,
                    show_progress: bool = False, persist_edges: bool = True) -> SignalFrame:
    """Signal columns for every review of the workspace.

    The retrieval indexes are synced first. With ``query_ids`` (incremental run) only those reviews
    get a fresh neighbour search; their pairs are merged with the stored ones so rings stay whole.
    Without, every pair is recomputed.
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    sync_indexes(ws, settings, show_progress=show_progress)
    timings["embed"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    df = load_review_frame(ws)
    ids = df["review_id"].to_numpy(object)
    vectors = review_vectors(ws, list(ids))
    pids, pmat = product_vectors(ws)
    timings["load"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    pos = {rid: i for i, rid in enumerate(ids)}
    full = query_ids is None or len(query_ids) > INCREMENTAL_LIMIT
    new = None if full else sorted(r for r in (query_ids or ()) if r in pos)
    fresh = edges_from_pairs(near_duplicate_pairs(ws, settings, SEARCH_THRESHOLD, new), pos)
    edges = fresh if full else pd.concat([_stored_edges(ws, pos), fresh], ignore_index=True).groupby(
        ["a", "b"], as_index=False)["sim"].max()
    if persist_edges:
        save_edges(ws, fresh, ids, replace=full)
    dup = duplicate_signals(edges, df["member_id"].to_numpy(object), df["product_id"].to_numpy(object), threshold)
    timings["duplicates"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with ws.analytics(read_only=True) as con:
        cats = {str(p): c for p, c in con.execute("SELECT product_id, category FROM products").fetchall()}
    mis = mismatch_signals(vectors, df["product_id"].to_numpy(object), pids, pmat, cats)
    timings["mismatch"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    beh = behaviour_signals(df)
    timings["behaviour"] = time.perf_counter() - t0
    signals = pd.concat([dup.frame, mis, beh, instruction_signals(df["text"])], axis=1)
    return SignalFrame(reviews=df, signals=signals, edges=dup.edges, vectors=vectors,
                       timings={k: round(v, 3) for k, v in timings.items()})


def neighbour_map(edges: pd.DataFrame) -> dict[int, list[tuple[int, float]]]:
    """Row -> its near duplicates (row, similarity), most similar first."""
    out: dict[int, list[tuple[int, float]]] = {}
    a, b, s = edges["a"].to_numpy(), edges["b"].to_numpy(), edges["sim"].to_numpy(float)
    for x, y, sim in zip(a, b, s, strict=True):
        out.setdefault(int(x), []).append((int(y), float(sim)))
        out.setdefault(int(y), []).append((int(x), float(sim)))
    for v in out.values():
        v.sort(key=lambda t: -t[1])
    return out


def neighbour_evidence(frame: SignalFrame, nmap: dict[int, list[tuple[int, float]]], row: int,
                       limit: int = 5) -> list[dict]:
    """A review's near duplicates by other accounts: review id, member id (never a name), product, similarity."""
    rev = frame.reviews
    out = []
    for other, sim in nmap.get(row, [])[:limit]:
        member = rev.at[other, "member_id"]
        out.append({"review_id": str(rev.at[other, "review_id"]), "member_id": None if member is None else str(member),
                    "product_id": str(rev.at[other, "product_id"]), "similarity": round(sim, 3)})
    return out


def ring_groups(frame: SignalFrame) -> np.ndarray:
    """Group labels for grouped cross-validation: a near-duplicate ring is one group, else the review."""
    ring = frame.signals["ring_id"].to_numpy()
    rid = frame.reviews["review_id"].to_numpy(object)
    return np.array([f"ring:{r}" if r >= 0 else f"review:{x}" for r, x in zip(ring, rid, strict=True)], dtype=object)
