"""The app shows predictions with their 80% intervals (Segments and Member tabs) and, in the Data tab,
which model ships for each prediction and for the recommender, in one plain line each (issue 17)."""

from __future__ import annotations

import re

import pytest

from memberinsight.ui import callbacks as cb

pytestmark = pytest.mark.slow
RANGE = re.compile(r"^about £?[\d,.]+ \(80%: £?[\d,.]+\u2013£?[\d,.]+\)$")


def test_segments_tab_shows_expected_totals_with_intervals(ui_services) -> None:
    message, summary, *_, clusters, _chart = cb.load_segments(ui_services)
    table = getattr(summary, "data", summary)  # a Styler over the raw frame, or the frame
    columns = [str(c) for c in table.columns]
    value = next(c for c in columns if "value next 12 months" in c)
    purchases = next(c for c in columns if "purchases next 90 days" in c)
    champions = table[table[columns[0]] == "Champions"].iloc[0]
    assert RANGE.match(champions[value]) and champions[value].startswith("about £"), champions[value]
    assert RANGE.match(champions[purchases]) and "£" not in champions[purchases]
    nobody = table[table[columns[0]] == "No Purchases Yet"]
    assert nobody.empty or nobody.iloc[0][value] in ("", None) or nobody.iloc[0][value] != nobody.iloc[0][value]
    assert "⚠️" not in message  # everything could be built on the demo shop
    cluster_table = getattr(clusters, "data", clusters)
    assert any("value next 12 months" in str(c) for c in cluster_table.columns)


def test_member_tab_gives_the_outlook_with_intervals(ui_services, ui_workspace) -> None:
    with ui_workspace.analytics(read_only=True) as con:
        member = con.execute("SELECT member_id FROM member_predictions WHERE enough_history AND "
                             "expected_orders_90d >= 0.6 ORDER BY member_id LIMIT 1").fetchone()[0]
    text, _ = cb.lookup_member(ui_services, member)
    since = r" \(from \d{1,2} \w{3} \d{4}, the last day of data\)"  # the outlook says which day it counts from
    assert re.search(r"- \*\*next 90 days\*\*" + since + r": expected to buy about \w+( times)? \(80%: \d+\u2013\d+\); "
                     r"spend about £", text)
    assert re.search(r"- \*\*next 12 months\*\*" + since + r": .*predicted value about £[\d,]+ \(80%: £", text)


def test_data_tab_names_the_shipped_model_of_every_prediction(ui_services) -> None:
    text, _, _ = cb.data_overview(ui_services)
    section = text.split("**Models in use**", 1)[1]
    for head in ("- Churn: ", "- Purchases: ", "- Spend / CLV: ", "- Demand: ", "- Recommender: "):
        assert head in section, head
    assert "chosen on this shop's holdout" in section and "worse (" in section and "95% CI" in section
    assert "Not available on this shop" not in section
