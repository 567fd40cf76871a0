"""The `memberinsight segment ...` and `memberinsight evaluate segments` commands."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from memberinsight.cli import app

runner = CliRunner()


def invoke(*args):
    result = runner.invoke(app, list(args))
    return result


def test_evaluate_segments_reports_parse_accuracy():
    result = invoke("evaluate", "segments", "--json", "--no-embeddings", "--no-members")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    files = data["files"]
    assert {"dev", "holdout", "holdout2", "holdout3", "blind_dev", "blind_dev2", "blind_dev3", "blind_dev4",
            "blind_dev5", "blind_dev6"} <= set(files)
    assert ("blind_heldout" in files) == data["held_out_present"]
    assert files["dev"]["sentences"] >= 60 and files["dev"]["accuracy"] >= 0.9
    assert all(files[name]["accuracy"] >= 0.9 for name in ("holdout", "holdout2", "holdout3"))
    assert files["dev"]["correct"] == round(files["dev"]["accuracy"] * files["dev"]["sentences"])
    for name in ("blind_dev", "blind_dev2", "blind_dev3", "blind_dev4", "blind_dev5", "blind_dev6"):
        blind = files[name]
        assert blind["asks"] + blind["refusals"] + blind["definitions"] == blind["sentences"] >= 60
        assert blind["asked_right"] == blind["asks"] and blind["refused_right"] == blind["refusals"]
    assert set(data["side_by_side"]["asked_unneeded"]) == set(files)
    assert set(data["side_by_side"]["same_definition"]) == set(files)  # dev and held-out side by side
    assert data["workspace"] is None and data["side_by_side"]["same_members"]["blind_dev"] is None


@pytest.mark.slow
def test_define_save_list_show_delete(workspace_copy, monkeypatch):
    monkeypatch.setenv("MEMBERINSIGHT_ACTOR", "alice")  # the owner comes from configuration, never a flag
    ws = str(workspace_copy.path)
    sentence = "members who bought Outdoor at least twice and have high churn risk"
    result = invoke("segment", "define", sentence, "-w", ws, "--json", "--sql")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["complete"] and out["not_understood"] == []
    assert [f["field"] for f in out["fields"]] == ["orders", "churn_band"]
    assert isinstance(out["size"], int) and out["size"] > 0
    assert "$p0" in out["sql"] and "Outdoor" not in out["sql"]

    partial = invoke("segment", "define", "members in London who love hiking", "-w", ws, "--json")
    assert json.loads(partial.stdout)["not_understood"] == ["love hiking"]

    refused = invoke("segment", "save", "Hikers", "--sentence", "members in London who love hiking", "-w", ws)
    assert refused.exit_code != 0 and "love hiking" in str(refused.exception)

    saved = invoke("segment", "save", "Outdoor at risk", "--sentence", sentence, "-w", ws, "--json")
    assert saved.exit_code == 0, saved.output
    assert json.loads(saved.stdout)["size"] == out["size"]

    listed = json.loads(invoke("segment", "list", "-w", ws, "--json").stdout)
    assert [(r["name"], r["size"], r["owner"]) for r in listed] == [("Outdoor at risk", out["size"], "alice (cli)")]

    shown = json.loads(invoke("segment", "show", "Outdoor at risk", "-w", ws, "--members", "3", "--json").stdout)
    assert len(shown["members"]) == min(3, out["size"]) and shown["size_history"][0]["size"] == out["size"]

    members = json.loads(invoke("segment", "members", "Outdoor at risk", "-w", ws, "--json").stdout)
    assert members["size"] == out["size"]

    assert invoke("segment", "delete", "Outdoor at risk", "-w", ws).exit_code == 0
    assert json.loads(invoke("segment", "list", "-w", ws, "--json").stdout) == []
    with workspace_copy.operations() as con:
        audited = con.execute("SELECT actor, action FROM audit_log WHERE object_type = 'segment' ORDER BY id")
        assert [tuple(r) for r in audited] == [("alice (cli)", "segment.create"), ("alice (cli)", "segment.delete")]


def test_fields_catalogue_lists_every_field():
    rows = json.loads(invoke("segment", "fields", "--json").stdout)
    names = {r["name"] for r in rows}
    assert {"orders", "spend", "churn_band", "clv_tier", "expected_next_order_date", "rfm_segment"} <= names


@pytest.mark.slow
def test_save_from_a_sentence_parses_exactly_like_define(tiny_workspace, tmp_path):
    # The wording needs the MiniLM field matcher ("worth over 100 on average" -> average order value);
    # `segment save --sentence` must read it the way `segment define` shows it.
    import shutil

    shutil.copytree(tiny_workspace.path, tmp_path / "ws")
    ws = str(tmp_path / "ws")
    sentence = "customers whose orders are worth over 100 on average"
    shown = json.loads(invoke("segment", "define", sentence, "-w", ws, "--json").stdout)
    assert shown["definition"]["where"]["all"] == [{"field": "aov", "op": ">", "value": 100}]
    assert shown["status"] == "ask" and shown["questions"][0]["kind"] == "similarity"  # a guess is asked about
    refused = invoke("segment", "save", "Big baskets", "--sentence", sentence, "-w", ws)
    assert refused.exit_code != 0 and "guess" in str(refused.exception)
    saved = invoke("segment", "save", "Big baskets", "--sentence", sentence, "-w", ws, "--json", "--accept-partial")
    assert saved.exit_code == 0, saved.output
    out = json.loads(saved.stdout)
    assert out["definition"] == shown["definition"] and out["size"] == shown["size"] == 1  # m1: 260 over 2 orders
    nothing = invoke("segment", "save", "Nothing", "--sentence", "purple unicorns", "-w", ws)
    assert nothing.exit_code != 0 and "purple unicorns" in str(nothing.exception)
