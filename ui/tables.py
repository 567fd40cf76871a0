"""Tables for people in the app: readable column names, figures shown formatted, numbers kept.

:func:`for_people` returns a pandas ``Styler``: the app's (read-only) ``gr.Dataframe`` shows each
cell's formatted text (``£284,088``, ``59%``, ``31 March 2026``) while the cell keeps its number, so
sorting a column still sorts by value. Charts are drawn from the raw frame.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from memberinsight.figures import by_name, label


def for_people(frame: pd.DataFrame) -> Any:
    """``frame`` for reading: columns named by :func:`memberinsight.figures.label` (``revenue_share`` ->
    ``share of revenue``), every cell displayed by :func:`memberinsight.figures.by_name`. An empty frame
    is returned as it is."""
    if frame.empty:
        return frame
    names = {c: label(str(c)) for c in frame.columns}
    taken = list(names.values())
    names = {c: n if taken.count(n) == 1 else str(c).replace("_", " ") for c, n in names.items()}  # kept apart
    shown = frame.rename(columns=names)
    formats = {names[c]: (lambda v, c=str(c): by_name(c, v)) for c in frame.columns}
    return shown.style.format(formats)
