"""The analytics build steps on the demo shop: tables, manifests, and the read-side API."""

from __future__ import annotations

import dataclasses
import json

import pytest

from memberinsight.errors import NotFoundError
from memberinsight.models import (
    PREDICTION_COLUMNS,
    ModelStore,
    at_risk_members,
    category_forecast,
    compare_segments,
    data_fingerprint,
    member_profile,
    prediction_quality,
    resolve_segment,
    segment_summary,
)
from memberinsight.models.segments import SEGMENTS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def preds(built_workspace):
    with built_workspace.analytics(read_only=True) as con:
        return con.execute("SELECT p.*, f.frequency, f.recency_days FROM member_predictions p "
                           "JOIN member_features f USING (member_id)").df()


def test_member_predictions_table(built_workspace, preds):
    assert set(PREDICTION_COLUMNS) <= set(preds.columns)
    with built_workspace.analytics(read_only=True) as con:
        n_members = con.execute("SELECT count(*) FROM members").fetchall()[0][0]
        n_features = con.execute("SELECT count(*) FROM member_features").fetchall()[0][0]
    assert len(preds) == n_features == n_members and preds["member_id"].is_unique
    buyers = preds[preds["frequency"] > 0]
    assert buyers["rfm_segment"].isin(SEGMENTS).all()
    assert buyers["churn_probability"].between(0, 1).all()
    assert buyers["cluster"].notna().all() and buyers["cluster_label"].str.len().gt(0).all()
    high = buyers["churn_probability"] >= 0.7
    assert (buyers.loc[high, "churn_band"] == "high").all()
    assert (buyers.loc[buyers["churn_probability"] < 0.4, "churn_band"] == "low").all()
    assert (buyers["expected_orders_365d"] >= buyers["expected_orders_90d"] - 1e-9).all()
    assert buyers["p_alive"].between(0, 1).all()
    tiers = buyers["clv_tier"].value_counts(normalize=True)
    assert tiers["high"] == pytest.approx(0.2, abs=0.02) and tiers["low"] == pytest.approx(0.5, abs=0.02)
    # Predictions agree with behaviour: recent frequent buyers are safer and worth more.
    by_seg = buyers.groupby("rfm_segment")[["churn_probability", "predicted_clv_365d"]].mean()
    assert by_seg.loc["Champions", "churn_probability"] < by_seg.loc["Lost", "churn_probability"]
    assert by_seg.loc["Champions", "predicted_clv_365d"] > 3 * by_seg.loc["Lost", "predicted_clv_365d"]
    assert preds.loc[preds["frequency"] == 0, "churn_probability"].isna().all()


def test_manifests_record_versions_and_metrics(built_workspace):
    store = ModelStore.for_workspace(built_workspace)
    with built_workspace.analytics(read_only=True) as con:
        fingerprint = data_fingerprint(con)
        n_orders = con.execute("SELECT count(*) FROM orders").fetchall()[0][0]
    assert fingerprint["tables"]["orders"]["rows"] == n_orders
    for name in ("clusters", "churn", "clv", "bgnbd", "demand"):
        m = store.manifest(name)
        assert m.version >= 1 and len(m.sha256) == 64 and m.metrics
        assert m.data_fingerprint == fingerprint, name  # the data each model was trained on
    for name in ("churn", "clv"):
        data = store.manifest(name).data
        assert data["as_of"] and data["train_cutoffs"] and max(data["train_cutoffs"]) < data["as_of"]
    churn = store.manifest("churn")
    assert 0.5 < churn.metrics["holdout"]["roc_auc"] <= 1 and churn.features
    model, _ = store.load("clv")
    assert model.count_rounds_ >= 1


def test_segment_summary(built_workspace):
    stats = segment_summary(built_workspace)
    assert sum(s.members for s in stats) == 2000
    assert sum(s.member_share for s in stats) == pytest.approx(1.0, abs=1e-3)
    assert sum(s.revenue_share for s in stats) == pytest.approx(1.0, abs=1e-3)
    champs = next(s for s in stats if s.segment == "Champions")
    lost = next(s for s in stats if s.segment == "Lost")
    assert champs.revenue_share > champs.member_share
    assert champs.median_recency_days < lost.median_recency_days
    assert champs.description and champs.suggested_action
    clusters = segment_summary(built_workspace, by="cluster")
    assert len(clusters) >= 2 and all(c.kind == "cluster" for c in clusters)


def test_compare_segments_and_names(built_workspace):
    cmp = compare_segments(built_workspace, "Champions", "new members")
    assert (cmp.a.segment, cmp.b.segment) == ("Champions", "New")
    med = next(d for d in cmp.differences if d.metric == "median_frequency")
    assert med.a > med.b and med.ratio == pytest.approx(med.a / med.b, rel=1e-2)
    assert "Champions" in cmp.summary and "New" in cmp.summary
    # figures for people: money with the currency sign, "1 order" in the singular, shares as percentages
    assert "mean 12-month value £" in cmp.summary and "12-month CLV" not in cmp.summary
    assert "median 1 orders" not in cmp.summary
    if med.b == 1:
        assert "New: " in cmp.summary and "median 1 order," in cmp.summary
    assert f"{cmp.a.members:,} members ({cmp.a.member_share:.0%})" in cmp.summary
    assert resolve_segment(built_workspace, "cant lose them") == ("rfm", "Can't Lose Them")
    assert resolve_segment(built_workspace, "cluster 0")[0] == "cluster"
    with pytest.raises(NotFoundError):
        resolve_segment(built_workspace, "purple unicorns")


def test_at_risk_members(built_workspace):
    from memberinsight.segments import resolve_segment_members

    risky = at_risk_members(built_workspace, min_clv=20, limit=15, min_churn=0.6)
    assert 0 < len(risky) <= 15
    assert all(r.churn_probability >= 0.6 and r.predicted_clv_365d >= 20 for r in risky)
    values = [r.value_at_risk for r in risky]
    assert values == sorted(values, reverse=True)
    assert all(r.reasons for r in risky)
    lost_ids = resolve_segment_members(built_workspace, "lost")  # a named segment's members, resolved by the caller
    lost = at_risk_members(built_workspace, limit=5, member_ids=lost_ids)
    assert lost and all(r.rfm_segment == "Lost" for r in lost)


def test_at_risk_members_of_a_saved_segment(workspace_copy):
    from memberinsight.segments import resolve_segment_members, save_segment

    ws = workspace_copy
    save_segment(ws, "London buyers", {"where": {"all": [{"field": "city", "op": "=", "value": "London"},
                                                         {"field": "orders", "op": ">=", "value": 1}]}}, owner="t")
    risky = at_risk_members(ws, limit=1000, min_churn=0.5, member_ids=resolve_segment_members(ws, "london buyers"))
    with ws.analytics(read_only=True) as con:
        london = {r[0] for r in con.execute("SELECT member_id FROM members WHERE city = 'London'").fetchall()}
        n = con.execute("SELECT count(*) FROM member_predictions p JOIN members m USING (member_id) "
                        "WHERE m.city = 'London' AND p.churn_probability >= 0.5").fetchall()[0][0]
    assert risky and {r.member_id for r in risky} <= london and len(risky) == n
    with pytest.raises(NotFoundError, match="resolve_segment_members"):
        resolve_segment(ws, "london buyers")  # the analytics resolver names the one that knows saved segments


def test_category_forecast_and_quality(built_workspace):
    with built_workspace.analytics(read_only=True) as con:
        cat = con.execute("SELECT category FROM category_forecasts LIMIT 1").fetchall()[0][0]
    short = category_forecast(built_workspace, cat.upper(), 4)
    assert len(short.points) == 4 and short.category == cat
    long = category_forecast(built_workspace, cat, 20)
    assert len(long.points) == 20
    assert long.points[0].units == pytest.approx(short.points[0].units, rel=1e-6)
    q = prediction_quality(built_workspace)
    assert len(q.churn.buckets) == 10 and len(q.purchases.buckets) == 10
    assert q.purchases.buckets[-1].lift > 2


def test_member_profile_redacts_by_default(built_workspace, preds):
    member = preds.sort_values("frequency", ascending=False)["member_id"].iloc[0]
    with built_workspace.analytics(read_only=True) as con:
        email = con.execute("SELECT email FROM members WHERE member_id = ?", [member]).fetchall()[0][0]
    p = member_profile(built_workspace, member)
    dumped = json.dumps(dataclasses.asdict(p), default=str)
    assert email and email not in dumped and p.personal is None and p.redacted
    assert p.rfm_segment in SEGMENTS and p.orders > 3 and p.churn_reasons
    assert p.expected_orders_90d is not None and p.predicted_clv_365d is not None
    shares = [c.share for c in p.favourite_categories]
    assert shares == sorted(shares, reverse=True) and 0 < sum(shares) <= 1 + 1e-9
    times = [o.ordered_at for o in p.recent_orders]
    assert len(times) == 5 and times == sorted(times, reverse=True)
    with built_workspace.analytics(read_only=True) as con:
        assert p.as_of == con.execute("SELECT max(ordered_at)::DATE FROM orders").fetchall()[0][0]
    full = member_profile(built_workspace, member, include_personal=True)
    assert full.personal["email"] == email and not full.redacted
    with pytest.raises(NotFoundError):
        member_profile(built_workspace, "NO-SUCH-MEMBER")
