"""Figures for people: currency, percentages, dates in words; the app's tables keep the numbers."""

from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd

from memberinsight.figures import (
    by_name,
    day,
    kind_of,
    label,
    moment,
    money,
    number,
    people_frame,
    ratio,
    share,
)


def test_money_shares_numbers_ratios() -> None:
    assert [money(284088.26), money(42.6), money(-5), money(None), money(float("nan"))] == \
        ["£284,088", "£42.60", "-£5.00", "-", "-"]
    assert [share(0.59), share(0.5862), share(0.021), share(1), share(None)] == ["59%", "58.6%", "2.1%", "100%", "-"]
    assert [number(1234), number(12.0), number(3.14159), number(0.5), number(True)] == \
        ["1,234", "12", "3.14", "0.5", "yes"]
    assert [ratio(23.7), ratio(0.456), ratio(math.inf), ratio(None)] == ["23.7×", "0.46×", "∞", "-"]


def test_dates_in_words() -> None:
    assert day(date(2026, 3, 31)) == "31 March 2026"
    assert day("2026-03-31T14:05:00Z") == "31 March 2026"
    assert day(date(2026, 3, 31), weekday=True) == "Tuesday 31 March 2026"
    assert day(pd.Timestamp("2025-01-06")) == "6 January 2025"
    assert day("not a date") == "not a date" and day(None) == "-"
    assert moment("2026-03-31T14:05:09") == "31 March 2026, 14:05"
    assert moment(datetime(2026, 3, 31, 9, 0)) == "31 March 2026, 09:00"


def test_columns_read_by_their_names() -> None:
    kinds = {n: kind_of(n) for n in ("revenue", "revenue_share", "mean_churn_probability", "median_avg_order_value",
                                     "members", "median_recency_days", "signup_date", "ordered_at", "generated_at",
                                     "predicted_rating", "p_alive")}
    assert kinds == {"revenue": "money", "revenue_share": "share", "mean_churn_probability": "share",
                     "median_avg_order_value": "money", "members": "number", "median_recency_days": "number",
                     "signup_date": "date", "ordered_at": "date", "generated_at": "date",
                     "predicted_rating": "number", "p_alive": "share"}
    assert [kind_of(n) for n in ("risk", "churn_risk", "value_at_risk", "review_id")] == \
        ["share", "share", "money", "text"]
    assert by_name("risk", 0.939) == "93.9%" and by_name("member_id", 12345) == "12345"
    assert label("median_recency_days") == "days since last order (median)" and label("lift") == "lift"
    assert by_name("clv_tier", "high") == "high" and by_name("revenue", None) == "-"


def test_people_frame_and_app_tables() -> None:
    from memberinsight.ui.tables import for_people

    raw = pd.DataFrame({"segment": ["Champions", "Lost"], "members": [300, 900], "revenue": [284088.26, 912.5],
                        "revenue_share": [0.59, 0.021]})
    assert people_frame(raw).to_dict("records") == [
        {"segment": "Champions", "members": "300", "revenue": "£284,088", "share of revenue": "59%"},
        {"segment": "Lost", "members": "900", "revenue": "£912.50", "share of revenue": "2.1%"}]
    styled = for_people(raw)
    assert list(styled.data.columns) == ["segment", "members", "revenue", "share of revenue"]
    assert styled.data["revenue"].tolist() == [284088.26, 912.5]  # the numbers stay (sorting, charts)
    body = styled._compute()._translate(None, None)["body"]
    assert [[c["display_value"] for c in row if c["type"] == "td"] for row in body] == [
        ["Champions", "300", "£284,088", "59%"], ["Lost", "900", "£912.50", "2.1%"]]
    assert for_people(raw.iloc[0:0]).empty
    both = for_people(pd.DataFrame({"segment": ["Lost"], "rfm_segment": ["Lost"], "risk": [0.939]}))
    assert list(both.data.columns) == ["segment", "rfm segment", "risk"]  # labels kept apart, never duplicated
    assert "93.9%" in both.to_html()
