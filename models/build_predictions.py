"""``memberinsight build`` steps ``churn`` and ``clv``: champion / challenger, then the champion ships.

Each step scores every candidate on the workspace's own time-split holdout
(:mod:`models.evaluation`, :mod:`models.candidates`), refits only the candidates that ship on
the latest snapshots, scores every buying member and records the choice, every candidate's
metrics and the margin in the model manifest. What cannot be fitted on this shop is reported in
the step summary (``unavailable``) instead of failing the build: with no prices, purchases and
churn are still predicted but spend and CLV are left empty.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from memberinsight.config import Settings
from memberinsight.errors import ModelNotReadyError
from memberinsight.models.build import (
    _features,
    _save_quality,
    _set_info,
    _write,
    get_info,
    refresh_predictions,
    skip,
)
from memberinsight.models.candidates import BaseRate, Choice, RecencyRule, recent_rate
from memberinsight.models.churn import ChurnModel, churn_band
from memberinsight.models.clv import CLVModel, StatisticalCLV, with_statistical
from memberinsight.models.drift import repeat_day_ages
from memberinsight.models.evaluation import evaluate_churn, evaluate_clv
from memberinsight.models.group_sums import INFO_KEY as SUM_ERROR_KEY
from memberinsight.models.intervals import group_intervals, holdout_coverage, member_intervals
from memberinsight.models.store import ModelStore, data_fingerprint
from memberinsight.models.training import TimePlan, model_columns, plan, snapshots
from memberinsight.models.wording import reason_text

CLV_TIERS: tuple[tuple[str, float], ...] = (("high", 0.8), ("medium", 0.5), ("low", 0.0))
"""CLV tier lower quantiles among buying members: top 20% high, next 30% medium, rest low."""


def _choice_summary(choice: Choice | None) -> dict[str, Any] | None:
    if choice is None:
        return None
    return {"champion": choice.champion, "metric": choice.metric,
            "value": choice.candidates[choice.champion].get(choice.metric), "runner_up": choice.runner_up,
            "margin": choice.margin, "note": choice.note}


def _plan(con: Any, horizon_days: int) -> TimePlan | dict[str, Any]:
    try:
        return plan(con, horizon_days)
    except ModelNotReadyError as exc:
        return skip(str(exc))


def _simple_reasons(buyers: pd.DataFrame, prob: np.ndarray, base: float) -> list[list[dict[str, Any]]]:
    """Reasons for churn candidates without per-feature contributions: recency and usual gap."""
    out = []
    for i, row in enumerate(buyers[["recency_days", "ipt_mean"]].itertuples(index=False)):
        up = bool(prob[i] >= base)
        picked = []
        for col, value in (("recency_days", row.recency_days), ("ipt_mean", row.ipt_mean)):
            if value is not None and not pd.isna(value):
                picked.append({"feature": col, "value": float(value), "contribution": 0.0,
                               "text": reason_text(col, float(value), up)})
        out.append(picked)
    return out


def build_churn(ws: Any, settings: Settings) -> dict[str, Any]:
    """Step ``churn``: score every candidate on the time split, refit the champion on the latest
    snapshots and score every buyer."""
    H, seed = settings.horizon_days, settings.random_seed
    with ws.analytics() as con:
        tp = _plan(con, H)
        if isinstance(tp, dict):
            return tp
        ev = evaluate_churn(con, H, seed, tp)
        choice = ev.choice
        assert choice is not None
        names = get_info(con, "categories")
        cats = [v for k, v in names.items() if k != "share_other"]
        train = snapshots(con, tp.prod_train_cutoffs, H, cats)
        feats = _features(con)
        buyers = feats[feats["frequency"] > 0].reset_index(drop=True)
        X = pd.concat([buyers, StatisticalCLV().fit(buyers).predict(buyers, H)], axis=1)
        y = train["churned"].to_numpy()
        base = float(y.mean())
        model: Any
        cols: list[str] = list(X.columns)
        if choice.champion == "boosted":
            train = with_statistical(train, H)
            cols = model_columns(train)
            model = ChurnModel(H, seed).fit(train[cols], train["churned"].to_numpy(), train["member_id"].to_numpy(),
                                            names)
            prob = model.predict_proba(X)
            reasons = [[r.__dict__ for r in rs] for rs in model.reasons(X)]
        else:
            if choice.champion == "base_rate":
                model = BaseRate().fit(y)
                prob = model.predict_proba(X)
            elif choice.champion == "recency_rule":
                model = RecencyRule().fit(train, y)
                prob = model.predict_proba(X)
            else:  # bgnbd: probability of no purchase in the horizon
                model = StatisticalCLV().fit(buyers)
                prob = X["bg_p_zero"].to_numpy(dtype=float)
            reasons = _simple_reasons(buyers, prob, base)
        out = pd.DataFrame({
            "member_id": buyers["member_id"], "churn_probability": np.round(prob, 4),
            "churn_band": [churn_band(p) for p in prob],
            "churn_reasons": ["; ".join(r["text"] for r in rs) for rs in reasons],
            "churn_reasons_json": [json.dumps(rs) for rs in reasons],
        })
        _write(con, "member_churn", out)
        _save_quality(con, ev.quality)
        refresh_predictions(con)
        fingerprint = data_fingerprint(con)
    ModelStore.for_workspace(ws).save(
        "churn", model, data={"as_of": tp.last_date.isoformat(), "train_cutoffs": tp.prod_train_cutoffs,
                              "rows": len(train), "horizon_days": H},
        features=cols, params={"champion": choice.champion,
                               **({"rounds": model.n_rounds_} if choice.champion == "boosted" else {})},
        metrics={"holdout": choice.candidates[choice.champion], "boosted": ev.metrics,
                 "choice": asdict(choice), "holdout_cutoff": tp.holdout_cutoff.isoformat()},
        fingerprint=fingerprint)
    m = choice.candidates[choice.champion]
    return {"scored": len(out), "high_risk": int((out["churn_band"] == "high").sum()),
            "champion": _choice_summary(choice), **{k: m[k] for k in ("roc_auc", "pr_auc", "brier", "brier_base_rate")}}


def _tiers(values: np.ndarray) -> list[str | None]:
    series = pd.Series(values, dtype=float)
    ranks = series.rank(pct=True, method="average").to_numpy()
    out: list[str | None] = []
    for r in ranks:
        out.append(None if np.isnan(r) else next(name for name, lower in CLV_TIERS if r > lower or lower == 0.0))
    return out


def next_order_dates(as_of: date, last_gap_due: np.ndarray, expected_90: np.ndarray) -> list[date | None]:
    """Expected next order date per member.

    With at least half a purchase day expected in the next 90 days the date falls inside those 90
    days: when their usual gap says they are due then, that date, otherwise the median wait at
    their expected pace (``90 ln 2 / E[n(90)]``, at most 90 days). With less, the median wait
    (beyond 90 days, at most five years); ``None`` when under 0.05 purchase days are expected.
    """
    out: list[date | None] = []
    for due, e90 in zip(last_gap_due, expected_90, strict=True):
        if not np.isfinite(e90) or e90 < 0.05:
            out.append(None)
            continue
        wait = 90.0 * np.log(2) / e90
        if e90 >= 0.5:
            days = due if np.isfinite(due) and 0 < due <= 90 else min(wait, 90.0)
        else:
            days = min(max(wait, 91.0), 5 * 365.0)
        out.append(as_of + timedelta(days=int(round(days))))
    return out


class _Shipped:
    """Purchases and spend over any number of days from the champion candidates."""

    def __init__(self, buyers: pd.DataFrame, X: pd.DataFrame, stat: StatisticalCLV, model: CLVModel | None,
                 purchases: str, spend: str | None) -> None:
        self.buyers, self.X, self.stat, self.model = buyers, X, stat, model
        self.purchases, self.spend_by = purchases, spend

    def _candidate(self, name: str, days: int) -> tuple[np.ndarray, np.ndarray]:
        value = self.X["gg_value"].to_numpy(dtype=float)
        if name == "recent_rate":
            return recent_rate(self.buyers, days)
        if name == "bgnbd":
            n = self.stat.expected_purchases(self.buyers, days)
            return n, n * value
        if name == "bgnbd_trend":
            n = self.stat.expected_purchases_drift(self.buyers, days)
            return n, n * value
        assert self.model is not None
        long = self.model.predict_long(self.X, self.stat, days)
        return long["expected_purchases"].to_numpy(), long["expected_spend"].to_numpy()

    def at(self, days: int) -> tuple[np.ndarray, np.ndarray]:
        """(expected purchase days, expected spend) in the next ``days`` days per buyer."""
        n = self._candidate(self.purchases, days)[0]
        s = self._candidate(self.spend_by, days)[1] if self.spend_by else np.full(len(self.buyers), np.nan)
        return n, s


def _write_segment_intervals(con: Any, members: pd.Series, draws: Any) -> None:
    """``segment_intervals``: expected purchase days and spend in the next 90 days per RFM segment,
    with 80% intervals of the sums (:func:`models.intervals.group_intervals`)."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if "member_segments" not in tables:  # the segments step did not run
        return
    seg = con.execute("SELECT member_id, rfm_segment FROM member_segments").df()
    labels = pd.DataFrame({"member_id": members}).merge(seg, on="member_id", how="left")["rfm_segment"]
    table = group_intervals(draws.purchases, labels).rename(columns={
        "group": "rfm_segment", "expected": "expected_orders_90d", "low": "orders_90d_low",
        "high": "orders_90d_high"})
    if draws.spend is not None:
        spend = group_intervals(draws.spend, labels)
        table["expected_spend_90d"] = spend["expected"].round(2)
        table["spend_90d_low"], table["spend_90d_high"] = spend["low"].round(2), spend["high"].round(2)
    _write(con, "segment_intervals", table.round({"expected_orders_90d": 2}))


def _shop_errors(ev: Any) -> dict[str, float]:
    """The champions' relative errors on the holdout's totals: the shop-wide part of the intervals of
    sums (:mod:`models.group_sums`)."""
    out = {}
    for kind, metrics in (("purchases", ev.purchases), ("spend", ev.spend)):
        err = (metrics.get("model") or {}).get("aggregate_error")
        if err is not None and np.isfinite(err):
            out[kind] = round(abs(float(err)), 4)
    return out


def build_clv(ws: Any, settings: Settings) -> dict[str, Any]:
    """Step ``clv``: purchases and spend candidates scored on the time split; the champions ship
    (90/365-day purchases and CLV, next order date)."""
    H, seed = settings.horizon_days, settings.random_seed
    with ws.analytics() as con:
        tp = _plan(con, H)
        if isinstance(tp, dict):
            return tp
        ev = evaluate_clv(con, H, seed, tp)
        assert ev.choice_purchases is not None
        champ_n = ev.choice_purchases.champion
        champ_s = ev.choice_spend.champion if ev.choice_spend else None
        names = get_info(con, "categories")
        cats = [v for k, v in names.items() if k != "share_other"]
        feats = _features(con)
        buyers = feats[feats["frequency"] > 0].reset_index(drop=True)
        stat = StatisticalCLV().fit(buyers).fit_drift(buyers, repeat_day_ages(con, tp.last_date))
        X = pd.concat([buyers, stat.predict(buyers, H)], axis=1)
        model, cols, rows = None, list(X.columns), 0
        if "boosted" in (champ_n, champ_s):
            train = with_statistical(snapshots(con, tp.prod_train_cutoffs, H, cats), H)
            cols, rows = model_columns(train), len(train)
            model = CLVModel(H, seed).fit(train[cols], train["future_days"].to_numpy(),
                                          train["future_spend"].to_numpy(), train["member_id"].to_numpy())
        shipped = _Shipped(buyers, X, stat, model, champ_n, champ_s)
        (n90, s90), (n365, s365) = shipped.at(90), shipped.at(365)
        alive = stat.drift_.p_alive(*stat._rft(buyers)) if champ_n == "bgnbd_trend" else X["bg_p_alive"]
        due = (buyers["ipt_mean"] - buyers["recency_days"]).to_numpy(dtype=float)
        out = pd.DataFrame({
            "member_id": buyers["member_id"],
            "expected_orders_90d": np.round(n90, 4), "expected_orders_365d": np.round(n365, 4),
            "predicted_spend_90d": np.round(s90, 2), "predicted_clv_365d": np.round(s365, 2),
            "clv_tier": _tiers(s365), "p_alive": np.round(np.asarray(alive, dtype=float), 4),
            "expected_next_order_date": next_order_dates(tp.last_date, due, n90),
            "bgnbd_expected_90d": stat.expected_purchases(buyers, 90).round(4),
        })
        ranges, draws = member_intervals(stat, buyers, expected={90: n90, 365: n365},
                                         expected_spend={90: s90, 365: s365} if champ_s else None, seed=seed)
        out = pd.concat([out, ranges.drop(columns="member_id")], axis=1)
        _write(con, "member_clv", out)
        _write_segment_intervals(con, out["member_id"], draws)
        coverage = holdout_coverage(ev, seed)
        _set_info(con, {SUM_ERROR_KEY: _shop_errors(ev)})
        _save_quality(con, ev.quality)
        refresh_predictions(con)
        fingerprint = data_fingerprint(con)
    store = ModelStore.for_workspace(ws)
    choices = {"purchases": asdict(ev.choice_purchases), "spend": asdict(ev.choice_spend) if ev.choice_spend else None}
    metrics = {"purchases": ev.purchases, "spend": ev.spend, "choice": choices, "drift": ev.drift,
               "spend_note": ev.spend_note, "holdout_cutoff": tp.holdout_cutoff.isoformat(),
               "intervals": coverage}
    params: dict[str, Any] = {"champion": {"purchases": champ_n, "spend": champ_s}}
    if model is not None:
        params.update(count_rounds=model.count_rounds_, spend_rounds=model.spend_rounds_)
    store.save("clv", model if model is not None else stat,
               data={"as_of": tp.last_date.isoformat(), "train_cutoffs": tp.prod_train_cutoffs, "rows": rows,
                     "horizon_days": H},
               features=cols, params=params, metrics=metrics, fingerprint=fingerprint)
    store.save("bgnbd", stat, data={"as_of": tp.last_date.isoformat(), "members": len(buyers)},
               features=["x_repeat", "t_x_days", "first_order_days", "repeat_aov"],
               params={**stat.params(), "drift": stat.drift_.params()},
               metrics={"holdout_purchases": ev.purchases["bgnbd"], "holdout_spend": ev.spend.get("bgnbd", {}),
                        "holdout_purchases_drift": ev.purchases.get("bgnbd_trend", {})},
               fingerprint=fingerprint)
    summary: dict[str, Any] = {
        "scored": len(out), "purchases": _choice_summary(ev.choice_purchases), "spend": _choice_summary(ev.choice_spend),
        "mae_model": ev.purchases["boosted"]["mae"], "mae_bgnbd": ev.purchases["bgnbd"]["mae"],
        "aggregate_error": ev.purchases["model"]["aggregate_error"],
        "interval_coverage": {k: coverage[k] for k in ("level", "purchases", "spend") if k in coverage},
        "interval_horizons": [90, 365],
        "short_history": int((~out["enough_history"]).sum())}
    if ev.spend_note:
        summary["unavailable"] = {"spend": ev.spend_note}
    return summary
