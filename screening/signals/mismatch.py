"""Text-product mismatch: does the review talk about the product it is attached to?

For each review, with L2-normalised sentence embeddings:

* ``own_sim`` - cosine similarity to its own product's text;
* ``mismatch_gap`` - how much closer the review is to the best-matching product of *another*
  category than to its own product (positive: it reads like a review of something else);
* ``mismatch_z`` - ``own_sim`` compared with the product's other reviews (leave-one-out mean and a
  shrunk standard deviation); strongly negative means unlike the product's other reviews;
* ``peer_sim`` - similarity to the centroid of the product's other reviews.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_CHUNK = 8192
_MIN_SD = 0.05
_PRIOR_N = 5.0


def mismatch_signals(review_vectors: np.ndarray, review_products: np.ndarray, product_ids: list[str],
                     product_matrix: np.ndarray, product_categories: dict[str, str | None]) -> pd.DataFrame:
    """Mismatch columns aligned with the review rows (``own_sim``, ``mismatch_gap``, ``mismatch_z``,
    ``peer_sim``, ``best_other_product``). Reviews whose product has no vector get neutral values."""
    n = len(review_vectors)
    pos = {pid: i for i, pid in enumerate(product_ids)}
    prow = np.array([pos.get(str(p), -1) for p in review_products], dtype=np.int64)
    cats = np.array([str(product_categories.get(p) or "") for p in product_ids], dtype=object)
    own = np.zeros(n, dtype=np.float64)
    gap = np.zeros(n, dtype=np.float64)
    best_other = np.full(n, None, dtype=object)
    have = prow >= 0
    for start in range(0, n, _CHUNK):
        sl = slice(start, start + _CHUNK)
        sims = review_vectors[sl] @ product_matrix.T if len(product_ids) else np.zeros((0, 0))
        rows = prow[sl]
        ok = rows >= 0
        if not ok.any():
            continue
        idx = np.flatnonzero(ok)
        own_part = sims[idx, rows[idx]]
        own[start + idx] = own_part
        same_cat = cats[None, :] == cats[rows[idx]][:, None]
        same_cat &= cats[rows[idx]][:, None] != ""
        masked = np.where(same_cat, -np.inf, sims[idx])
        masked[np.arange(len(idx)), rows[idx]] = -np.inf
        j = masked.argmax(axis=1)
        best = masked[np.arange(len(idx)), j]
        valid = np.isfinite(best)
        gap[start + idx[valid]] = best[valid] - own_part[valid]
        best_other[start + idx[valid]] = np.array(product_ids, dtype=object)[j[valid]]
    frame = pd.DataFrame({"product": [str(p) for p in review_products], "own": own})
    grp = frame.groupby("product")["own"]
    count, total, total_sq = grp.transform("count").to_numpy(), grp.transform("sum").to_numpy(), \
        (frame["own"] ** 2).groupby(frame["product"]).transform("sum").to_numpy()
    others = count - 1
    glob_mean = float(own[have].mean()) if have.any() else 0.0
    glob_sd = max(float(own[have].std()) if have.sum() > 1 else _MIN_SD, _MIN_SD)
    loo_mean = np.where(others > 0, (total - own) / np.maximum(others, 1), glob_mean)
    loo_var = np.where(others > 1, ((total_sq - own ** 2) - others * loo_mean ** 2) / np.maximum(others - 1, 1), 0.0)
    # shrink small products towards the global spread
    shrunk_mean = (others * loo_mean + _PRIOR_N * glob_mean) / (others + _PRIOR_N)
    shrunk_sd = np.sqrt((np.maximum(others - 1, 0) * np.maximum(loo_var, 0) + _PRIOR_N * glob_sd ** 2)
                        / (np.maximum(others - 1, 0) + _PRIOR_N))
    z = np.where(have, (own - shrunk_mean) / np.maximum(shrunk_sd, _MIN_SD), 0.0)
    peer = _peer_similarity(review_vectors, frame["product"].to_numpy())
    return pd.DataFrame({"own_sim": own, "mismatch_gap": np.where(have, gap, 0.0), "mismatch_z": z,
                         "peer_sim": peer, "best_other_product": best_other})


def _peer_similarity(vectors: np.ndarray, products: np.ndarray) -> np.ndarray:
    """Cosine to the mean vector of the same product's *other* reviews (0 when it has none)."""
    codes, uniq = pd.factorize(products)
    sums = np.zeros((len(uniq), vectors.shape[1]), dtype=np.float64)
    np.add.at(sums, codes, vectors)
    counts = np.bincount(codes, minlength=len(uniq))
    loo = sums[codes] - vectors
    norm = np.linalg.norm(loo, axis=1)
    sim = np.einsum("ij,ij->i", loo, vectors) / np.maximum(norm, 1e-9)
    return np.where(counts[codes] > 1, sim, 0.0)
