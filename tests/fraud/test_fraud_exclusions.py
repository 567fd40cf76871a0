"""Clean business figures: confirmed-fraud accounts and orders leave features, segments, demand and the
recommenders' counts (setting ``fraud.exclude_confirmed``), every report says how many, raw orders stay."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from memberinsight.cli import app
from memberinsight.config import load_settings
from memberinsight.fraud import decide, exclusion_status, get_item
from memberinsight.fraud.combine import Scored
from memberinsight.fraud.queue import write_scores
from memberinsight.models import segment_summary
from memberinsight.models.demand import week_start, weekly_series
from memberinsight.models.recommenders import load_interactions
from memberinsight.pipeline import build
from memberinsight.segments.compiler import segment_size
from tests.conftest import copy_workspace

runner = CliRunner()
ENV = "MEMBERINSIGHT_FRAUD_EXCLUDE_CONFIRMED"
PURCHASE = "NOT coalesce(o.is_return, false) AND o.quantity > 0"


def _pick(ws: Any) -> dict[str, Any]:
    """The busiest member M (the account to confirm), and an order O of another member N that is N's only
    order in its single category C and N's only order of each of its products (so the drops are exact)."""
    with ws.analytics(read_only=True) as con:
        member = con.execute(f"""SELECT o.member_id FROM orders o WHERE o.member_id IS NOT NULL AND {PURCHASE}
                                 GROUP BY 1 ORDER BY count(DISTINCT o.order_id) DESC, 1 LIMIT 1""").fetchone()[0]
        order, buyer, category = con.execute(f"""
            WITH l AS (SELECT o.order_id, o.member_id, o.product_id, p.category FROM orders o
                       JOIN products p USING (product_id)
                       WHERE o.member_id IS NOT NULL AND o.member_id <> $m AND {PURCHASE}
                         AND coalesce(p.is_product, true)),
            one AS (SELECT order_id, any_value(member_id) AS member_id, any_value(category) AS category FROM l
                    GROUP BY 1 HAVING count(DISTINCT category) = 1)
            SELECT one.order_id, one.member_id, one.category FROM one
            WHERE NOT EXISTS (SELECT 1 FROM l WHERE l.member_id = one.member_id AND l.order_id <> one.order_id
                                AND (l.category = one.category
                                     OR l.product_id IN (SELECT product_id FROM l k WHERE k.order_id = one.order_id)))
              AND (SELECT count(DISTINCT order_id) FROM l WHERE l.member_id = one.member_id) >= 3
              AND NOT EXISTS (SELECT 1 FROM orders r WHERE r.member_id = one.member_id
                                AND (coalesce(r.is_return, false) OR r.quantity < 0)
                                AND r.product_id IN (SELECT product_id FROM l k WHERE k.order_id = one.order_id))
            ORDER BY 1 LIMIT 1""", {"m": member}).fetchone()
        lines = con.execute("SELECT count(*) FROM orders WHERE member_id = $m OR order_id = $o",
                            {"m": member, "o": order}).fetchone()[0]
        member_orders = con.execute("SELECT count(DISTINCT order_id) FROM orders WHERE member_id = $m",
                                    {"m": member}).fetchone()[0]
        m_in_category = con.execute(f"""SELECT count(*) > 0 FROM orders o JOIN products p USING (product_id)
                                        WHERE o.member_id = $m AND p.category = $c AND {PURCHASE}""",
                                    {"m": member, "c": category}).fetchone()[0]
        day, last = con.execute("SELECT (SELECT min(ordered_at)::DATE FROM orders WHERE order_id = $o), "
                                "(SELECT max(ordered_at)::DATE FROM orders)", {"o": order}).fetchone()
        week = week_start(day, last)  # the demand series' week (counted back from the last day of data)
        units = con.execute(f"""SELECT coalesce(sum(o.quantity), 0) FROM orders o JOIN products p USING (product_id)
                                WHERE (o.member_id = $m OR o.order_id = $o) AND p.category = $c AND {PURCHASE}
                                  AND coalesce(p.is_product, true)
                                  AND CAST(o.ordered_at AS DATE) BETWEEN $w AND $w + 6""",
                            {"m": member, "o": order, "c": category, "w": week}).fetchone()[0]
    return {"member": member, "order": order, "buyer": buyer, "category": category, "lines": lines,
            "member_orders": member_orders, "m_in_category": bool(m_in_category), "week": week, "units": units}


def _figures(ws: Any, pick: dict[str, Any]) -> dict[str, Any]:
    """Business figures the exclusion must move: features, segment counts, category demand, recommenders."""
    with ws.analytics(read_only=True) as con:
        features = con.execute("SELECT * FROM member_features ORDER BY member_id").df()
        series = weekly_series(con)
        raw_lines = con.execute("SELECT count(*) FROM orders").fetchone()[0]
    week = series[(series["category"] == pick["category"]) & (series["week_start"] == pd.Timestamp(pick["week"]))]
    inter = load_interactions(ws)
    buyers = dict(zip(inter.product_ids, inter.buyers.tolist(), strict=True))
    return {"features": features, "raw_lines": raw_lines,
            "rfm_members": sum(s.members for s in segment_summary(ws)),
            "category_buyers": segment_size(ws, {"version": 1, "where": {"all": [
                {"field": "orders", "category": [pick["category"]], "op": ">=", "value": 1}]}}),
            "category_week_units": float(week["units"].sum()), "interaction_members": inter.member_ids,
            "interaction_lines": inter.stats["lines"], "buyers": buyers, "inter": inter}


def _rebuild(ws: Any) -> dict[str, Any]:
    report = build(ws, load_settings(workspace=ws.path), only=["features", "segments"])
    assert [s.status for s in report.steps] == ["ok", "ok"], report.text()
    return report.steps[0].summary


@pytest.fixture(scope="module")
def shop(built_workspace: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A private copy of the built demo with one account and one order confirmed as fraud (not rebuilt yet)."""
    ws = copy_workspace(built_workspace, tmp_path_factory.mktemp("exclusions") / "workspace")
    pick = _pick(ws)
    before = _figures(ws, pick)
    write_scores(ws, [Scored("account", pick["member"], pick["member"], 0.95),
                      Scored("order", pick["order"], pick["buyer"], 0.95)], [], queue_min_risk=0.5)
    for item_id in (f"account:{pick['member']}", f"order:{pick['order']}"):
        decide(ws, item_id, "confirm", user="alice", version=get_item(ws, item_id).version, note="test")
    return {"ws": ws, "pick": pick, "before": before}


def test_confirmed_fraud_leaves_business_figures_and_every_report_says_so(shop: dict[str, Any],
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    ws, pick, before = shop["ws"], shop["pick"], shop["before"]
    monkeypatch.delenv(ENV, raising=False)
    waiting = exclusion_status(ws)  # decided, not built yet: the figures still count them, and say so
    assert (waiting.orders, waiting.accounts, waiting.pending) == (0, 0, 2)
    assert "2 fraud decisions made since the last build take effect at the next" in waiting.note

    summary = _rebuild(ws)["fraud_exclusions"]
    assert summary["orders"] == 1 and summary["accounts"] == 1 and summary["excluded"] is True
    assert summary["orders_left_out"] == pick["member_orders"] + 1 and summary["members_left_out"] == 1
    assert summary["lines_left_out"] == pick["lines"] and summary["pending"] == 0
    assert summary["note"].startswith("1 order and 1 account confirmed as fraud are left out of business figures")
    after = _figures(ws, pick)

    feats = after["features"].set_index("member_id")
    assert pick["member"] not in feats.index and len(feats) == len(before["features"]) - 1
    buyer_before = before["features"].set_index("member_id").loc[pick["buyer"]]
    assert feats.loc[pick["buyer"], "frequency"] == buyer_before["frequency"] - 1  # O no longer counts
    assert after["rfm_members"] == before["rfm_members"] - 1
    assert after["category_buyers"] == before["category_buyers"] - 1 - pick["m_in_category"]
    assert after["category_week_units"] == pytest.approx(before["category_week_units"] - pick["units"])
    assert pick["units"] > 0

    assert pick["member"] in before["interaction_members"] and pick["member"] not in after["interaction_members"]
    assert after["interaction_lines"] < before["interaction_lines"]
    inter, member_row = before["inter"], before["interaction_members"].index(pick["member"])
    buyer_row = before["interaction_members"].index(pick["buyer"])
    for product in _order_products(ws, pick["order"]):
        col = inter.product_ids.index(product)
        gone = int(inter.confidence[member_row, col] > 0) + int(inter.confidence[buyer_row, col] > 0)
        assert after["buyers"][product] == before["buyers"][product] - gone >= 0, product
    assert sum(after["buyers"].values()) < sum(before["buyers"].values())
    assert after["raw_lines"] == before["raw_lines"]  # nothing deleted

    status = json.loads(_cli("status", "--json", "-w", str(ws.path)))
    assert status["fraud_exclusions"]["accounts"] == 1 and status["tables"]["orders"] == before["raw_lines"]
    assert "1 order and 1 account confirmed as fraud are left out" in _cli("segments", "-w", str(ws.path))
    assert "left out of business figures" in _cli("analytics-models", "-w", str(ws.path))

    monkeypatch.setenv(ENV, "false")  # the setting off: every figure is back
    assert "changed since the last build" in exclusion_status(ws).note
    off = _rebuild(ws)["fraud_exclusions"]
    assert off["excluded"] is False and off["orders_left_out"] == 0 and "setting fraud.exclude_confirmed is off" in off["note"]
    back = _figures(ws, pick)
    pd.testing.assert_frame_equal(back["features"], before["features"], check_exact=False, rtol=1e-9)
    assert back["category_week_units"] == pytest.approx(before["category_week_units"])
    for key in ("rfm_members", "category_buyers", "interaction_lines", "buyers", "interaction_members"):
        assert back[key] == before[key], key


def test_the_clean_relations_are_one_rule_over_raw_tables(tmp_path: Path) -> None:
    """A fresh workspace has the views; confirmed ids drop their rows (and a confirmed order's later return of
    its goods by the same member), and nothing else."""
    from memberinsight.workspace import Workspace
    from memberinsight.workspace.clean import applied_exclusions, write_exclusions

    ws = Workspace.create(tmp_path / "ws")
    with ws.analytics() as con:
        con.executemany("INSERT INTO members (member_id) VALUES (?)", [("A",), ("B",), ("C",)])
        con.executemany("INSERT INTO orders (order_id, line_no, member_id, product_id, quantity, unit_price, "
                        "ordered_at) VALUES (?, ?, ?, ?, ?, 1.0, ?)",
                        [("1", 1, "A", "P", 1, "2026-01-01"), ("1", 2, "A", "Q", 1, "2026-01-01"),
                         ("2", 1, "B", "P", 5, "2026-01-02"), ("C2", 1, "B", "P", -5, "2026-01-03"),
                         ("C2", 2, "B", "Q", -1, "2026-01-03"), ("C0", 1, "B", "P", -1, "2026-01-01"),
                         ("3", 1, "C", "P", 1, "2026-01-04"), ("4", 1, None, "P", 1, "2026-01-04")])
        assert applied_exclusions(con).orders_left_out == 0
        confirmed = [("account", "A", None), ("order", "2", None), ("order", "4", None)]
        write_exclusions(con, confirmed, excluded=True)
        # C2 line 1 returns order 2's P: it goes too; B's return of Q and the earlier C0 stay
        assert con.execute("SELECT * FROM fraud_excluded_returns").fetchall() == [("C2", 1)]
        kept = con.execute("SELECT order_id, line_no FROM clean_orders ORDER BY 1, 2").fetchall()
        assert kept == [("3", 1), ("C0", 1), ("C2", 2)]
        assert [r[0] for r in con.execute("SELECT member_id FROM clean_members ORDER BY 1").fetchall()] == ["B", "C"]
        counts = applied_exclusions(con)
        write_exclusions(con, confirmed, excluded=False)  # the setting off: listed, nothing left out
        off = applied_exclusions(con)
        assert con.execute("SELECT count(*) FROM clean_orders").fetchall() == [(8,)]
    assert (counts.orders_left_out, counts.lines_left_out, counts.members_left_out) == (3, 5, 1)
    assert (counts.orders, counts.accounts, counts.excluded) == (2, 1, True)
    assert (off.orders, off.accounts, off.excluded, off.orders_left_out, off.members_left_out) == (2, 1, False, 0, 0)


def _order_products(ws: Any, order_id: str) -> list[str]:
    with ws.analytics(read_only=True) as con:
        return [r[0] for r in con.execute("SELECT DISTINCT product_id FROM orders WHERE order_id = $o",
                                          {"o": order_id}).fetchall()]


def _cli(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_setting_reads_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "0")
    assert load_settings().fraud_exclude_confirmed is False
    monkeypatch.delenv(ENV)
    assert load_settings().fraud_exclude_confirmed is True
