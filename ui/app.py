"""The Gradio app: ``build_app(services) -> gr.Blocks``.

Tabs: Chat, Segments, Member, Campaigns, Approvals (:mod:`ui.campaigns_workflow_tab`), Review queue, Fraud
(:mod:`ui.fraud_tab`), Data. Every event handler is a thin
wrapper that reads the logged-in user from the request and calls a plain function of
:mod:`ui.callbacks`. Per-user state (the conversation, the review version being looked at)
lives in ``gr.State``; nothing is kept in module globals. Gradio is imported only here, lazily.
"""

# No ``from __future__ import annotations`` here: Gradio finds ``request: gr.Request`` and
# ``evt: gr.SelectData`` parameters by their evaluated annotations, and ``gr`` is imported lazily.
from typing import Any

from memberinsight.ui import callbacks as cb
from memberinsight.ui.campaigns_workflow_tab import campaigns_workflow_tab
from memberinsight.ui.fraud_tab import fraud_tab
from memberinsight.ui.widgets import first_cell_picker, id_choices

EXAMPLES = [
    "How big is each segment?",
    "Compare Champions and Hibernating",
    "Who are our at-risk high spenders?",
    "What will Outdoor sell next month?",
    "Write an SMS for Champions with 10% off",
    "What's in the review queue?",
    "Any suspicious orders this week?",
]
CSS = """
#chat-table {max-height: 360px; overflow: auto}
.check-ok {color: #1a7f37}
"""


def username(request: Any) -> str:
    """The logged-in user of a request (Gradio's login sets it)."""
    name = getattr(request, "username", None)
    return str(name) if name else "anonymous"


def build_app(services: Any) -> Any:
    """The app's Blocks over ``services`` (an :class:`~agent.services.Services`)."""
    import gradio as gr

    with gr.Blocks(title="Member Insight", analytics_enabled=False) as app:
        with gr.Row():
            gr.Markdown("## Member Insight")
            who = gr.Markdown("", elem_id="whoami")
            gr.Button("Log out", link="/logout", size="sm", scale=0, elem_id="logout")

        # ----- Chat -----------------------------------------------------------------
        with gr.Tab("Chat", id="chat"):
            conversation = gr.State(None)
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(label="Assistant", height=480, elem_id="chatbot",
                                         feedback_options=None, buttons=["copy"])
                    with gr.Row():
                        box = gr.Textbox(placeholder="Ask about members, segments, forecasts, products, "
                                                     "campaigns or the review queue…",
                                         show_label=False, scale=5, elem_id="chat-input", autofocus=True)
                        send = gr.Button("Send", variant="primary", scale=1, elem_id="chat-send")
                    gr.Examples(EXAMPLES, inputs=box, label="Try")
                    new_chat = gr.Button("New conversation", size="sm")
                with gr.Column(scale=2):
                    chat_table = gr.Dataframe(label="Table", interactive=False, elem_id="chat-table",
                                              wrap=True, visible=False)  # shown when an answer has rows
                    chat_chart = gr.Plot(label="Chart", elem_id="chat-chart")

            def shown(table: Any) -> Any:
                """The answer's table, hidden when it has no rows (an empty one would show bare headers)."""
                return gr.Dataframe(value=table, visible=cb.has_rows(table))

            def respond(message: str, history: list, conv: Any, request: gr.Request):
                for history_, conv_, table, chart in cb.chat_respond(services, username(request), message, history,
                                                                     conv):
                    yield "", history_, conv_, shown(table), chart

            outputs = [box, chatbot, conversation, chat_table, chat_chart]
            box.submit(respond, [box, chatbot, conversation], outputs)
            send.click(respond, [box, chatbot, conversation], outputs)
            def reset(request: gr.Request):
                history_, conv_, table, chart = cb.chat_reset(services, username(request))
                return history_, conv_, shown(table), chart

            new_chat.click(reset, None, [chatbot, conversation, chat_table, chat_chart])

        # ----- Segments ---------------------------------------------------------------
        with gr.Tab("Segments", id="segments") as seg_tab:
            seg_msg = gr.Markdown()
            seg_refresh = gr.Button("Refresh", size="sm")
            with gr.Row():
                seg_table = gr.Dataframe(label="Segments", interactive=False, elem_id="segments-table")
                seg_chart = gr.Plot(label="Revenue by segment")
            rfm_grid = gr.Dataframe(label="RFM grid (recency × frequency/monetary; main segment · members)",
                                    interactive=False, elem_id="rfm-grid")
            with gr.Row():
                cluster_table = gr.Dataframe(label="Behaviour clusters", interactive=False, elem_id="clusters-table")
                cluster_chart = gr.Plot(label="Cluster sizes")
            with gr.Row():
                seg_words = gr.Textbox(label="Define a segment in plain words", elem_id="segment-words",
                                       placeholder="e.g. customers in Leeds who spent over 200 this year", scale=4)
                seg_read = gr.Button("Read it back", size="sm", scale=1)
            seg_readback = gr.Markdown(elem_id="segment-readback")
            seg_read.click(lambda words: cb.read_back_segment(services, words), seg_words, seg_readback)
            seg_words.submit(lambda words: cb.read_back_segment(services, words), seg_words, seg_readback)
            seg_outputs = [seg_msg, seg_table, seg_chart, rfm_grid, cluster_table, cluster_chart]
            seg_tab.select(lambda: cb.load_segments(services), None, seg_outputs)
            seg_refresh.click(lambda: cb.load_segments(services), None, seg_outputs)

        # ----- Member -----------------------------------------------------------------
        with gr.Tab("Member", id="member"):
            with gr.Row():
                member_id = gr.Textbox(label="Member id", scale=3, elem_id="member-id")
                member_go = gr.Button("Look up", variant="primary", scale=1)
            member_md = gr.Markdown(elem_id="member-profile")
            member_table = gr.Dataframe(label="Details", interactive=False)
            member_go.click(lambda m: cb.lookup_member(services, m), member_id, [member_md, member_table])
            member_id.submit(lambda m: cb.lookup_member(services, m), member_id, [member_md, member_table])

        # ----- Campaigns --------------------------------------------------------------
        with gr.Tab("Campaigns", id="campaigns") as camp_tab:
            with gr.Row():
                camp_segment = gr.Dropdown(label="Segment", choices=[], elem_id="camp-segment",
                                           allow_custom_value=True)
                camp_offer = gr.Textbox(label="Offer", placeholder="e.g. 15% off, free delivery",
                                        elem_id="camp-offer")
                camp_channel = gr.Radio(["email", "sms", "push"], value="email", label="Channel",
                                        elem_id="camp-channel")
                camp_variants = gr.Slider(1, 3, value=3, step=1, elem_id="camp-variants",
                                          label="Variants (one per angle: urgency, benefit, curiosity)")
            direct = services.direct_export_allowed()  # [campaigns] direct_export: off -> approved campaigns only
            with gr.Row():
                camp_go = gr.Button("Generate copy", variant="primary", elem_id="camp-generate")
                camp_reason = gr.Textbox(label="Reason for export", elem_id="camp-reason", scale=2, visible=direct,
                                         placeholder="required, e.g. spring win-back email (goes to the audit log)")
                camp_export = gr.Button("Export audience (admin)", elem_id="camp-export", visible=direct)
            gr.Markdown(services.direct_export_note(), elem_id="camp-export-note")
            camp_out = gr.Markdown(elem_id="camp-output")
            camp_checks = gr.Dataframe(label="Check report", interactive=False, elem_id="camp-checks")
            camp_export_msg = gr.Markdown()
            camp_file = gr.File(label="Audience CSV", interactive=False, visible=direct)
            camp_tab.select(lambda: gr.Dropdown(choices=cb.segment_choices(services)), None, camp_segment)

            def generate(segment: str, offer: str, channel: str, variants: float, request: gr.Request):
                yield from cb.generate_copy(services, username(request), segment, offer, channel, int(variants))

            def export(segment: str, channel: str, reason: str, request: gr.Request):
                return cb.export_audience(services, username(request), segment, channel, reason)

            camp_go.click(generate, [camp_segment, camp_offer, camp_channel, camp_variants],
                          [camp_out, camp_checks])
            camp_export.click(export, [camp_segment, camp_channel, camp_reason], [camp_export_msg, camp_file])

        # ----- Approvals: the campaign workflow (ui/campaigns_workflow_tab.py) ----------------
        campaigns_workflow_tab(services, username)

        # ----- Review queue -----------------------------------------------------------
        with gr.Tab("Review queue", id="queue") as queue_tab:
            version = gr.State(None)
            with gr.Row():
                q_status = gr.Dropdown(["pending", "escalated", "approved", "removed", "all"], value="pending",
                                       label="Status", elem_id="queue-status")
                q_risk = gr.Slider(0, 1, value=0, step=0.05, label="Minimum risk")
                q_refresh = gr.Button("Refresh", size="sm", elem_id="queue-refresh")
            q_counts = gr.Markdown(elem_id="queue-counts")
            q_table = gr.Dataframe(label="Queue (riskiest first)", interactive=False, elem_id="queue-table")
            with gr.Row():
                with gr.Column(scale=3):
                    q_pick = gr.Dropdown(label="Review", choices=[], elem_id="queue-pick")
                    q_evidence = gr.Markdown(elem_id="queue-evidence")
                with gr.Column(scale=2):
                    q_note = gr.Textbox(label="Note", lines=2, elem_id="queue-note")
                    with gr.Row():
                        approve = gr.Button("Approve", elem_id="queue-approve")
                        remove = gr.Button("Remove", variant="stop", elem_id="queue-remove")
                        escalate = gr.Button("Escalate", elem_id="queue-escalate")
                    q_result = gr.Markdown(elem_id="queue-result")

            def refresh(status: str, min_risk: float):
                line, table, ids = cb.load_queue(services, status, min_risk)
                return line, table, id_choices(ids, "Review")  # every review listed, however many

            q_outputs = [q_counts, q_table, q_pick]
            queue_tab.select(refresh, [q_status, q_risk], q_outputs)
            q_refresh.click(refresh, [q_status, q_risk], q_outputs)
            q_status.change(refresh, [q_status, q_risk], q_outputs)
            q_risk.release(refresh, [q_status, q_risk], q_outputs)
            q_pick.change(lambda rid: cb.show_review(services, rid), q_pick, [q_evidence, version])
            q_table.select(first_cell_picker(), None, q_pick)

            def make_decider(action: str):
                def decide_(rid: str, ver: int | None, note: str, status: str, min_risk: float,
                            request: gr.Request):
                    message, _ = cb.decide_review(services, username(request), rid, ver, action, note)
                    line, table, _ = cb.load_queue(services, status, min_risk)
                    # the version now stored, after a success or a conflict alike: a refused decision
                    # shows the current state and the next try is made against it
                    evidence, current = cb.show_review(services, rid)
                    return message, current, line, table, evidence
                return decide_

            for button, action in ((approve, "approve"), (remove, "remove"), (escalate, "escalate")):
                button.click(make_decider(action), [q_pick, version, q_note, q_status, q_risk],
                             [q_result, version, q_counts, q_table, q_evidence])

        # ----- Fraud (ui/fraud_tab.py) -----------------------------------------------------
        fraud_tab(services, username)

        # ----- Data -------------------------------------------------------------------
        with gr.Tab("Data", id="data") as data_tab:
            data_md = gr.Markdown(elem_id="data-status")
            with gr.Row():
                data_tables = gr.Dataframe(label="Rows per table", interactive=False)
                data_ingests = gr.Dataframe(label="Recent ingests", interactive=False)
            upload_note = gr.Markdown(cb.UPLOAD_NEEDS_ADMIN, elem_id="data-upload-note")
            with gr.Row(visible=False) as upload_row:  # shown to admins only (the service checks too)
                upload = gr.File(label=f"Upload a CSV (max {services.settings.upload_max_mb} MB)",
                                 file_types=[".csv", ".gz"], type="filepath", elem_id="data-upload")
                kind = gr.Dropdown(["auto", "members", "products", "orders", "reviews", "online_retail"], value="auto",
                                   label="Kind")
                ingest = gr.Button("Validate and load", variant="primary", elem_id="data-ingest")
            upload_msg = gr.Markdown(elem_id="data-upload-result")
            data_outputs = [data_md, data_tables, data_ingests]
            data_tab.select(lambda: cb.data_overview(services), None, data_outputs)

            def do_upload(path: str | None, kind_: str, request: gr.Request):
                message = cb.upload_file(services, username(request), path, kind_)
                return message, *cb.data_overview(services)

            ingest.click(do_upload, [upload, kind], [upload_msg, *data_outputs])

        def whoami(request: gr.Request):
            header, admin = cb.account_header(services, username(request))
            return header, gr.Row(visible=admin), gr.Markdown(visible=not admin)

        app.load(whoami, None, [who, upload_row, upload_note])
    return app
