"""Anomaly detector contract and known answers; brushing bursts and rings on the planted demo."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from memberinsight.errors import DataValidationError, ModelNotReadyError
from memberinsight.fraud import AnomalyDetector, find_bursts, find_rings, load_rules
from memberinsight.fraud.facts import prepare_facts
from memberinsight.fraud.features import FEATURE_NAMES
from memberinsight.fraud.rules import run_rules
from memberinsight.fraud.textsim import near_duplicates
from memberinsight.workspace import Workspace
from memberinsight.workspace.demo.fraud import generate_fraud_demo
from memberinsight.workspace.ingest import ingest_directory


def _orders(n: int = 600, outliers: int = 6, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({name: rng.normal(1.0, 0.1, n) for name in FEATURE_NAMES})
    frame["amount"] = rng.normal(50, 8, n)
    frame.loc[: outliers - 1, "device_accounts"] = 9.0  # planted: many accounts on one device
    frame.index = [f"O{i}" for i in range(n)]
    return frame


def test_detector_contract() -> None:
    detector = AnomalyDetector(random_state=1)
    assert not hasattr(detector, "forest_")
    with pytest.raises(ModelNotReadyError):
        detector.score_samples(_orders())
    assert detector.fit(_orders()) is detector and hasattr(detector, "lof_") and detector.isotonic_ is None
    with pytest.raises(DataValidationError, match="at least"):
        AnomalyDetector().fit(_orders(n=10, outliers=1))


def test_planted_outliers_rank_first_with_the_right_reason() -> None:
    frame = _orders()
    detector = AnomalyDetector(random_state=1).fit(frame)
    risk = detector.predict_risk(frame)
    assert ((0 <= risk) & (risk <= 1)).all()
    top = set(frame.index[np.argsort(-risk)[:6]])
    assert top == {f"O{i}" for i in range(6)}
    assert risk[:6].min() > 0.6 and np.median(risk[6:]) < 0.1  # contamination prior 2%: 1% of orders >= 0.67
    reasons = detector.reasons(frame.iloc[:1])[0]
    assert reasons[0]["feature"] == "device_accounts" and "accounts using this device: 9" in reasons[0]["text"]


def test_money_features_read_with_the_currency_sign() -> None:
    from memberinsight.fraud.anomaly import _reason

    reason = _reason("amount", 952.32, 49.53, 5.0)
    assert reason["text"] == "order amount: £952.32 (typical £49.53)"
    assert (reason["value"], reason["typical"]) == (952.32, 49.53)  # the figures themselves stay raw
    assert _reason("device_accounts", 6.0, 1.0, 4.0)["text"] == "accounts using this device: 6 (typical 1)"


def test_operator_decisions_switch_calibration_to_isotonic() -> None:
    frame = _orders()
    labels = pd.Series(np.nan, index=frame.index)
    labels.iloc[:6] = 1.0
    labels.iloc[100:130] = 0.0
    detector = AnomalyDetector(random_state=1, min_labels=5).fit(frame, labels)
    assert detector.isotonic_ is not None
    risk = detector.predict_risk(frame)
    assert risk[:6].min() >= 0.99 and risk[100:130].max() <= 0.01


def test_near_duplicates_need_another_author() -> None:
    texts = ["Amazing mug! Arrived fast, five stars, highly recommend!",
             "Amazing mug!! Arrived quickly, five stars, really recommend!",
             "The handle broke after a week; disappointed.",
             "Amazing mug! Arrived fast, five stars, highly recommend!",
             "Keeps tea warm for ages and the glaze is lovely.", "Smaller than I expected but fine for espresso.",
             "Bought two as a gift, both arrived chipped.", "Solid, heavy and dishwasher safe. Would buy again."]
    owners = ["a", "b", "c", "a", "d", "e", "f", "g"]
    assert near_duplicates(texts, owners) == [True, True, False, True, False, False, False, False]
    assert near_duplicates(texts, ["a"] * 8) == [False] * 8


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, pd.DataFrame]:
    root = tmp_path_factory.mktemp("planted")
    generate_fraud_demo(root / "csv", members=800, seed=5)
    ws = Workspace.create(root / "ws")
    ingest_directory(ws, root / "csv")
    return ws, pd.read_csv(root / "csv" / "fraud_truth.csv", dtype=str)


def test_bursts_are_the_planted_brushing_rings(planted: tuple[Workspace, pd.DataFrame]) -> None:
    ws, truth = planted
    group = dict(zip(truth.loc[truth.kind == "account", "object_id"], truth.loc[truth.kind == "account", "group_id"],
                     strict=True))
    with ws.analytics(read_only=True) as con:
        prepare_facts(con)
        bursts = find_bursts(con)
        hits = run_rules(con, load_rules())
        rings = find_rings(con, bursts, hits)
    brushing = {g for g in truth.group_id if g.startswith("BR")}
    found = set()
    for b in bursts:
        groups = pd.Series([group.get(m, "-") for m in b.members]).value_counts()
        assert groups.index[0] != "-" and groups.iloc[0] >= 0.8 * len(b.members), b.reason  # one labelled group
        found |= set(groups.index) & brushing
        assert b.five_star_reviews >= len(b.members) / 2 and "small orders" in b.reason
    assert found == brushing
    risky = [r for r in rings if r.risk >= 0.5]
    coupon_hits = set(hits.loc[hits.rule == "coupon_linked_accounts", "member_id"])
    for g in brushing | {g for g in truth.group_id if g.startswith("CO")}:
        members = set(truth.loc[(truth.group_id == g) & (truth.kind == "account"), "object_id"])
        best = max(len(members & set(r.members)) for r in risky)
        if g.startswith("BR"):
            assert best >= len(members) / 2, g  # a brushing ring is one component (its burst ties it)
        else:  # a coupon ring tied by an address or IP alone shows in the coupon rule instead
            assert max(best, len(members & coupon_hits)) >= len(members) / 2, g
    households = [r for r in rings if not {group.get(m) for m in r.members} - {None}]
    assert households and all(r.risk < 0.7 for r in households)  # unlabelled rings stay below the flag line
