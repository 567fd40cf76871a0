"""Near-duplicate rings: the same (or lightly edited) text posted by different accounts.

Two reviews are *near duplicates* when the cosine similarity of their sentence embeddings is at
least ``threshold`` and different accounts wrote them. A *ring* is a connected group of near
duplicates. Genuine reviews of one product may share stock phrases, so what makes a ring suspicious
is its spread: several accounts, and the same text on several *products*.

The pairs themselves come from ``retrieval.find_near_duplicate_reviews`` / ``near_duplicates_of``
(FAISS over the review index; see :mod:`screening.vectors`); this module turns them into columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

DEFAULT_THRESHOLD = 0.9
SEARCH_THRESHOLD = 0.8
"""Pairs are searched down to this similarity: ``dup_max_sim`` sees near misses, rings use ``DEFAULT_THRESHOLD``."""


@dataclass
class DuplicateSignals:
    """Per-review duplicate columns (frame aligned with the input rows) and the near-duplicate edges."""

    frame: pd.DataFrame
    """dup_max_sim, dup_accounts, dup_cross_product, ring_id, ring_accounts, ring_products, ring_size."""
    edges: pd.DataFrame
    """a, b (row positions, a < b) and sim for every near-duplicate pair found."""


def edges_from_pairs(pairs: list[tuple[str, str, float]], pos: dict[str, int]) -> pd.DataFrame:
    """Near-duplicate pairs by review id -> edges by row position (``a < b``, best similarity kept)."""
    rows = [(pos[a], pos[b], float(s)) for a, b, s in pairs if a in pos and b in pos and a != b]
    if not rows:
        return pd.DataFrame({"a": np.zeros(0, np.int64), "b": np.zeros(0, np.int64), "sim": np.zeros(0)})
    arr = np.array(rows, dtype=np.float64)
    a, b = arr[:, 0].astype(np.int64), arr[:, 1].astype(np.int64)
    edges = pd.DataFrame({"a": np.minimum(a, b), "b": np.maximum(a, b), "sim": np.round(arr[:, 2], 4)})
    return edges.groupby(["a", "b"], as_index=False)["sim"].max()


def best_similarity(edges: pd.DataFrame, n: int) -> np.ndarray:
    """Each row's highest similarity over its edges (0 when it has none)."""
    best = np.zeros(n)
    if len(edges):
        np.maximum.at(best, edges["a"].to_numpy(), edges["sim"].to_numpy(float))
        np.maximum.at(best, edges["b"].to_numpy(), edges["sim"].to_numpy(float))
    return best


def duplicate_signals(all_edges: pd.DataFrame, accounts: np.ndarray, products: np.ndarray,
                      threshold: float = DEFAULT_THRESHOLD) -> DuplicateSignals:
    """Ring columns for every row from near-duplicate pairs by different accounts (row positions).

    ``all_edges`` may hold pairs below ``threshold`` (they only feed ``dup_max_sim``).
    """
    n = len(accounts)
    best_sim = best_similarity(all_edges, n)
    edges = all_edges[all_edges["sim"] >= threshold].reset_index(drop=True)
    acc = pd.Series([f"\0anon{i}" if a is None else str(a) for i, a in enumerate(accounts)])
    prod = pd.Series([str(p) for p in products])
    a, b = edges["a"].to_numpy(np.int64), edges["b"].to_numpy(np.int64)
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    groups = pd.DataFrame({"comp": comp, "acc": acc, "prod": prod})
    ring_accounts = groups.groupby("comp")["acc"].nunique().to_numpy()[comp]
    ring_products = groups.groupby("comp")["prod"].nunique().to_numpy()[comp]
    ring_size = np.bincount(comp)[comp]
    both = pd.concat([pd.DataFrame({"r": a, "o": b}), pd.DataFrame({"r": b, "o": a})], ignore_index=True)
    both["o_acc"] = acc.to_numpy()[both["o"].to_numpy()] if len(both) else []
    both["cross"] = (prod.to_numpy()[both["o"].to_numpy()] != prod.to_numpy()[both["r"].to_numpy()]) if len(both) else []
    dup_accounts = np.zeros(n, dtype=np.int64)
    dup_cross = np.zeros(n, dtype=np.int64)
    if len(both):
        per = both.groupby("r")
        dup_accounts[per["o_acc"].nunique().index.to_numpy()] = per["o_acc"].nunique().to_numpy()
        cross = both[both["cross"]].groupby("r")["o_acc"].nunique()
        dup_cross[cross.index.to_numpy()] = cross.to_numpy()
    in_ring = ring_size > 1
    frame = pd.DataFrame({
        "dup_max_sim": best_sim,
        "dup_accounts": dup_accounts,
        "dup_cross_product": dup_cross,
        "ring_id": np.where(in_ring, comp, -1),
        "ring_accounts": np.where(in_ring, ring_accounts, 1),
        "ring_products": np.where(in_ring, ring_products, 1),
        "ring_size": ring_size,
    })
    return DuplicateSignals(frame=frame, edges=edges)


