"""Small Gradio pieces the queue tabs share: a table's row picker and a dropdown of item ids.

Gradio is imported inside each function (no work at import time). No ``from __future__ import
annotations``: Gradio finds the ``evt: gr.SelectData`` parameter by its evaluated annotation.
"""

from collections.abc import Callable
from typing import Any


def first_cell_picker(empty: Any = None) -> Callable[..., Any]:
    """A table's ``.select`` handler that returns the clicked row's first cell (``empty`` when none)."""
    import gradio as gr

    def picked(evt: gr.SelectData) -> Any:
        return evt.row_value[0] if evt.row_value else empty

    return picked


def id_choices(ids: list[str], label: str | None = None) -> Any:
    """A dropdown update listing ``ids`` with the first one chosen (nothing chosen when there are none); with
    ``label``, the dropdown's label says how many it lists ("Review (80)")."""
    import gradio as gr

    if label is None:
        return gr.Dropdown(choices=ids, value=ids[0] if ids else None)
    return gr.Dropdown(choices=ids, value=ids[0] if ids else None, label=f"{label} ({len(ids):,})")
