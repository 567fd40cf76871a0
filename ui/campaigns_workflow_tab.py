"""The app's Approvals tab: campaigns as objects with a workflow (draft → in review → approved → exported).

Built inside :func:`ui.app.build_app`'s Blocks by :func:`campaigns_workflow_tab`. Like the Fraud tab, every
handler is a thin wrapper that reads the logged-in user from the request and calls a plain function of
:mod:`ui.campaigns_workflow_callbacks`; the version of the campaign being looked at lives in ``gr.State`` (an
edit or a transition is made against it, and a conflict shows who changed the campaign). Gradio is imported
lazily.
"""

# No ``from __future__ import annotations`` here: Gradio finds ``request: gr.Request`` and
# ``evt: gr.SelectData`` parameters by their evaluated annotations, and ``gr`` is imported lazily.
from collections.abc import Callable
from typing import Any

from memberinsight.ui import campaigns_workflow_callbacks as wcb
from memberinsight.ui.callbacks import segment_choices
from memberinsight.ui.widgets import first_cell_picker


def campaigns_workflow_tab(services: Any, username: Callable[[Any], str]) -> Any:
    """Add the Approvals tab to the Blocks being built (call inside ``gr.Blocks``); returns the tab."""
    import gradio as gr

    with gr.Tab("Approvals", id="approvals") as tab:
        version = gr.State(None)
        gr.Markdown(wcb.workflow_intro(services))  # names the approver role the access rules use
        with gr.Row():
            state = gr.Dropdown(wcb.STATE_CHOICES, value="all", label="State", elem_id="cw-state")
            refresh_button = gr.Button("Refresh", size="sm", elem_id="cw-refresh")
        counts = gr.Markdown(elem_id="cw-counts")
        table = gr.Dataframe(label="Campaigns (newest first)", interactive=False, wrap=True, elem_id="cw-table")
        with gr.Row():
            with gr.Column(scale=3):
                pick = gr.Dropdown(label="Campaign", choices=[], elem_id="cw-pick")
                details = gr.Markdown(elem_id="cw-details")
                history = gr.Dataframe(label="History (versions and transitions)", interactive=False, wrap=True,
                                       elem_id="cw-history")
            with gr.Column(scale=2):
                gr.Markdown("**Draft** — fill in and create, or edit the draft picked on the left")
                name = gr.Textbox(label="Name", elem_id="cw-name")
                with gr.Row():
                    segment = gr.Dropdown(label="Segment", choices=[], allow_custom_value=True, elem_id="cw-segment")
                    channel = gr.Radio(wcb.CHANNELS, value="email", label="Channel", elem_id="cw-channel")
                offer = gr.Textbox(label="Offer", placeholder="e.g. 15% off, free delivery", elem_id="cw-offer")
                holdout = gr.Slider(0, 50, value=0, step=1, label="Holdout % (random control group)",
                                    elem_id="cw-holdout")
                variants = gr.Textbox(label="Variants (one per line, or paste from the copy generator)", lines=4,
                                      elem_id="cw-variants")
                schedule = gr.Textbox(label="Schedule (optional)", placeholder="YYYY-MM-DD or YYYY-MM-DDTHH:MM",
                                      elem_id="cw-schedule")
                with gr.Row():
                    create = gr.Button("Create new campaign", variant="primary", elem_id="cw-create")
                    save = gr.Button("Save changes", elem_id="cw-save")
                    clear = gr.Button("Clear form", size="sm", elem_id="cw-clear")
                gr.Markdown("**Review**")
                return_reason = gr.Textbox(label="Why it goes back to draft", elem_id="cw-return-reason")
                with gr.Row():
                    submit = gr.Button("Submit for review", elem_id="cw-submit")
                    approve = gr.Button("Approve", variant="primary", elem_id="cw-approve")
                    send_back = gr.Button("Return to draft", variant="stop", elem_id="cw-return")
                gr.Markdown("**Export and results**")
                export_reason = gr.Textbox(label="Reason for export", elem_id="cw-export-reason",
                                           placeholder="required, e.g. spring win-back email (goes to the audit log)")
                with gr.Row():
                    export = gr.Button("Export audience", elem_id="cw-export")
                    results = gr.Button("Import results (30 days)", elem_id="cw-results")
                result = gr.Markdown(elem_id="cw-result")
                download = gr.File(label="Campaign audience CSV", interactive=False, elem_id="cw-file")

        form = [name, segment, channel, offer, holdout, variants, schedule]
        shown_outputs = [details, version, history, *form]
        outputs = [result, counts, table, pick, *shown_outputs]

        def listing(state_: str, selected: str | None = None, keep: bool = False):
            """(counts, table, picker update, the id picked): ``selected`` stays picked while it is listed
            (always with ``keep``: the campaign just changed stays picked whatever the filter)."""
            line, rows, ids = wcb.load_campaigns(services, state_)
            if keep and selected and selected not in ids:
                ids = [selected, *ids]
            value = selected if selected in ids else (ids[0] if ids else None)
            return line, rows, gr.Dropdown(choices=ids, value=value), value

        def show(campaign_id: str | None, fill_form: bool = True):
            """Details, version and history; the form too when ``fill_form`` (a form being written stays)."""
            shown = wcb.show_campaign(services, campaign_id)
            d = shown.draft
            values = (gr.skip(),) * len(form) if d is None or not fill_form else (
                d.name, d.segment, d.channel, d.offer, d.holdout_pct, wcb.variants_text(d.variants), d.schedule)
            return shown.details, shown.version, shown.history, *values

        def relist(state_: str, current: str | None):
            line, rows, dropdown, value = listing(state_, current)
            return line, rows, dropdown, *show(value, fill_form=value != current)

        def after(message: str, campaign_id: str | None, state_: str):
            """The outputs after an action: the form is refilled from the campaign only when it succeeded."""
            line, rows, dropdown, _ = listing(state_, campaign_id, keep=True)
            return message, line, rows, dropdown, *show(campaign_id, fill_form=message.startswith("✅"))

        def open_tab(state_: str, current: str | None):
            return gr.Dropdown(choices=segment_choices(services)), *relist(state_, current)

        tab.select(open_tab, [state, pick], [segment, counts, table, pick, *shown_outputs])
        refresh_button.click(relist, [state, pick], [counts, table, pick, *shown_outputs])
        state.change(relist, [state, pick], [counts, table, pick, *shown_outputs])
        pick.input(show, pick, shown_outputs)
        table.select(first_cell_picker(), None, pick).then(show, pick, shown_outputs)
        clear.click(lambda: ("", gr.skip(), "email", "", 0, "", ""), None, form)

        def create_(campaign_id: str | None, state_: str, name_: str, segment_: str, channel_: str, offer_: str,
                    holdout_: float, variants_: str, schedule_: str, request: gr.Request):
            draft = wcb.form_draft(name_, segment_, channel_, offer_, holdout_, variants_, schedule_)
            message, new_id = wcb.create_campaign(services, username(request), draft)
            return after(message, new_id or campaign_id, state_)

        def save_(campaign_id: str | None, seen: int | None, state_: str, name_: str, segment_: str, channel_: str,
                  offer_: str, holdout_: float, variants_: str, schedule_: str, request: gr.Request):
            draft = wcb.form_draft(name_, segment_, channel_, offer_, holdout_, variants_, schedule_)
            message = wcb.edit_campaign(services, username(request), campaign_id, seen, draft)
            return after(message, campaign_id, state_)

        create.click(create_, [pick, state, *form], outputs)
        save.click(save_, [pick, version, state, *form], outputs)

        def make_mover(action: str):
            def move_(campaign_id: str | None, seen: int | None, reason: str, state_: str, request: gr.Request):
                message = wcb.move_campaign(services, username(request), campaign_id, seen, action, reason)
                # the version now stored, after a success or a refusal alike: the next try is made against it
                return after(message, campaign_id, state_)
            return move_

        for button, action in ((submit, "submit"), (approve, "approve"), (send_back, "return")):
            button.click(make_mover(action), [pick, version, return_reason, state], outputs)

        def export_(campaign_id: str | None, reason: str, state_: str, request: gr.Request):
            message, path = wcb.export_campaign(services, username(request), campaign_id, reason)
            return path, *after(message, campaign_id, state_)

        def results_(campaign_id: str | None, state_: str, request: gr.Request):
            return after(wcb.import_results(services, username(request), campaign_id), campaign_id, state_)

        export.click(export_, [pick, export_reason, state], [download, *outputs])
        results.click(results_, [pick, state], outputs)
    return tab
