"""The app's callbacks as plain functions over real Services and the built demo workspace (no browser)."""

from __future__ import annotations

import gzip
import re
import sqlite3

import pandas as pd
import pytest

from memberinsight.ui import callbacks as cb


def test_chat_streams_then_answers_with_table_and_chart(ui_services) -> None:
    outs = list(cb.chat_respond(ui_services, "ana", "How big is each segment?", [], None))
    histories = [o[0] for o in outs]
    assert histories[0][-1]["content"] == "…"  # something shows at once
    final_history, conversation, shown, chart = outs[-1]
    table = shown.data  # the tool's numbers under the figures shown for people
    assert [m["role"] for m in final_history] == ["user", "assistant", "assistant"]
    note, answer = final_history[1:]
    assert note["metadata"]["title"].startswith("Tool: segment_overview") and note["metadata"]["status"] == "done"
    assert "Champions" in answer["content"] and "metadata" not in answer
    assert any(o[0][-1].get("metadata", {}).get("status") == "pending" for o in outs)  # shown while working
    assert "Champions" in set(table["segment"]) and table["members"].sum() > 0
    assert [p.get_height() for p in chart.axes[0].patches] == pytest.approx(list(table["revenue"]), rel=1e-2)
    assert len(outs) >= 3  # streamed in steps
    html = shown.to_html()
    assert "share of revenue" in table.columns and "revenue_share" not in table.columns  # headers in words
    assert "£" in html and "%" in html  # money and shares formatted in the table a person reads

    # The conversation carries the subject: the follow-up routes with the remembered segment.
    outs = list(cb.chat_respond(ui_services, "ana", "tell me about hibernating", final_history, conversation))
    outs = list(cb.chat_respond(ui_services, "ana", "who among them is at risk?", outs[-1][0], outs[-1][1]))
    note = outs[-1][0][-2]
    assert "at_risk_members" in note["metadata"]["title"] and "Hibernating" in note["metadata"]["title"]
    at_risk = outs[-1][2]
    assert set(at_risk.data["segment"]) <= {"Hibernating"} and "churn risk" in at_risk.data.columns
    body = at_risk._compute()._translate(None, None)["body"]
    column = list(at_risk.data.columns).index("churn risk")
    risks = [[c for c in row if c["type"] == "td"][column]["display_value"] for row in body]
    assert risks and all(re.fullmatch(r"\d+(\.\d)?%", r) for r in risks)


def test_chat_clarifies_instead_of_guessing(ui_services) -> None:
    history, _, table, chart = list(cb.chat_respond(ui_services, "ana", "what's the capital of Peru", [], None))[-1]
    assert "metadata" not in history[-1] and "help" in history[-1]["content"].lower()
    assert table.empty and chart is None


def test_segments_tab(ui_services) -> None:
    message, shown, chart, grid, shown_clusters, cluster_chart = cb.load_segments(ui_services)
    summary, clusters = shown.data, shown_clusters.data  # figures shown for people over the raw numbers
    assert "£" in shown.to_html() and "%" in shown.to_html() and "share of revenue" in summary.columns
    assert message.startswith(f"**{len(summary)} segments**")
    assert summary["share of members"].sum() == pytest.approx(1.0, abs=0.01)
    assert list(grid.columns) == ["recency", "FM1", "FM2", "FM3", "FM4", "FM5"]
    assert grid.loc[0, "FM5"].startswith("Champions")  # most recent and most valuable
    cells = grid.drop(columns="recency").to_numpy().ravel()
    assert sum(int(c.rsplit("·", 1)[1]) for c in cells if c) == summary.loc[
        summary["segment"] != "No Purchases Yet", "members"].sum()
    assert len(clusters) >= 2 and chart is not None and cluster_chart is not None
    # cluster descriptions are long: the bars lie sideways, one per cluster, labels whole (wrapped), in table order
    bars = cluster_chart.axes[0].patches
    assert [round(b.get_width()) for b in bars] == list(clusters["members"])
    labels = [t.get_text().replace("\n", " ") for t in cluster_chart.axes[0].get_yticklabels()]
    assert labels == list(clusters["segment"])


def test_member_tab(ui_services, ui_workspace) -> None:
    with ui_workspace.analytics(read_only=True) as con:
        member_id, orders = con.execute(
            "SELECT member_id, count(DISTINCT order_id) FROM orders WHERE member_id IS NOT NULL "
            "AND NOT coalesce(is_return, false) AND quantity > 0 GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1").fetchone()
        email = con.execute("SELECT email FROM members WHERE member_id = ?", [member_id]).fetchone()[0]
    text, shown = cb.lookup_member(ui_services, member_id)
    recent = shown.data
    assert text.startswith(f"**Member {member_id}**") and f"**orders**: {orders}," in text
    assert re.search(r"\*\*churn risk\*\*: \d+(\.\d)?% \(", text)  # a percentage, as elsewhere on the page
    assert email and email not in text and email not in recent.to_string()  # no personal data
    assert len(recent) == 5 and recent["ordered at"].is_monotonic_decreasing
    assert "£" in shown.to_html()  # order values with the currency sign
    message, table = cb.lookup_member(ui_services, "NOPE-000")
    assert message.startswith("⚠️") and "NOPE-000" in message and table.empty


def test_queue_decisions_are_attributed_and_versioned(ui_services, ui_workspace) -> None:
    counts, shown, ids = cb.load_queue(ui_services, "pending", 0.5)
    table = shown.data
    assert ids and (table["risk"] >= 0.5).all() and table["risk"].is_monotonic_decreasing
    assert "review id" in table.columns and "%" in shown.to_html()  # risk as a percentage, as on the detail page
    review_id = ids[-1]
    evidence, version = cb.show_review(ui_services, review_id)
    assert f"Review {review_id}" in evidence and "Why flagged" in evidence
    assert re.search(r"risk \*\*\d+(\.\d)?%\*\*", evidence)
    assert "dup_max_sim" not in evidence and "text similarity to the closest other review" in evidence
    message, new_version = cb.decide_review(ui_services, "ben", review_id, version, "escalate", "check the ring")
    assert "escalated" in message and "ben" in message and new_version == version + 1
    # A second operator acting on the version they saw earlier is refused, not silently applied.
    message, kept = cb.decide_review(ui_services, "cleo", review_id, version, "approve", "")
    assert message.startswith("⚠️") and "changed by someone else" in message and kept == version
    assert ui_services.queue_item(review_id).status == "escalated"
    with sqlite3.connect(ui_workspace.operations_path) as con:
        actors = con.execute("SELECT actor, outcome FROM audit_log WHERE object_id = ? ORDER BY id",
                             [review_id]).fetchall()
    assert actors[-2:] == [("ben", "ok"), ("cleo", "conflict")]


def test_check_report_reads_passed_and_lists_the_checks_once() -> None:
    table = pd.DataFrame({"variant": [1, 1, 2], "part": ["subject", "body", "subject"], "passed": [True, False, True],
                          "length": [40, 300, 38], "limit": [60, None, 60], "source": ["composed"] * 3,
                          "attempts": [1, 2, 1], "checks": ["figures, dates", "figures, dates", "figures"],
                          "problems": ["", "too long", ""]})
    shown = cb.check_report(table)
    assert list(shown.data["result"]) == ["✅ passed", "❌ failed", "✅ passed"]
    assert list(shown.data["checks"]) == ["figures, dates", "same as above", "figures"]
    assert list(table["passed"]) == [True, False, True]  # the tool's table stays raw


def test_review_signals_in_words() -> None:
    assert cb.signal_value("text_prob", 0.873) == "87.3%" and cb.signal_value("verified", 0.0) == "no"
    assert cb.signal_value("dup_max_sim", 0.98) == "0.98"


def test_untrusted_review_text_is_shown_literally() -> None:
    text = "Great! ![x](http://tracker.example/p.png) <img src=x onerror=alert(1)> [win](http://a)"
    escaped = cb.escape_markdown(text)
    assert re.search(r"(?<!\\)[<>\[\]()!]", escaped) is None  # every markup character is escaped
    assert escaped.replace("\\", "") == text


def test_upload_validates_and_reports(ui_services, tmp_path) -> None:
    bad = tmp_path / "reviews.csv"
    bad.write_text("review_id,product_id,member_id,rating,text,created_at\n"
                   "RX1,P10001,,9,too many stars,2024-01-01 10:00:00\n", encoding="utf-8")
    message = cb.upload_file(ui_services, "ines", str(bad), "reviews")  # an admin (uploads are admin-only)
    assert "read 1" in message and "rejected 1" in message and "rating" in message
    assert cb.upload_file(ui_services, "ines", None, "auto") == "Choose a CSV file first."
    assert "missing" in cb.upload_file(ui_services, "ines", str(tmp_path / "gone.csv"), "auto")


def test_upload_size_and_type_limits(ui_services, tmp_path) -> None:
    small = ui_services.settings.replace(upload_max_mb=1)
    services = type(ui_services)(ui_services.ws, small, embedder=ui_services.embedder)
    big = tmp_path / "orders.csv.gz"
    with gzip.open(big, "wb", compresslevel=0) as f:
        f.write(b"x" * (2 * 1024 * 1024))
    message = cb.upload_file(services, "ines", str(big), "auto")
    assert message.startswith("⚠️") and "upload limit is 1 MB" in message and "orders.csv.gz" in message
    sheet = tmp_path / "orders.xlsx"
    sheet.write_bytes(b"PK\x03\x04")
    assert "only .csv" in cb.upload_file(services, "ines", str(sheet), "auto")


def test_data_tab(ui_services) -> None:
    text, shown_tables, shown_ingests = cb.data_overview(ui_services)
    tables, ingests = shown_tables.data, shown_ingests.data
    assert "Orders from" in text and "Data quality" in text
    assert dict(zip(tables["table"], tables["rows"], strict=True))["members"] == 2000
    assert "2,000" in shown_tables.to_html()  # thousands separators
    assert {"members.csv", "orders.csv"} <= set(ingests["file"])
    assert "loaded at" in ingests.columns and "loaded_at" not in ingests.columns


def _direct_export_services(ui_services):
    """The UI's services with ``[campaigns] direct_export`` on (off by default: only approved campaigns export)."""
    on = ui_services.settings.replace(campaigns_direct_export=True)
    return type(ui_services)(ui_services.ws, on, embedder=ui_services.embedder)


def test_export_audience(ui_services) -> None:
    services = _direct_export_services(ui_services)
    message, path = cb.export_audience(services, "ines", "Champions", "email", "spring email")  # ines: an admin
    exported = pd.read_csv(path)
    assert "Exported" in message and len(exported) > 0 and "email" in exported.columns
    assert "members can receive email; left out: " in message and "without email consent" in message
    message, path = cb.export_audience(services, "ines", "Champions", "push", "spring push")
    assert message.startswith("Exported") and list(pd.read_csv(path).columns) == ["member_id"]  # push: ids only
    message, path = cb.export_audience(services, "ines", "Champions", "fax", "spring fax")
    assert message.startswith("⚠️") and path is None


def test_gzip_upload_that_inflates_past_the_limit_is_refused_unread(ui_services, tmp_path) -> None:
    small = ui_services.settings.replace(upload_max_mb=1)
    services = type(ui_services)(ui_services.ws, small, embedder=ui_services.embedder)
    bomb = tmp_path / "orders.csv.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as f:  # ~21 MB of zeros in a few KB
        for _ in range(21):
            f.write(b"0" * (1024 * 1024))
    assert bomb.stat().st_size < 1024 * 1024
    audit = ui_services.ws.path / "operations.sqlite"
    with sqlite3.connect(audit) as con:
        before = con.execute("SELECT count(*) FROM audit_log").fetchone()
    message = cb.upload_file(services, "ines", str(bomb), "auto")
    assert message.startswith("⚠️") and "inflates to more than 20 MB" in message
    with sqlite3.connect(audit) as con:
        assert con.execute("SELECT count(*) FROM audit_log").fetchone() == before  # nothing was ingested


def test_actions_are_audited_under_the_logged_in_operator(ui_services, ui_workspace) -> None:
    services = _direct_export_services(ui_services)
    message, path = cb.export_audience(services, "ben", "Loyal", "email", "loyalty mailing")
    assert message.startswith("⚠️") and "needs an admin" in message and path is None  # ben is an operator
    message, path = cb.export_audience(services, "ines", "Loyal", "email", "loyalty mailing")
    assert message.startswith("Exported") and path is not None
    with sqlite3.connect(ui_workspace.path / "operations.sqlite") as con:
        rows = con.execute("SELECT actor, action, object_id FROM audit_log WHERE action LIKE 'audience.export%' "
                           "ORDER BY id DESC LIMIT 2").fetchall()
    assert rows == [("ines", "audience.export", "Loyal"), ("ben", "audience.export_refused", "Loyal")]


def test_the_ui_package_runs_no_sql_and_keeps_no_module_state() -> None:
    import ast
    from pathlib import Path

    from memberinsight import ui

    for path in Path(ui.__file__).parent.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"\b(SELECT|INSERT|UPDATE|DELETE)\b.+\b(FROM|INTO|SET)\b", source), path
        assert not re.search(r"^\s*(import|from)\s+(duckdb|sqlite3)\b", source, re.M), path
        for node in ast.parse(source).body:  # module level: constants only, no mutable containers
            if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.List | ast.Dict | ast.Set):
                names = [t.id for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
                         if isinstance(t, ast.Name)]
                assert all(n.isupper() or n == "__all__" for n in names), (path, names)


@pytest.mark.slow
def test_campaign_copy_streams_drafts_then_ships_checked_copy_attributed_to_the_operator(ui_services,
                                                                                        ui_workspace) -> None:
    outs = list(cb.generate_copy(ui_services, "ben", "Champions", "10% off", "sms", 1))
    drafts = outs[:-1]
    assert drafts and all("(draft, not checked yet)" in text and table.empty for text, table in drafts)
    text, shown = outs[-1]
    checks = shown.data
    assert "SMS copy for Champions" in text and "Check passed" in text and "draft" not in text
    assert (checks["result"] == "✅ passed").all() and (checks["characters"] <= 160).all()
    assert "Facts the copy may use: segment: Champions; " in text and "avg_churn_probability" not in text
    with sqlite3.connect(ui_workspace.path / "operations.sqlite") as con:
        actor = con.execute("SELECT actor FROM audit_log WHERE action = 'campaign_copy' ORDER BY id DESC LIMIT 1").fetchone()
    assert actor == ("ben",)


@pytest.mark.slow
def test_chat_copy_request_streams_the_draft_before_the_checked_answer(ui_services) -> None:
    outs = list(cb.chat_respond(ui_services, "ana", "write an SMS for Champions with 10% off", [], None))
    contents = [o[0][-1]["content"] for o in outs]
    first_draft = next(i for i, c in enumerate(contents) if "(draft, not checked yet)" in c)
    assert first_draft < len(contents) - 1
    final = contents[-1]
    assert "SMS copy for Champions" in final and "draft, not checked" not in final and "Check passed" in final


def test_saved_segments_are_understood_in_chat_and_offered_for_campaigns(ui_services, ui_workspace) -> None:
    from memberinsight.segments import save_segment, segment_size

    definition = {"version": 1, "where": {"field": "spend", "op": ">", "value": 500}}
    saved = save_segment(ui_workspace, "Big spenders club", definition, owner="ana")  # e.g. from the CLI
    outs = list(cb.chat_respond(ui_services, "ana", "tell me about the Big spenders club", [], None))
    answer = outs[-1][0][-1]["content"]
    assert "saved segment by ana" in answer and f"{segment_size(ui_workspace, saved.definition):,} members" in answer
    assert "Big spenders club" in cb.segment_choices(ui_services)


def test_review_picker_lists_every_pending_review_and_says_how_many(ui_services) -> None:
    counts = ui_services.queue_counts()
    pending = counts["pending"]
    assert pending > 50  # more than the screening package's default page
    line, shown, ids = cb.load_queue(ui_services, "pending", 0)
    assert len(ids) == len(set(ids)) == len(shown.data) == pending  # every one reachable from the picker
    assert line.startswith(f"**{pending:,} pending** · approved ")
    line, shown, ids = cb.load_queue(ui_services, "pending", 0.5)
    assert (shown.data["risk"] >= 0.5).all() and len(ids) == len(shown.data)
    assert line.startswith(f"**{len(ids):,} of {pending:,} pending** with risk ≥ 50%" if len(ids) < pending
                           else f"**{pending:,} pending**")
    line, _, ids = cb.load_queue(ui_services, "all", 0)
    assert len(ids) == sum(counts.values()) and line.startswith(f"**{sum(counts.values()):,} in the queue** · ")
    assert ui_services.queue("pending", limit=3)["review_id"].tolist() == cb.load_queue(ui_services, "pending", 0)[2][:3]


def test_queue_line_in_words() -> None:
    counts = {"pending": 1200, "approved": 3, "removed": 0, "escalated": 1}
    assert cb.queue_line(counts, "pending", 0, 1200) == "**1,200 pending** · approved 3 · removed 0 · escalated 1"
    assert cb.queue_line(counts, "pending", 0.8, 40) == \
        "**40 of 1,200 pending** with risk ≥ 80% · approved 3 · removed 0 · escalated 1"


def test_a_follow_up_naming_a_listed_row_answers_about_it(ui_services) -> None:
    history, conversation, listed, _ = list(cb.chat_respond(ui_services, "ana", "Who are our at-risk high spenders?",
                                                            [], None))[-1]
    first, second = (str(m) for m in listed.data.iloc[:2, 0])  # the member ids, in the order shown
    for message in ("first one", "tell me about the first one"):
        after, _, table, _ = list(cb.chat_respond(ui_services, "ana", message, history, conversation))[-1]
        note, answer = after[-2:]
        assert note["metadata"]["title"] == f"Tool: member_lookup(member_id='{first}')", message
        assert answer["content"].startswith(f"**Member {first}**") and cb.has_rows(table)  # its recent orders
    after, _, table, _ = list(cb.chat_respond(ui_services, "ana", "and the second one?", history, conversation))[-1]
    assert after[-1]["content"].startswith(f"**Member {second}**")


def test_a_reference_with_nothing_to_pick_from_is_answered_in_words_with_no_table(ui_services) -> None:
    history, _, table, chart = list(cb.chat_respond(ui_services, "ana", "tell me about the first one", [], None))[-1]
    assert "did not list anything" in history[-1]["content"] and not cb.has_rows(table) and chart is None
    history, conversation, _, _ = list(cb.chat_respond(ui_services, "ana", "What's in the review queue?", [], None))[-1]
    review = conversation.listed.ids[0]
    history, _, table, _ = list(cb.chat_respond(ui_services, "ana", "first one", history, conversation))[-1]
    assert history[-1]["content"].startswith(f"#1 in the last list is review **{review}**")
    assert "**Review queue** tab" in history[-1]["content"] and not cb.has_rows(table)


def test_only_a_table_with_rows_is_shown() -> None:
    from memberinsight.ui.tables import for_people

    assert not cb.has_rows(cb.EMPTY) and not cb.has_rows(pd.DataFrame(columns=["member_id", "segment"]))
    assert not cb.has_rows(None)
    assert cb.has_rows(for_people(pd.DataFrame({"member_id": ["M1"], "churn_probability": [0.5]})))


def test_member_page_recommends_one_action_and_dates_its_outlook(ui_services, ui_workspace) -> None:
    with ui_workspace.analytics(read_only=True) as con:  # a valuable member whose own churn risk is high
        member = con.execute("""SELECT member_id FROM member_predictions WHERE churn_band = 'high'
                                AND rfm_segment IN ('Champions', 'Loyal') AND enough_history
                                AND expected_orders_90d >= 0.5 ORDER BY member_id LIMIT 1""").fetchone()[0]
    text, _ = cb.lookup_member(ui_services, member)
    suggestion = ui_services.suggest_campaign(member_id=member)
    suggested = next(line for line in text.splitlines() if line.startswith("- **suggested**"))
    campaign = text.split("### Recommended campaign", 1)[1]
    assert suggested.startswith(f"- **suggested**: {suggestion.play_name}") and suggestion.play_name in campaign
    assert "win them back first" not in text  # no second, different recommendation on the page
    as_of = ui_services.member_profile(member).as_of
    near = next(line for line in text.splitlines() if line.startswith("- **next 90 days**"))
    assert near.startswith(f"- **next 90 days** (from {as_of:%d %b %Y}, the last day of data): ")
    assert "next order expected around" in near and f"the last day of data, {as_of:%d %b %Y})" in near
