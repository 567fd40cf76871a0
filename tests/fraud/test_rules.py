"""Fraud rules: checked YAML, parameterised SQL, and each check finding its known case in a tiny shop."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from memberinsight.errors import ConfigError
from memberinsight.fraud.facts import prepare_facts
from memberinsight.fraud.rules import DEFAULT_RULES, compile_rule, load_rules, parse_rules, run_rules
from tests.fraud.tiny_shop import T0, build_tiny_shop


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory):
    return build_tiny_shop(tmp_path_factory.mktemp("tiny") / "ws")


@pytest.fixture(scope="module")
def hits(tiny) -> pd.DataFrame:
    with tiny.analytics(read_only=True) as con:
        prepare_facts(con)
        return run_rules(con, load_rules())


def _members(hits: pd.DataFrame, rule: str) -> set[str]:
    return set(hits.loc[hits.rule == rule, "member_id"])


def test_each_check_finds_its_case_and_nothing_else(hits: pd.DataFrame) -> None:
    assert _members(hits, "card_testing_device") == {"K1"}
    assert len(hits[hits.rule == "card_testing_device"]) == 6  # every order of the burst, not just the last ones
    assert _members(hits, "order_burst_account") == {"K1"} and _members(hits, "order_burst_device") == {"K1"}
    assert _members(hits, "shared_device") == {"R1", "R2", "R3"}
    assert _members(hits, "coupon_linked_accounts") == {"R1", "R2", "R3"}
    assert _members(hits, "takeover_new_device_address") == {"A1"}
    assert _members(hits, "new_account_big_express") == {"N1"}
    assert _members(hits, "refunds_and_chargebacks") == {"F1"}
    assert _members(hits, "refunded_after_good_review") == {"B1"}
    assert "A1" in _members(hits, "big_order_for_member")
    assert not _members(hits, "shared_card") and not _members(hits, "shared_address")


def test_reasons_are_plain_words_with_the_numbers(hits: pd.DataFrame) -> None:
    reason = hits.loc[hits.rule == "card_testing_device", "reason"].iloc[0]
    assert reason == "6 different cards within 2 hours from one device (3 declined)"
    takeover = hits.loc[hits.rule == "takeover_new_device_address", "reason"].iloc[0]
    assert "new device and address" in takeover and "order £900.00 (express; typical £" in takeover
    big = hits.loc[hits.rule == "new_account_big_express", "reason"].iloc[0]
    assert "old orders £" in big and " typical" in big  # amounts of money with the currency sign
    assert hits.loc[hits.rule == "refunds_and_chargebacks", "level"].iloc[0] == "account"
    assert hits.loc[hits.rule == "refunds_and_chargebacks", "order_id"].isna().all()


def test_incremental_run_keeps_only_newer_hits(tiny) -> None:
    with tiny.analytics(read_only=True) as con:
        prepare_facts(con)
        newer = run_rules(con, load_rules(), since=T0 + timedelta(days=1, hours=12))
    assert set(newer.member_id) == {"A1"}


def test_values_are_bound_and_identifiers_checked() -> None:
    rules = parse_rules("rules:\n  - {name: fast, kind: velocity, params: {orders: 12345, minutes: 7, by: device_id}}")
    compiled = compile_rule(rules[0])
    assert "12345" not in compiled.sql and compiled.params["orders"] == 12345 and compiled.params["seconds"] == 420
    assert "PARTITION BY device_id" in compiled.sql
    with pytest.raises(ConfigError, match="is not one of"):
        parse_rules("rules:\n  - {name: x1, kind: velocity, params: {by: 'member_id; DROP TABLE orders'}}")


@pytest.mark.parametrize(("text", "message"), [
    ("rules:\n  - {name: a1, kind: nope}", "kind 'nope' is not one of"),
    ("rules:\n  - {name: a1, kind: velocity, params: {orders: many}}", "must be a number"),
    ("rules:\n  - {name: a1, kind: velocity, params: {orders: 2.5}}", "must be a whole number"),
    ("rules:\n  - {name: a1, kind: velocity, params: {orders: 1}}", "must be at least 2"),
    ("rules:\n  - {name: a1, kind: velocity, params: {speed: 3}}", "unknown parameter"),
    ("rules:\n  - {name: a1, kind: velocity, severity: huge}", "severity must be"),
    ("rules:\n  - {name: a1, kind: velocity}\n  - {name: a1, kind: velocity}", "used twice"),
    ("rules: 3", "expected a mapping with a 'rules' list"),
    ("rules: [", "not valid YAML"),
])
def test_bad_rule_files_are_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_rules(text)


def test_workspace_rules_file_takes_precedence(tiny, tmp_path: Path) -> None:
    assert len(load_rules()) == len(parse_rules(DEFAULT_RULES.read_text(encoding="utf-8"))) >= 10
    own = tmp_path / "ws"
    own.mkdir()
    (own / "fraud_rules.yaml").write_text("rules:\n  - {name: only_one, kind: velocity}\n", encoding="utf-8")

    class _Ws:
        path = own

    assert [r.name for r in load_rules(_Ws())] == ["only_one"]


def test_rules_run_on_a_workspace_without_the_optional_fields(tmp_path: Path) -> None:
    ws = build_tiny_shop(tmp_path / "ws")
    with ws.analytics() as con:
        for column in ("device_id", "ip_hash", "payment_fingerprint", "coupon_code", "status", "shipping_method",
                       "shipping_address_hash", "discount_amount"):
            con.execute(f"ALTER TABLE orders DROP COLUMN {column}")
    with ws.analytics(read_only=True) as con:
        facts = prepare_facts(con)
        hits = run_rules(con, load_rules())
    assert facts.present == () and set(hits.rule) <= {"big_order_for_member", "order_burst_account",
                                                       "refunds_and_chargebacks"}
