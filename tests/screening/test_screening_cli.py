"""``memberinsight screen``, ``queue list|show|decide`` and ``evaluate screening`` from the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from memberinsight.cli import app

runner = CliRunner()


def _json(args: list[str]) -> object:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_screen_queue_and_decide(workspace_copy, monkeypatch) -> None:
    monkeypatch.setenv("MEMBERINSIGHT_ACTOR", "alice")  # the decider comes from configuration, never a flag
    w = ["-w", str(workspace_copy.path)]
    run = _json(["screen", "--new", "--json", *w])
    assert run["scored"] == 0 and run["new_only"] is True  # the build already screened everything
    items = _json(["queue", "list", "--limit", "5", "--json", *w])
    assert len(items) == 5 and items[0]["risk"] >= items[-1]["risk"] and items[0]["status"] == "pending"
    rid = items[0]["review_id"]
    shown = _json(["queue", "show", rid, "--json", *w])
    assert shown["version"] == 1 and shown["reasons"] and shown["signals"]
    decided = _json(["queue", "decide", rid, "--action", "remove", "--note", "ring", "--version", "1", "--json", *w])
    assert (decided["status"], decided["version"], decided["decided_by"]) == ("removed", 2, "alice (cli)")
    removed = _json(["queue", "list", "--status", "removed", "--json", *w])
    assert [i["review_id"] for i in removed] == [rid]
    text = runner.invoke(app, ["queue", "list", "--limit", "2", *w])
    assert text.exit_code == 0 and "pending" in text.stdout


def test_stale_decision_exits_with_a_clear_message(workspace_copy, monkeypatch) -> None:
    w = ["-w", str(workspace_copy.path)]
    rid = _json(["queue", "list", "--limit", "1", "--json", *w])[0]["review_id"]
    monkeypatch.setenv("MEMBERINSIGHT_ACTOR", "alice")
    _json(["queue", "decide", rid, "--action", "approve", "--version", "1", "--json", *w])
    cli = Path(sys.executable).with_name("memberinsight")
    bob = {**os.environ, "MEMBERINSIGHT_ACTOR": "bob"}
    proc = subprocess.run([str(cli), "queue", "decide", rid, "--action", "remove", "--version", "1", *w],
                          capture_output=True, text=True, timeout=120, env=bob)
    assert proc.returncode == 1
    assert "changed by someone else" in proc.stderr and "version 2" in proc.stderr
    proc = subprocess.run([str(cli), "queue", "decide", rid, "--action", "delete", "--version", "2", *w],
                          capture_output=True, text=True, timeout=120, env=bob)
    assert proc.returncode == 1 and "unknown action" in proc.stderr
    with workspace_copy.operations() as con:
        audited = con.execute("SELECT actor, outcome FROM audit_log WHERE object_type = 'review' AND object_id = ? "
                              "ORDER BY id", [rid]).fetchall()
    assert [tuple(r) for r in audited] == [("alice (cli)", "ok"), ("bob (cli)", "conflict")]


def test_evaluate_screening_skips_what_is_missing(tmp_path: Path) -> None:
    result = _json(["evaluate", "screening", "--no-demo", "--real", str(tmp_path / "absent.csv"), "--json"])
    assert result["demo"] is None and result["real"] is None
    assert any("absent.csv is absent" in s for s in result["skipped"])


def test_evaluate_screening_on_a_labeled_set(tmp_path: Path) -> None:
    from screening_support import write_small_real_set

    path = write_small_real_set(tmp_path / "small.csv", hotels=6, per_class=8)
    result = _json(["evaluate", "screening", "--no-demo", "--real", str(path), "--json"])
    real = result["real"]
    assert result["demo"] is None and result["skipped"] == []
    assert real["folds"] == 5 and len(real["fold_results"]) == 5 and real["n_reviews"] == 96
    assert real["protocol"].startswith("5-fold cross-validation grouped by hotel")
    assert real["targets"] == {"accuracy": 0.9, "roc_auc": 0.95} and real["meets_targets"] is True
    assert real["cv_accuracy"] >= 0.95 and real["cv_roc_auc"] >= 0.98
    assert {v["view"] for v in real["views"]} >= {"stacked", "nb_word", "embedding", "style"}
    text = runner.invoke(app, ["evaluate", "screening", "--no-demo", "--real", str(path)])
    assert text.exit_code == 0
    assert "acceptance figure: 5-fold cross-validation grouped by hotel" in text.stdout
    assert "meets the targets" in text.stdout and "leave-hotels-out holdout" in text.stdout


def test_evaluate_screening_names_the_bad_file_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("label,hotel,text\ntruthful,a,fine\n", encoding="utf-8")
    cli = Path(sys.executable).with_name("memberinsight")
    proc = subprocess.run([str(cli), "evaluate", "screening", "--no-demo", "--real", str(bad)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "bad.csv" in proc.stderr and "column 'deceptive'" in proc.stderr and "missing column" in proc.stderr
