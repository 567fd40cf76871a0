"""Fact sheets and audiences from a real (small, hand-made) workspace; the campaign CLI commands."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memberinsight.agent.campaigns import (
    build_fact_sheet,
    build_member_fact_sheet,
    check_copy,
    generate_campaign,
    suggest_campaign,
)
from memberinsight.errors import DataValidationError, ModelNotReadyError, NotFoundError
from memberinsight.governance import EXPORT_COLUMNS, export_audience
from memberinsight.segments import segment_member_ids

MEMBERS = [  # member_id, email, phone, first_name, last_name
    ("M1", "alice@example.com", "+44 7700 900001", "Alice", "Smithson"),
    ("M2", "bob@example.com", None, "Bob", "=cmd|' /C calc'!A0"),
    ("M3", "cara@example.com", None, "Cara", "Lee"),
    ("M4", "dan@example.com", None, "Dan", "Ng"),
    ("M5", "eve@example.com", None, "Eve", "Ray"),
    ("M6", None, "+44 7700 900006", "Carol", "Baker"),
]
PRODUCTS = [("P1", "Garden Kneeler", "Garden", 12.99, True), ("P2", "Copper Watering Can", "Garden", 24.5, True),
            ("P3", "Postage", "Uncategorised", 4.0, False)]
ORDERS = [  # order_id, line_no, member_id, product_id, quantity, unit_price, ordered_at, is_return
    ("O1", 1, "M1", "P1", 2, 12.99, "2024-01-10", False), ("O2", 1, "M1", "P2", 1, 24.5, "2024-02-01", False),
    ("O3", 1, "M2", "P1", 1, 12.99, "2024-03-01", False), ("O3", 2, "M2", "P3", 1, 4.0, "2024-03-01", False),
    ("O4", 1, "M6", "P2", 2, 24.5, "2024-01-05", False), ("O5", 1, "M3", "P1", 10, 12.99, "2024-06-01", False),
    ("O6", 1, "M4", "P2", 4, 24.5, "2024-06-20", False), ("O7", 1, "M5", "P1", 1, 12.99, "2024-06-25", False),
    ("R1", 1, "M1", "P1", -1, 12.99, "2024-02-05", True),
]
PREDICTIONS = [("M1", "At Risk", 0.7, 200.0), ("M2", "At Risk", 0.8, 100.0), ("M6", "At Risk", 0.6, 300.0),
               ("M3", "Champions", 0.1, 50.0), ("M4", "Champions", 0.2, 60.0), ("M5", "New", 0.3, 10.0)]

REASONS = {"M1": "long gap since the last order; fewer orders than usual", "M2": "long gap since the last order",
           "M6": "long gap since the last order; more returns than usual"}


def _make_workspace(path: Path, predictions: bool = True):
    from memberinsight.workspace import Workspace

    ws = Workspace.create(path)
    with ws.analytics() as con:
        con.executemany("INSERT INTO members (member_id, email, phone, first_name, last_name, email_consent, "
                        "sms_consent) VALUES (?, ?, ?, ?, ?, true, true)", MEMBERS)
        con.executemany("INSERT INTO products (product_id, title, category, price, is_product) VALUES (?, ?, ?, ?, ?)",
                        PRODUCTS)
        con.executemany("INSERT INTO orders (order_id, line_no, member_id, product_id, quantity, unit_price, "
                        "ordered_at, is_return) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", ORDERS)
        if predictions:
            con.execute("CREATE TABLE member_predictions (member_id VARCHAR, rfm_segment VARCHAR, "
                        "churn_probability DOUBLE, predicted_clv_365d DOUBLE, churn_reasons VARCHAR)")
            con.executemany("INSERT INTO member_predictions VALUES (?, ?, ?, ?, ?)",
                            [(*row, REASONS.get(row[0])) for row in PREDICTIONS])
    return ws


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory):
    return _make_workspace(tmp_path_factory.mktemp("campaign_ws") / "workspace")


def test_segment_membership_and_fact_sheet(ws) -> None:
    assert segment_member_ids(ws, "at risk") == ["M1", "M2", "M6"]
    with pytest.raises(NotFoundError, match="Champions"):
        segment_member_ids(ws, "Nobody")
    facts = build_fact_sheet(ws, "At Risk", offer="15% off")
    stats = {f.key: f.value for f in facts.stats}
    assert facts.audience_size == 3
    assert stats["avg_orders"] == 1.3  # 4 orders (returns excluded) over 3 members
    assert stats["avg_spend"] == pytest.approx((37.49 + 16.99 + 49.0) / 3, abs=0.005)  # net of the return
    assert stats["avg_order_value"] == pytest.approx(103.48 / 4, abs=0.005)
    assert stats["avg_days_since_last_order"] == 143  # (141 + 116 + 172) / 3 days before 2024-06-25
    assert stats["share_of_members"] == 50.0
    assert stats["avg_churn_probability"] == 70.0 and stats["all_avg_churn_probability"] == 45.0
    assert stats["avg_clv"] == 200.0 and stats["all_avg_clv"] == 120.0
    assert [p.name for p in facts.products] == ["Copper Watering Can", "Garden Kneeler"]  # postage is no product
    assert facts.churn_reasons[0] == "long gap since the last order" and len(facts.churn_reasons) == 3
    assert "Why they may leave: long gap since the last order" in facts.to_prompt()
    assert facts.forbidden_names == {"Alice", "Smithson", "Bob", "=cmd|' /C calc'!A0", "Carol", "Baker"}
    prompt = facts.to_prompt()
    for member in MEMBERS:
        for value in member[1:]:
            assert value is None or value not in prompt


def test_member_ids_work_without_predictions(tmp_path: Path) -> None:
    bare = _make_workspace(tmp_path / "bare", predictions=False)
    with pytest.raises(ModelNotReadyError, match="memberinsight build"):
        segment_member_ids(bare, "At Risk")
    facts = build_fact_sheet(bare, member_ids=["M3", "M4"])
    assert facts.segment == "Selected members" and facts.audience_size == 2
    assert facts.stat("avg_clv") is None and facts.stat("avg_spend") == pytest.approx((129.9 + 98.0) / 2)
    with pytest.raises(NotFoundError):
        build_fact_sheet(bare, member_ids=["nope"])
    with pytest.raises(DataValidationError, match="empty"):
        build_fact_sheet(bare, member_ids=[])


def test_audience_export(ws, tmp_path: Path) -> None:
    out = tmp_path / "audience.csv"
    report = export_audience(ws, ["M1", "M2", "M6", "M99"], out)
    assert (report.requested, report.written, report.without_contact, report.not_found) == (4, 2, 1, 1)
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    assert [(r["email"], r["first_name"], r["member_id"]) for r in rows] == [
        ("alice@example.com", "Alice", "M1"), ("bob@example.com", "Bob", "M2")]
    assert rows[1]["last_name"].startswith("'=")  # spreadsheet formula defused
    assert rows[0]["phone"] == "+44 7700 900001"
    sms = export_audience(ws, ["M1", "M2", "M6"], tmp_path / "sms.csv", channel="sms")
    assert (sms.written, sms.without_contact) == (2, 1)
    assert "alice" not in repr(report).lower()
    with pytest.raises(DataValidationError, match="channel"):
        export_audience(ws, ["M1"], tmp_path / "x.csv", channel="fax")


def test_generate_campaign_is_grounded_and_audited(ws) -> None:
    result = generate_campaign(ws, segment="At Risk", channel="sms", offer="15% off", n_variants=2, use_llm=False,
                               user="tester")
    assert result.play == "win_back" and result.passed and len(result.variants) == 2
    assert all("15% off" in v.text for v in result.variants)
    assert result.facts["avg_clv"] == 200.0 and result.facts["audience_size"] == 3
    with ws.operations() as con:
        row = con.execute("SELECT actor, action, object_id, detail FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    assert (row["actor"], row["action"], row["object_id"]) == ("tester", "campaign_copy", "At Risk")
    assert "Alice" not in row["detail"] and "alice@" not in row["detail"]
    suggestion = suggest_campaign(ws, segment="Champions", use_llm=False)
    # these Champions ordered in the last fortnight: ask for a review before selling again
    assert suggestion.play == "review_request" and suggestion.passed and suggestion.offer == ""


def test_cli_commands(ws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from memberinsight.cli import app

    monkeypatch.setenv("MEMBERINSIGHT_CAMPAIGNS_DIRECT_EXPORT", "true")  # export-audience bypasses approval: opt in
    runner = CliRunner()
    res = runner.invoke(app, ["copy", "--segment", "At Risk", "--offer", "15% off", "--channel", "sms",
                              "--variants", "2", "--no-llm", "--json", "-w", str(ws.path)])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["passed"] and len(data["variants"]) == 2
    assert data["variants"][0]["pieces"][0]["report"]["checks"]
    out = tmp_path / "cli.csv"
    res = runner.invoke(app, ["export-audience", "--segment", "At Risk", "--out", str(out), "--reason", "win-back test",
                              "-w", str(ws.path)])
    assert res.exit_code == 0 and "Wrote 2 rows" in res.output and "alice" not in res.output.lower()
    assert out.read_text(encoding="utf-8").startswith(",".join(EXPORT_COLUMNS))
    ids = tmp_path / "ids.txt"
    ids.write_text("M3\nM4\n", encoding="utf-8")
    res = runner.invoke(app, ["suggest", "--members", str(ids), "--no-llm", "--json", "-w", str(ws.path)])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["facts"]["audience_size"] == 2
    res = runner.invoke(app, ["copy", "--offer", "15% off", "--no-llm", "-w", str(ws.path)])
    assert res.exit_code != 0 and "--segment" in res.output


def test_saved_segments_resolve_like_rfm_segments(tmp_path: Path) -> None:
    from memberinsight.segments import save_segment

    ws = _make_workspace(tmp_path / "saved")
    save_segment(ws, "Very likely to leave", {"where": {"field": "churn_probability", "op": ">=", "value": 0.7}},
                 owner="tester")
    assert segment_member_ids(ws, "Very likely to leave") == ["M1", "M2"]
    facts = build_fact_sheet(ws, "Very likely to leave", offer="15% off")
    assert facts.segment == "Very likely to leave" and facts.audience_size == 2
    assert facts.stat("avg_churn_probability") == 75.0 and facts.stat("avg_clv") == 150.0
    assert facts.segment_description  # the saved definition in words
    result = generate_campaign(ws, segment="Very likely to leave", channel="push", offer="15% off", n_variants=1,
                               use_llm=False)
    assert result.passed and result.facts["audience_size"] == 2
    with pytest.raises(NotFoundError, match="Very likely to leave"):
        segment_member_ids(ws, "Nobody at all")


def test_fallback_products_and_forecasts_without_built_models(ws) -> None:
    facts = build_fact_sheet(ws, "At Risk", offer="15% off")
    # No recommenders in this hand-made workspace: the audience's best sellers instead.
    assert all(p.reason == "popular with this audience" for p in facts.products)
    forecasts = {f.key: f.value for f in facts.forecasts}
    assert forecasts["total_predicted_value"] == 600.0  # 200 + 100 + 300 over the three members
    # The demand forecast of the best sellers' category comes from the models package.
    from memberinsight.models import category_forecast

    fc = category_forecast(ws, "Garden", weeks=4)
    assert forecasts["forecast_category_units"] == round(sum(p.units for p in fc.points[:4]))
    assert forecasts["forecast_category_revenue"] == pytest.approx(sum(p.revenue for p in fc.points[:4]), abs=0.01)
    assert "Forecast Garden revenue in the next 4 weeks" in facts.to_prompt()
    # Forecasts are for the rationale, not for customers.
    revenue = f"£{forecasts['forecast_category_revenue']:,.2f}"
    assert not check_copy(f"Acme: Garden sales of {revenue} expected, 15% off. Reply STOP", facts, "sms").passed
    assert check_copy(f"Garden sales of {revenue} are expected over the next 4 weeks.", facts, "rationale").passed
    single = build_member_fact_sheet(ws, "M1", offer="15% off")
    assert single.segment == "One member" and single.audience_size == 1
    assert single.stat("avg_spend") == pytest.approx(37.49, abs=0.005)
    assert "Alice" not in single.to_prompt() and single.forbidden_names == {"Alice", "Smithson"}


@pytest.mark.slow
def test_fact_sheets_use_the_models_of_a_built_workspace(built_workspace) -> None:
    """Recommended products are the next-best-offer model's, forecasts the demand model's; one member's
    sheet is their profile without personal fields."""
    from memberinsight.models import category_forecast, member_profile, segment_summary
    from memberinsight.models.recommenders import next_best_offer, recommend_products

    ws = built_workspace
    segment = next(s.segment for s in segment_summary(ws) if s.segment == "At Risk" or s.members >= 20)
    ids = segment_member_ids(ws, segment)
    facts = build_fact_sheet(ws, segment, offer="15% off")
    nbo = next_best_offer(ws, member_ids=ids, n_products=3)
    assert nbo.products and [p.name for p in facts.products][:len(nbo.products)] == [p.title for p in nbo.products]
    assert all(p.reason.startswith(("recommended to many", "often bought together")) for p in facts.products)
    forecasts = {f.key: f.value for f in facts.forecasts}
    fc = category_forecast(ws, nbo.category, weeks=4)
    assert forecasts["forecast_category_units"] == round(sum(p.units for p in fc.points[:4]))
    assert forecasts["forecast_category_revenue"] == pytest.approx(sum(p.revenue for p in fc.points[:4]), abs=0.01)
    assert forecasts["total_expected_orders"] > 0 and forecasts["avg_expected_orders"] > 0

    member = ids[0]
    profile = member_profile(ws, member)
    sheet = build_member_fact_sheet(ws, member, offer="15% off")
    assert sheet.audience_size == 1 and sheet.segment == f"One member ({profile.rfm_segment})"
    assert sheet.member_profile["segment"] == profile.rfm_segment
    assert sheet.member_profile["favourite_categories"] == ", ".join(c.category for c in profile.favourite_categories)
    assert sheet.churn_reasons == tuple(profile.churn_reasons[:3])
    assert sheet.stat("avg_churn_probability") == round(100 * profile.churn_probability, 1)
    assert sheet.stat("avg_clv") == round(profile.predicted_clv_365d, 2) and sheet.stat("all_avg_clv") is not None
    assert [p.name for p in sheet.products] == [r.title for r in recommend_products(ws, member, k=3)]
    prompt = sheet.to_prompt()
    personal = member_profile(ws, member, include_personal=True).personal or {}
    assert personal.get("email") and personal["email"] not in prompt
    assert f"{personal.get('first_name')} {personal.get('last_name')}" not in prompt
    assert "Member favourite categories:" in prompt and member not in prompt
    # Customer copy may not quote the member's own figures.
    churn = f"{sheet.stat('avg_churn_probability'):g}%"
    assert not check_copy(f"{{first_name}}, your churn risk is {churn}: 15% off", sheet, "push").passed
    result = generate_campaign(ws, member_id=member, channel="sms", offer="15% off", n_variants=1, use_llm=False)
    assert result.passed and result.facts["audience_size"] == 1 and result.segment == sheet.segment


def test_cli_copy_for_one_member(ws) -> None:
    from memberinsight.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["copy", "--member", "M1", "--offer", "15% off", "--channel", "push", "--variants", "1",
                              "--no-llm", "--json", "-w", str(ws.path)])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["passed"] and data["facts"]["audience_size"] == 1 and data["segment"] == "One member"
    assert "Alice" not in res.output and "alice@" not in res.output
    res = runner.invoke(app, ["suggest", "--member", "M1", "--segment", "At Risk", "--no-llm", "-w", str(ws.path)])
    assert res.exit_code != 0 and "only one of" in res.output
