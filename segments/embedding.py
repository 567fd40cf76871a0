"""Embedding-based field matching: words the rules do not know -> the closest catalogue field.

Uses the shared sentence embedder (``retrieval.get_embedder``: the packaged all-MiniLM-L6-v2 unless
configured otherwise), loaded lazily and once per process. The catalogue's texts (label,
description, synonyms) are embedded once per model. A match is only accepted above a similarity
threshold, and the parse result reports it so the operator can check it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from memberinsight.segments.fields import FIELDS

DEFAULT_THRESHOLD = 0.55
DEFAULT_MARGIN = 0.05


@lru_cache(maxsize=4)
def _field_index(embedder: Any) -> tuple[list[str], np.ndarray]:
    names: list[str] = []
    texts: list[str] = []
    for f in FIELDS:
        for text in (f.label, f.description, *f.synonyms):
            names.append(f.name)
            texts.append(text)
    return names, np.asarray(embedder.encode(texts), dtype=np.float32)


class FieldMatcher:
    """Callable ``(phrase, types) -> (field name, similarity) | None``."""

    def __init__(self, settings: Any = None, threshold: float = DEFAULT_THRESHOLD,
                 margin: float = DEFAULT_MARGIN) -> None:
        self.settings = settings
        self.threshold = threshold
        self.margin = margin

    def _embedder(self) -> Any:
        from memberinsight.config import load_settings
        from memberinsight.retrieval import get_embedder

        return get_embedder(self.settings or load_settings())

    def scores(self, phrase: str) -> dict[str, float]:
        """Best similarity of ``phrase`` to each field's texts."""
        embedder = self._embedder()
        names, matrix = _field_index(embedder)
        vec = np.asarray(embedder.encode([phrase]), dtype=np.float32)[0]
        sims = matrix @ vec
        best: dict[str, float] = {}
        for name, sim in zip(names, sims, strict=True):
            best[name] = max(best.get(name, -1.0), float(sim))
        return best

    def __call__(self, phrase: str, types: tuple[str, ...]) -> tuple[str, float] | None:
        from memberinsight.segments.fields import CATALOGUE

        ranked = sorted(((s, n) for n, s in self.scores(phrase).items() if CATALOGUE[n].type in types),
                        reverse=True)
        if not ranked or ranked[0][0] < self.threshold:
            return None
        if len(ranked) > 1 and ranked[0][0] - ranked[1][0] < self.margin:
            return None  # two fields fit about equally: ask rather than guess
        return ranked[0][1], ranked[0][0]
