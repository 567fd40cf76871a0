"""The app's Fraud tab: the fraud queue, one item's evidence with Confirm / Clear / Escalate, adjusted ratings.

Built inside :func:`ui.app.build_app`'s Blocks by :func:`fraud_tab`. Like the Review queue tab, every
handler is a thin wrapper that reads the logged-in user from the request and calls a plain function of
:mod:`ui.fraud_callbacks`; the version of the item being looked at lives in ``gr.State`` (a decision is
made against it, and a conflict shows who changed the item). Gradio is imported lazily.
"""

# No ``from __future__ import annotations`` here: Gradio finds ``request: gr.Request`` and
# ``evt: gr.SelectData`` parameters by their evaluated annotations, and ``gr`` is imported lazily.
from collections.abc import Callable
from typing import Any

from memberinsight.ui import fraud_callbacks as fcb
from memberinsight.ui.widgets import first_cell_picker, id_choices


def fraud_tab(services: Any, username: Callable[[Any], str]) -> Any:
    """Add the Fraud tab to the Blocks being built (call inside ``gr.Blocks``); returns the tab."""
    import gradio as gr

    with gr.Tab("Fraud", id="fraud") as tab:
        version = gr.State(None)
        with gr.Row():
            status = gr.Dropdown(fcb.STATUS_CHOICES, value="pending", label="Status", elem_id="fraud-status")
            kind = gr.Dropdown(fcb.KIND_CHOICES, value=fcb.KIND_CHOICES[0], label="Show", elem_id="fraud-kind")
            refresh_button = gr.Button("Refresh", size="sm", elem_id="fraud-refresh")
        counts = gr.Markdown(elem_id="fraud-counts")
        table = gr.Dataframe(label="Fraud queue (riskiest first)", interactive=False, wrap=True, elem_id="fraud-table")
        with gr.Row():
            with gr.Column(scale=3):
                pick = gr.Dropdown(label="Order, account, burst or coupon ring", choices=[], elem_id="fraud-pick")
                evidence = gr.Markdown(elem_id="fraud-evidence")
            with gr.Column(scale=2):
                note = gr.Textbox(label="Note", lines=2, elem_id="fraud-note")
                with gr.Row():
                    confirm = gr.Button("Confirm fraud", variant="stop", elem_id="fraud-confirm")
                    clear = gr.Button("Clear", elem_id="fraud-clear")
                    escalate = gr.Button("Escalate", elem_id="fraud-escalate")
                result = gr.Markdown(elem_id="fraud-result")
        gr.Markdown("### Adjusted ratings")
        movers_note = gr.Markdown(elem_id="fraud-ratings-note")
        movers = gr.Dataframe(label="Products whose rating moves most", interactive=False, wrap=True,
                              elem_id="fraud-ratings")
        with gr.Row():
            product = gr.Textbox(label="Product id", scale=3, elem_id="fraud-product")
            product_go = gr.Button("Show report card", scale=1, elem_id="fraud-product-go")
        card = gr.Markdown(elem_id="fraud-report-card")

        def refresh(status_: str, kind_: str):
            line, rows, ids = fcb.load_fraud_queue(services, status_, kind_)
            return line, rows, id_choices(ids)

        def open_tab(status_: str, kind_: str):
            return (*refresh(status_, kind_), *fcb.load_rating_movers(services))

        outputs = [counts, table, pick]
        tab.select(open_tab, [status, kind], [*outputs, movers_note, movers])
        refresh_button.click(refresh, [status, kind], outputs)
        status.change(refresh, [status, kind], outputs)
        kind.change(refresh, [status, kind], outputs)
        pick.change(lambda item: fcb.show_fraud_item(services, item), pick, [evidence, version])

        table.select(first_cell_picker(), None, pick)

        def make_decider(action: str):
            def decide_(item: str, seen: int | None, note_: str, status_: str, kind_: str, request: gr.Request):
                message = fcb.decide_fraud(services, username(request), item, seen, action, note_)
                line, rows, _ = fcb.load_fraud_queue(services, status_, kind_)
                # the version now stored, after a success or a conflict alike: the next try is made against it
                shown, current = fcb.show_fraud_item(services, item)
                return message, current, line, rows, shown
            return decide_

        for button, action in ((confirm, "confirm"), (clear, "clear"), (escalate, "escalate")):
            button.click(make_decider(action), [pick, version, note, status, kind],
                         [result, version, counts, table, evidence])
        product_go.click(lambda p: fcb.product_report(services, p), product, card)
        product.submit(lambda p: fcb.product_report(services, p), product, card)

        movers.select(first_cell_picker(""), None, product).then(lambda p: fcb.product_report(services, p), product, card)
    return tab
