"""A member's outlook in plain words: expected purchases, next order, singular and plural, no raw None."""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import pytest
from typer.testing import CliRunner

from memberinsight.cli import app
from memberinsight.models.build_predictions import next_order_dates
from memberinsight.models.wording import next_order_text, plural, purchase_outlook, reason_text

runner = CliRunner()
AS_OF = date(2026, 9, 30)


def test_purchase_outlook_in_words():
    assert purchase_outlook(0.04) == "not expected to buy in the next 90 days"
    assert purchase_outlook(0.3) == "unlikely to buy in the next 90 days"
    assert purchase_outlook(1.2) == "expected to buy about once in the next 90 days"
    assert purchase_outlook(2.4) == "expected to buy about twice in the next 90 days"
    assert purchase_outlook(0.5) == "expected to buy about once in the next 90 days"  # not "about 0 times"
    assert purchase_outlook(2.5) == "expected to buy about 3 times in the next 90 days"
    assert purchase_outlook(3.6, 365) == "expected to buy about 4 times in the next year"
    assert purchase_outlook(None) == "no purchase forecast yet"
    assert purchase_outlook(None, has_orders=False) == "no purchase forecast: no orders yet"
    assert purchase_outlook(float("nan")) == "no purchase forecast yet"


def test_next_order_in_words_and_plurals():
    # counted from the last day of data (AS_OF), and saying so: the app is read on a later day than that
    none = "next order not expected in the 90 days after the last day of data (30 Sep 2026)"
    assert next_order_text(None, AS_OF) == none
    assert next_order_text(AS_OF + timedelta(days=100), AS_OF) == none
    assert next_order_text(AS_OF + timedelta(days=14), AS_OF) == \
        "next order expected around 14 Oct 2026 (about 2 weeks after the last day of data, 30 Sep 2026)"
    assert next_order_text(AS_OF + timedelta(days=7), AS_OF).endswith("(about a week after the last day of data, "
                                                                       "30 Sep 2026)")
    assert next_order_text(AS_OF + timedelta(days=2), AS_OF).endswith("(within a few days of the last day of data, "
                                                                       "30 Sep 2026)")
    assert next_order_text(AS_OF + timedelta(days=90), AS_OF) == \
        "next order expected around 29 Dec 2026 (about 3 months after the last day of data, 30 Sep 2026)"
    assert (plural(1, "unit"), plural(3, "unit"), plural(1.5, "day")) == ("1 unit", "3 units", "1.5 days")


def test_churn_reasons_read_as_figures_for_people():
    assert reason_text("spend_365d", 686.0, True) == "spend in the last year: £686.00 (raises risk)"
    assert reason_text("monetary", 1234.5, False) == "net spend: £1,234 (lowers risk)"
    assert reason_text("overdue_ratio", 0.02, True) == "silent for less than their usual gap between orders (raises risk)"
    assert reason_text("overdue_ratio", 1.01, True) == "silent for about their usual gap between orders (raises risk)"
    assert reason_text("overdue_ratio", 2.46, True) == "silent for 2.5× their usual gap between orders (raises risk)"
    assert reason_text("bg_p_alive", 0.71, True) == "only a 71% statistical chance of still being active (raises risk)"
    assert reason_text("bg_p_alive", 0.93, False) == "93% statistical chance of still being active (lowers risk)"


def test_next_order_dates_agree_with_the_expected_purchases():
    due = np.array([10.0, 200.0, np.nan, 5.0, np.nan])
    e90 = np.array([1.2, 0.8, 2.0, 0.3, 0.01])
    dates = next_order_dates(AS_OF, due, e90)
    assert dates[0] == AS_OF + timedelta(days=10)  # due by their usual gap
    assert AS_OF < dates[1] <= AS_OF + timedelta(days=90)  # about once expected: inside the 90 days
    assert dates[2] == AS_OF + timedelta(days=31)  # median wait at two purchases per 90 days
    assert dates[3] > AS_OF + timedelta(days=90)  # unlikely to buy: beyond the window
    assert dates[4] is None


@pytest.mark.slow
def test_profile_reads_in_plain_words(built_workspace):
    with built_workspace.analytics(read_only=True) as con:
        active = con.execute("""SELECT member_id FROM member_predictions WHERE expected_orders_90d >= 1.5
                                ORDER BY member_id LIMIT 1""").fetchall()[0][0]
        idle = con.execute("""SELECT member_id FROM member_predictions WHERE expected_orders_90d < 0.05
                              ORDER BY member_id LIMIT 1""").fetchall()[0][0]
        never = con.execute("""SELECT member_id FROM member_features WHERE frequency = 0
                               ORDER BY member_id LIMIT 1""").fetchall()[0][0]
    shown = {m: runner.invoke(app, ["profile", m, "-w", str(built_workspace.path)]) for m in (active, idle, never)}
    for result in shown.values():
        assert result.exit_code == 0, result.output
        assert "None" not in result.stdout and " 1 units" not in result.stdout, result.stdout
    assert "Outlook: expected to buy about" in shown[active].stdout
    assert "next order expected around" in shown[active].stdout
    assert "Outlook: not expected to buy in the next 90 days" in shown[idle].stdout
    assert "no purchase forecast: no orders yet" in shown[never].stdout
    data = json.loads(runner.invoke(app, ["profile", active, "-w", str(built_workspace.path), "--json"]).stdout)
    assert data["purchase_outlook"].startswith("expected to buy about")
    due = date.fromisoformat(data["expected_next_order_date"])
    assert date.fromisoformat(data["as_of"]) < due <= date.fromisoformat(data["as_of"]) + timedelta(days=90)
