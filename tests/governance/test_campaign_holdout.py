"""Holdout groups and results: a reproducible split, a control group that never reaches the export, and
an uplift that matches a hand computation on orders inserted after the send."""

from __future__ import annotations

import csv
import math
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from scipy import stats

from memberinsight.errors import DataValidationError
from memberinsight.governance.campaigns import (
    campaign_audience,
    export_campaign,
    get_campaign,
    get_results,
    import_results,
)
from memberinsight.governance.holdout import split_holdout
from memberinsight.governance.results import proportion_uplift
from memberinsight.segments import segment_member_ids
from tests.governance.campaign_setup import SEGMENT, add_accounts, campaign_in

IDS = [f"M{i:05d}" for i in range(1, 1001)]


def test_the_split_is_reproducible_and_sized_by_the_percentage() -> None:
    treatment, control = split_holdout("C0007", IDS, 20)
    assert len(control) == 200 and len(treatment) == 800 and not set(control) & set(treatment)
    assert sorted(treatment + control) == IDS
    again = split_holdout("C0007", list(reversed(IDS)) + IDS[:10], 20.0)  # order and duplicates do not matter
    assert again == (treatment, control)
    other = split_holdout("C0008", IDS, 20)[1]
    assert len(other) == 200 and len(set(other) & set(control)) < 80  # another campaign, another random group
    assert split_holdout("C0007", IDS, 0) == (IDS, [])
    assert len(split_holdout("C0007", IDS[:7], 10)[1]) == 1  # round(0.7)
    assert len(split_holdout("C0007", IDS, 50)[1]) == 500
    with pytest.raises(DataValidationError, match="between 0 and 50"):
        split_holdout("C0007", IDS, 50.5)
    # about half of any 100 ids land in a 50% control group: the hash order is not the id order
    assert 35 <= sum(int(m[1:]) <= 100 for m in split_holdout("C0007", IDS, 50)[1]) <= 65


def _exported_ids(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [row["member_id"] for row in csv.DictReader(fh)]


def test_the_control_group_never_appears_in_the_export(workspace_copy) -> None:
    ws = workspace_copy
    add_accounts(ws)
    c = campaign_in(ws, "approved", holdout_pct=25)
    groups = campaign_audience(ws, c.campaign_id)
    members = segment_member_ids(ws, SEGMENT)
    assert len(groups["control"]) == round(len(members) * 0.25)
    assert (groups["treatment"], groups["control"]) == split_holdout(c.campaign_id, members, 25)
    first = export_campaign(ws, c.campaign_id, actor="bob", reason="spring send")
    exported = _exported_ids(first.path)
    assert first.held_out == len(groups["control"]) and first.written == len(exported) > 0
    assert not set(exported) & set(groups["control"])
    assert set(exported) <= set(groups["treatment"])
    assert first.written + sum(first.left_out.values()) == len(groups["treatment"])
    again = export_campaign(ws, c.campaign_id, actor="bob", reason="resend")
    assert again.path != first.path and _exported_ids(again.path) == exported  # the frozen audience
    assert get_campaign(ws, c.campaign_id).state == "exported"


def _insert_orders(ws, rows: list[tuple[str, str, float, datetime, int]]) -> None:
    with ws.analytics() as con:
        product = con.execute("SELECT min(product_id) FROM products").fetchone()[0]
        for n, (order_id, member, price, at, qty) in enumerate(rows, start=1):
            con.execute("INSERT INTO orders (order_id, line_no, member_id, product_id, quantity, unit_price, "
                        "ordered_at, is_return) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [order_id, n, member, product, qty, price, at, qty < 0])


def test_results_uplift_matches_a_hand_computation(workspace_copy) -> None:
    ws = workspace_copy
    add_accounts(ws)
    c = campaign_in(ws, "exported", holdout_pct=30)
    groups = campaign_audience(ws, c.campaign_id)
    treated, control = groups["treatment"], groups["control"]
    sent = datetime.strptime(str(get_campaign(ws, c.campaign_id).exported_at), "%Y-%m-%dT%H:%M:%S.%fZ")
    day = timedelta(days=1)
    buyers_t, buyers_c = treated[:40], control[:5]
    rows = [(f"T{i}", m, 50.0 + i, sent + 2 * day, 1) for i, m in enumerate(buyers_t)]
    rows += [(f"C{i}", m, 30.0, sent + 3 * day, 2) for i, m in enumerate(buyers_c)]
    rows += [("T-RET", buyers_t[0], 20.0, sent + 4 * day, -1)]  # a return: revenue down, still a buyer
    rows += [("T-OLD", treated[50], 80.0, sent - day, 1), ("T-LATE", treated[51], 80.0, sent + 20 * day, 1),
             ("C-LATE", control[10], 80.0, sent + 15 * day, 1)]  # outside the 14-day window
    _insert_orders(ws, rows)

    r = import_results(ws, c.campaign_id, actor="alice", days=14)
    n_t, n_c = len(treated), len(control)
    revenue_t = sum(50.0 + i for i in range(40)) - 20.0
    revenue_c = 5 * 60.0
    assert (r.treated, r.control, r.treated_buyers, r.control_buyers) == (n_t, n_c, 40, 5)
    assert r.treated_revenue == pytest.approx(revenue_t) and r.control_revenue == pytest.approx(revenue_c)
    p_t, p_c = 40 / n_t, 5 / n_c
    se = math.sqrt(p_t * (1 - p_t) / n_t + p_c * (1 - p_c) / n_c)
    assert r.conversion_uplift == pytest.approx((p_t - p_c) * 100)
    assert r.conversion_uplift_ci == pytest.approx(((p_t - p_c - 1.96 * se) * 100, (p_t - p_c + 1.96 * se) * 100),
                                                   abs=1e-3)
    per_t = [50.0 + i for i in range(40)] + [0.0] * (n_t - 40)
    per_t[0] -= 20.0
    per_c = [60.0] * 5 + [0.0] * (n_c - 5)
    assert r.revenue_per_member_uplift == pytest.approx(revenue_t / n_t - revenue_c / n_c)
    welch = stats.ttest_ind(per_t, per_c, equal_var=False).confidence_interval(0.95)
    assert r.revenue_per_member_uplift_ci == pytest.approx((welch.low, welch.high))
    assert r.conversion_uplift_ci is not None
    verdict = "not significant" if r.conversion_uplift_ci[0] <= 0 <= r.conversion_uplift_ci[1] else "significant"
    assert f"Conversion uplift: {r.conversion_uplift:+,.2f} pp" in r.summary() and verdict in r.summary()
    assert "window still open" in r.summary()
    assert get_results(ws, c.campaign_id) == r and get_campaign(ws, c.campaign_id).state == "results_imported"


def test_an_interval_crossing_zero_says_not_significant() -> None:
    from memberinsight.governance.results import CampaignResults

    uplift = proportion_uplift(11, 100, 10, 100)
    assert uplift is not None and uplift[1][0] < 0 < uplift[1][1]
    r = CampaignResults("C0001", 100, 100, 11, 10, 500.0, 450.0, uplift[0], uplift[1], 0.5, (-3.0, 4.0), 30,
                        "2026-01-01T00:00:00", "2026-01-31T00:00:00")
    text = r.summary()
    assert "Conversion uplift: +1.00 pp" in text and text.count("not significant") == 2
    none = CampaignResults("C0002", 100, 0, 11, 0, 500.0, 0.0, None, None, None, None, 30, "2026-01-01", "")
    assert "No control group, so the uplift cannot be measured" in none.summary()
