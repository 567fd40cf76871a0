"""Charts for the app: matplotlib figures drawn from a :class:`~agent.types.ChartSpec` or a table."""

from __future__ import annotations

from typing import Any

import pandas as pd

from memberinsight.agent.types import ChartSpec

LONG_LABEL = 22
"""Bar labels longer than this turn the chart sideways."""


def figure(spec: ChartSpec | None) -> Any:
    """A matplotlib figure for ``spec`` (None when there is nothing to draw)."""
    if spec is None or spec.data is None or spec.data.empty or spec.x not in spec.data or spec.y not in spec.data:
        return None
    from matplotlib.figure import Figure  # the object API: no pyplot state, no GUI backend

    data = spec.data
    labels = data[spec.x].astype(str)
    if spec.kind == "bar" and labels.str.len().max() > LONG_LABEL:
        return _horizontal_bars(spec, labels)
    fig = Figure(figsize=(7, 3.6), tight_layout=True)
    ax = fig.add_subplot()
    if spec.kind == "bar":
        ax.bar(data[spec.x].astype(str), pd.to_numeric(data[spec.y], errors="coerce"), color="#4C78A8")
        ax.tick_params(axis="x", labelrotation=35)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")
    else:
        groups = data.groupby(spec.color, sort=False) if spec.color and spec.color in data else [(None, data)]
        for name, part in groups:
            px, py = part[spec.x], pd.to_numeric(part[spec.y], errors="coerce")
            ax.plot(px, py, marker="o", markersize=3, label=name)
            if "lower" in part and "upper" in part and part["lower"].notna().any():
                ax.fill_between(px, pd.to_numeric(part["lower"]), pd.to_numeric(part["upper"]), alpha=0.2)
        if spec.color:
            ax.legend()
        ax.tick_params(axis="x", labelrotation=30)
    ax.set_title(spec.title)
    ax.set_xlabel(spec.x.replace("_", " "))
    ax.set_ylabel(spec.y.replace("_", " "))
    ax.grid(axis="y", alpha=0.3)
    return fig


def _horizontal_bars(spec: ChartSpec, labels: pd.Series) -> Any:
    """Bars drawn sideways, so long labels (cluster descriptions) are read whole, wrapped, top to bottom."""
    import textwrap

    from matplotlib.figure import Figure

    wrapped = [textwrap.fill(label, 34) for label in labels]
    rows = sum(w.count("\n") + 1 for w in wrapped)
    fig = Figure(figsize=(7, max(2.4, 0.8 + 0.32 * rows)), tight_layout=True)
    ax = fig.add_subplot()
    ax.barh(wrapped, pd.to_numeric(spec.data[spec.y], errors="coerce"), color="#4C78A8")
    ax.invert_yaxis()  # the first row of the table on top
    ax.tick_params(axis="y", labelsize=8)
    ax.set_title(spec.title)
    ax.set_xlabel(spec.y.replace("_", " "))
    ax.grid(axis="x", alpha=0.3)
    return fig
