"""The fraud commands: generate --fraud, fraud scan / rules / queue / findings, with --json."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from memberinsight.cli import app
from tests.fraud.tiny_shop import build_tiny_shop

runner = CliRunner()


def _json(args: list[str]) -> object:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_generate_with_fraud_writes_the_labels(tmp_path: Path) -> None:
    summary = _json(["generate", "--members", "300", "--seed", "3", "--out", str(tmp_path / "shop"), "--fraud"])
    assert summary["counts"]["fraud_truth"] > 100 and summary["counts"]["members"] > 300
    header = (tmp_path / "shop" / "orders.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.endswith("ip,device_id,shipping_address,payment_fingerprint,coupon_code,discount_amount,status,"
                           "shipping_method")
    assert (tmp_path / "shop" / "fraud_truth.csv").is_file()


def test_scan_queue_decide_and_rules_from_the_command_line(tmp_path: Path) -> None:
    ws = str(build_tiny_shop(tmp_path / "ws").path)
    scan = _json(["fraud", "scan", "-w", ws])
    assert scan["queued"] >= 5 and scan["rule_hits"]["card_testing_device"] == 6 and scan["since"] is None
    again = _json(["fraud", "scan", "-w", ws])
    assert again["since"] is not None and again["queued"] == 0
    items = _json(["fraud", "queue", "list", "-w", ws, "--kind", "account"])
    assert items and all(i["kind"] == "account" for i in items)
    shown = _json(["fraud", "queue", "show", "account:K1", "-w", ws])
    decided = _json(["fraud", "queue", "decide", "account:K1", "--action", "confirm", "--version",
                     str(shown["version"]), "-w", ws])
    assert decided["status"] == "confirmed" and decided["decided_by"].endswith("(cli)")
    text = runner.invoke(app, ["fraud", "queue", "show", "K1", "-w", ws])
    assert "status confirmed" in text.stdout and "different cards within 2 hours" in text.stdout
    rules = _json(["fraud", "rules", "-w", ws])
    assert len(rules["rules"]) >= 10 and rules["file"].endswith("rules.yaml")
    init = runner.invoke(app, ["fraud", "rules", "--init", "-w", ws])
    assert init.exit_code == 0 and (Path(ws) / "fraud_rules.yaml").is_file()
    kinds = _json(["fraud", "rules", "--kinds"])
    assert {k["kind"] for k in kinds} >= {"velocity", "card_testing", "coupon_reuse_linked"}
    assert isinstance(_json(["fraud", "findings", "-w", ws]), list)
