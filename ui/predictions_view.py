"""What the app shows about predictions: segment totals with 80% intervals (Segments tab), the
capabilities this shop's build could not make and why (a notice on the affected tab and in the
Data tab), and which model ships for each prediction and for the recommender (Data tab).

Plain functions over the :class:`~agent.services.Services` facade, like :mod:`ui.callbacks`; the
figures come from the analytics package's public API (:mod:`agent.tools.predictions`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from memberinsight.agent.tools.predictions import unavailable_notes, with_outlook
from memberinsight.errors import MemberInsightError

SEGMENT_CAPABILITIES = ("segments", "churn", "purchases", "clv")
"""Capabilities the Segments tab shows (an unavailable one gets a notice there)."""


def notices(services: Any, keys: tuple[str, ...] | None = None) -> list[str]:
    """One Markdown notice per unavailable capability (of ``keys``): "⚠️ CLV is not available on this
    shop: no order has a price." (empty when everything was built)."""
    try:
        return [f"⚠️ {n}." for n in unavailable_notes(services.ws, keys)]
    except MemberInsightError:
        return []


def with_segment_outlook(services: Any, table: pd.DataFrame, by: str = "rfm") -> pd.DataFrame:
    """The segment (or cluster) table with each one's expected purchases, spend and 12-month value,
    each a total with its 80% interval in words; unchanged when predictions are not built."""
    try:
        return with_outlook(table, services.ws, by)
    except MemberInsightError:
        return table


def models_markdown(services: Any) -> str:
    """The Data tab's "Models in use" section: one line per prediction and for the recommender
    (what shipped, every candidate's metric, the margin), then what is not available and why."""
    from memberinsight.agent.tools._common import backend

    try:
        lines = [m.line for m in backend("memberinsight.models", "shipped_models", "Model summaries")(services.ws)]
    except MemberInsightError as exc:
        lines = [f"No models yet: {exc}"]
    parts = ["**Models in use** (chosen on this shop's own holdout at the last build)",
             "\n".join(f"- {line}" for line in lines) if lines else "- none built yet"]
    missing = notices(services)
    if missing:
        parts += ["**Not available on this shop**", "\n".join(f"- {n.removeprefix('⚠️ ')}" for n in missing)]
    return "\n\n".join(parts)
