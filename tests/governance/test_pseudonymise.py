"""Pseudonymised export: keyed-hash ids, no direct identifier anywhere in the file, k met, key rotation audited."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from memberinsight.cli import app
from memberinsight.errors import DataValidationError
from memberinsight.governance.kanon import QUASI_IDENTIFIERS
from memberinsight.governance.pseudonymise import (
    ANALYTICS_COLUMNS,
    PSEUDONYM_COLUMN,
    current_key,
    export_pseudonymised,
    rotate_key,
)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _identifiers(ws) -> dict[str, set[str]]:
    with ws.analytics(read_only=True) as con:
        rows = con.execute("SELECT member_id, email, phone, first_name, last_name FROM members").fetchall()
    names = ("member_id", "email", "phone", "first_name", "last_name")
    return {n: {str(r[i]) for r in rows if r[i] is not None and str(r[i]).strip()} for i, n in enumerate(names)}


def _public_words(ws) -> set[str]:
    """Words of the non-personal values (a member may be called Lincoln and live in Lincoln)."""
    with ws.analytics(read_only=True) as con:
        values = con.execute("SELECT DISTINCT city FROM members UNION SELECT DISTINCT country FROM members "
                             "UNION SELECT DISTINCT rfm_segment FROM member_predictions").fetchall()
    return {w for (v,) in values if v for w in re.findall(r"[\w'-]+", str(v))}


def _audit(ws, action: str) -> list[dict[str, object]]:
    from memberinsight.workspace import list_audit

    return [json.loads(e.detail or "{}") for e in list_audit(ws, limit=200) if e.action == action]


@pytest.mark.parametrize("k", [5, 12])
def test_export_has_no_identifier_and_meets_k(workspace_copy, k: int) -> None:
    ws = workspace_copy
    report = export_pseudonymised(ws, actor="dpo", reason="churn study for the analytics agency", k=k)
    assert report.path.parent == (Path(ws.path) / "exports").resolve()
    rows = _read(report.path)
    assert list(rows[0]) == [PSEUDONYM_COLUMN, *QUASI_IDENTIFIERS, *ANALYTICS_COLUMNS]
    assert len(rows) == report.written == report.requested - report.suppressed
    # no identifier anywhere in the file: not as a cell, not inside one
    text = report.path.read_text(encoding="utf-8")
    cells = {cell for row in csv.reader(text.splitlines()) for cell in row}
    ids = _identifiers(ws)
    for field in ("email", "phone"):
        leaked = {v for v in ids[field] if v in text}
        assert not leaked, f"{field} leaked: {len(leaked)} values"
    words = set(re.findall(r"[\w'-]+", text)) - _public_words(ws)  # "Lee" may be in "Leeds", not a word of it
    for field in ("first_name", "last_name"):
        leaked = ids[field] & words
        assert not leaked, f"{field} leaked: {sorted(leaked)[:5]}"
    assert not ids["member_id"] & cells
    assert "@" not in text
    # every quasi-identifier combination has at least k rows
    combos: dict[tuple[str, ...], int] = {}
    for row in rows:
        key = tuple(row[c] for c in QUASI_IDENTIFIERS)
        combos[key] = combos.get(key, 0) + 1
    assert min(combos.values()) >= k == report.k and report.smallest_class >= k
    assert len({r[PSEUDONYM_COLUMN] for r in rows}) == len(rows)  # one pseudonym per member
    assert report.sha256 == hashlib.sha256(report.path.read_bytes()).hexdigest()
    # the summary and the audit row count each step; the key itself appears nowhere
    assert set(report.generalised) == {"city -> region", "city withheld (country only)", "age band -> wider band",
                                       "age band withheld"}
    assert sum(report.generalised.values()) > 0 and f"suppressed {report.suppressed:,}" in report.summary()
    detail = _audit(ws, "privacy.pseudonymised_export")[0]
    assert detail["k"] == k and detail["sha256"] == report.sha256 and detail["rows"] == len(rows)
    assert detail["generalised"] == report.generalised and detail["suppressed"] == report.suppressed
    assert detail["reason"] == "churn study for the analytics agency"
    with ws.operations() as con:
        secret = con.execute("SELECT secret FROM privacy_keys WHERE retired_at IS NULL").fetchone()[0]
        log = " ".join(str(r[0]) for r in con.execute("SELECT detail FROM audit_log").fetchall())
    assert secret not in text and secret not in log and secret[:16] not in log


def test_pseudonyms_are_stable_until_the_key_is_rotated(workspace_copy, tmp_path: Path) -> None:
    ws = workspace_copy
    first = export_pseudonymised(ws, actor="dpo", reason="q1", out=tmp_path / "a.csv")
    again = export_pseudonymised(ws, actor="dpo", reason="q1 again", out=tmp_path / "b.csv")
    a, b = _read(first.path), _read(again.path)
    assert [r[PSEUDONYM_COLUMN] for r in a] == [r[PSEUDONYM_COLUMN] for r in b]  # same key: linkable
    assert first.key_fingerprint == again.key_fingerprint == current_key(ws).fingerprint
    old = current_key(ws)
    new = rotate_key(ws, actor="dpo", reason="quarterly rotation")
    assert new.fingerprint != old.fingerprint and new.key_id > old.key_id
    rotated = _read(export_pseudonymised(ws, actor="dpo", reason="q2", out=tmp_path / "c.csv").path)
    assert not {r[PSEUDONYM_COLUMN] for r in a} & {r[PSEUDONYM_COLUMN] for r in rotated}
    with ws.operations() as con:  # the old key is destroyed, not kept
        keys = con.execute("SELECT key_id, secret IS NULL AS gone FROM privacy_keys ORDER BY key_id").fetchall()
    assert [tuple(k) for k in keys] == [(old.key_id, 1), (new.key_id, 0)]
    rotations = _audit(ws, "privacy.rotate_key")
    assert rotations[0]["retired"] == old.fingerprint and rotations[0]["reason"] == "quarterly rotation"


def test_segment_export_and_refusals(workspace_copy) -> None:
    from memberinsight.segments import segment_member_ids

    report = export_pseudonymised(workspace_copy, actor="dpo", reason="champions study", segment="Champions", k=3)
    assert report.requested == len(segment_member_ids(workspace_copy, "Champions"))
    assert {r["rfm_segment"] for r in _read(report.path)} == {"Champions"}
    assert report.path.name.startswith("champions_pseudonymised_")
    with pytest.raises(DataValidationError, match="give a reason"):
        export_pseudonymised(workspace_copy, actor="dpo", reason=" ")
    with pytest.raises(DataValidationError, match="k must be between 2"):
        export_pseudonymised(workspace_copy, actor="dpo", reason="x", k=1)


def test_cli_share_and_rotate(workspace_copy, tmp_path: Path) -> None:
    runner, ws = CliRunner(), str(workspace_copy.path)
    refused = runner.invoke(app, ["share", "members", "--reason", "x", "-w", ws])
    assert refused.exit_code == 1 and "--pseudonymised" in str(refused.exception)
    result = runner.invoke(app, ["share", "members", "--pseudonymised", "--reason", "agency", "--k", "8",
                                 "--out", str(tmp_path / "p.csv"), "--json", "-w", ws])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["k"] == 8 and data["written"] + data["suppressed"] == data["requested"] == 2000
    text = runner.invoke(app, ["share", "members", "--pseudonymised", "--reason", "agency", "-w", ws]).output
    assert "k-anonymity k=5" in text and "suppressed" in text and "generalised city -> region" in text
    rotated = runner.invoke(app, ["privacy", "rotate-key", "--reason", "staff change", "--json", "-w", ws])
    assert rotated.exit_code == 0 and json.loads(rotated.stdout)["fingerprint"] != data["key_fingerprint"]
    assert "secret" not in rotated.stdout
