"""Near-duplicate review texts (character n-gram TF-IDF cosine), for brushing and ring evidence.

Templates with small edits ("Amazing X! Arrived fast..." / "Fantastic X! Arrived quickly...") score
far above ordinary reviews of the same product, which share words but not phrasing.
"""

from __future__ import annotations

import numpy as np

NEAR_DUPLICATE = 0.6
MAX_TEXTS = 50_000
_CHUNK = 512


def near_duplicate_pairs(texts: list[str], owners: list[str], threshold: float = NEAR_DUPLICATE,
                         times: np.ndarray | None = None, within_days: float | None = None
                         ) -> list[tuple[int, int, float]]:
    """Pairs ``(i, j, cosine)`` with ``i < j``, different owners and cosine >= ``threshold``.

    With ``times`` and ``within_days`` only texts written at most that far apart are compared (sorted by
    time, each block of texts against its time window: linear in the number of texts, not quadratic).
    At most :data:`MAX_TEXTS` texts are compared (the first ones); callers pass only the candidates.
    """
    n = min(len(texts), MAX_TEXTS)
    if n < 2:
        return []
    from sklearn.feature_extraction.text import TfidfVectorizer

    order = np.arange(n)
    if times is not None and within_days is not None:
        order = np.argsort(np.asarray(times[:n]), kind="stable")
    matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), lowercase=True,
                             sublinear_tf=True).fit_transform([str(texts[k]) for k in order])
    owner = np.asarray(owners[:n], dtype=object)[order]
    sorted_times = None if times is None or within_days is None else np.asarray(times[:n])[order]
    window = None if within_days is None else np.timedelta64(int(within_days * 86400), "s")
    pairs: list[tuple[int, int, float]] = []
    for lo in range(0, n, _CHUNK):
        hi = min(lo + _CHUNK, n)
        first, last = lo, n  # columns compared: from the block itself to the end of its time window
        if sorted_times is not None and window is not None:
            last = int(np.searchsorted(sorted_times, sorted_times[hi - 1] + window, side="right"))
        block = (matrix[lo:hi] @ matrix[first:last].T).tocoo()
        rows, cols = block.row + lo, block.col + first
        keep = (block.data >= threshold) & (rows < cols)
        for i, j, v in zip(rows[keep], cols[keep], block.data[keep], strict=True):
            if owner[i] == owner[j]:
                continue
            if sorted_times is not None and window is not None and abs(sorted_times[j] - sorted_times[i]) > window:
                continue
            a, b = int(order[i]), int(order[j])
            pairs.append((min(a, b), max(a, b), round(float(v), 3)))
    return pairs


def near_duplicates(texts: list[str], owners: list[str], threshold: float = NEAR_DUPLICATE) -> list[bool]:
    """Per text: True when another owner wrote a near-duplicate of it."""
    flags = [False] * len(texts)
    for i, j, _ in near_duplicate_pairs(texts, owners, threshold):
        flags[i] = flags[j] = True
    return flags
