"""Fraud rules: an operator-editable YAML file, checked, compiled to parameterised SQL, and run.

A rule file is a list of rules, each with a ``name``, a plain-words ``description``, a ``severity``
(low / medium / high), a ``kind`` (one of :data:`fraud.kinds.KINDS`), its ``params`` and
``enabled``. The packaged file (``fraud/rules.yaml``) is used unless the workspace has its own
``fraud_rules.yaml`` (``memberinsight fraud rules --init`` writes a copy to edit) or a file is named.

Compiled SQL is a constant template per kind with bound parameters (``$name``); the only text a
rule chooses is the identifier a check groups by, checked against a fixed list. Runs are
incremental: ``since`` limits hits to orders (and accounts) newer than the last scan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from memberinsight.errors import ConfigError
from memberinsight.fraud.kinds import IDENTIFIER_LABELS, KINDS, Kind, Param

DEFAULT_RULES = Path(__file__).with_name("rules.yaml")
WORKSPACE_RULES = "fraud_rules.yaml"
SEVERITY_WEIGHT = {"low": 0.25, "medium": 0.5, "high": 0.75}
MAX_RULES_TEXT = 64 * 1024
_NAME = re.compile(r"^[a-z][a-z0-9_]{1,48}$")
EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class Rule:
    """One checked rule: what it is called and means, how severe, which check with which settings."""

    name: str
    description: str
    severity: str
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True

    @property
    def weight(self) -> float:
        """How much one hit of this rule adds to an order's risk (from the severity)."""
        return SEVERITY_WEIGHT[self.severity]

    @property
    def level(self) -> str:
        return KINDS[self.kind].level


@dataclass(frozen=True)
class CompiledRule:
    """A rule's SQL text and its bound values."""

    rule: Rule
    sql: str
    params: dict[str, Any]


def _check_param(rule: str, name: str, spec: Param, value: Any) -> Any:
    where = f"rule {rule!r}, parameter {name!r}"
    if spec.kind == "identifier":
        if value not in spec.choices:
            raise ConfigError(f"{where}: {value!r} is not one of {', '.join(spec.choices)}")
        return value
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: must be true or false, got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where}: must be a number, got {value!r}")
    if spec.kind == "int" and value != int(value):
        raise ConfigError(f"{where}: must be a whole number, got {value!r}")
    if spec.low is not None and value < spec.low:
        raise ConfigError(f"{where}: must be at least {spec.low:g}, got {value!r}")
    if spec.high is not None and value > spec.high:
        raise ConfigError(f"{where}: must be at most {spec.high:g}, got {value!r}")
    return int(value) if spec.kind == "int" else float(value)


def parse_rule(data: Any) -> Rule:
    """One rule from plain data (a YAML mapping); raises :class:`ConfigError` naming what is wrong."""
    if not isinstance(data, dict):
        raise ConfigError(f"each rule must be a mapping, got {type(data).__name__}")
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(f"rule name {name!r} must be 2-49 lower-case letters, digits or underscores")
    unknown = set(data) - {"name", "description", "severity", "kind", "params", "enabled"}
    if unknown:
        raise ConfigError(f"rule {name!r}: unknown key(s) {', '.join(sorted(unknown))}")
    kind = data.get("kind")
    if kind not in KINDS:
        raise ConfigError(f"rule {name!r}: kind {kind!r} is not one of {', '.join(KINDS)}")
    severity = data.get("severity", "medium")
    if severity not in SEVERITY_WEIGHT:
        raise ConfigError(f"rule {name!r}: severity must be low, medium or high, got {severity!r}")
    description = data.get("description") or KINDS[kind].finds
    if not isinstance(description, str):
        raise ConfigError(f"rule {name!r}: description must be text")
    given = data.get("params") or {}
    if not isinstance(given, dict):
        raise ConfigError(f"rule {name!r}: params must be a mapping")
    specs = KINDS[kind].params
    extra = set(given) - set(specs)
    if extra:
        raise ConfigError(f"rule {name!r}: unknown parameter(s) {', '.join(sorted(extra))} for kind {kind} "
                          f"(it takes {', '.join(specs)})")
    params = {p: _check_param(name, p, spec, given.get(p, spec.default)) for p, spec in specs.items()}
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(f"rule {name!r}: enabled must be true or false")
    return Rule(name, description.strip(), severity, kind, params, enabled)


def parse_rules(text: str, source: str = "rules") -> list[Rule]:
    """Rules from YAML text (``rules:`` list); names must be unique."""
    import yaml

    if len(text) > MAX_RULES_TEXT:
        raise ConfigError(f"{source}: the rules file is over {MAX_RULES_TEXT // 1024} KB")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise ConfigError(f"{source}: expected a mapping with a 'rules' list")
    rules = [parse_rule(r) for r in data["rules"]]
    names = [r.name for r in rules]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"{source}: rule name(s) used twice: {', '.join(dupes)}")
    return rules


def rules_path(ws: Any = None, path: str | Path | None = None) -> Path:
    """Which rules file applies: ``path``, else the workspace's ``fraud_rules.yaml``, else the packaged one."""
    if path is not None:
        return Path(path).expanduser()
    if ws is not None and (ws.path / WORKSPACE_RULES).is_file():
        return ws.path / WORKSPACE_RULES
    return DEFAULT_RULES


def load_rules(ws: Any = None, path: str | Path | None = None) -> list[Rule]:
    """The rules in force (see :func:`rules_path`)."""
    chosen = rules_path(ws, path)
    if not chosen.is_file():
        raise ConfigError(f"rules file {chosen} does not exist")
    return parse_rules(chosen.read_text(encoding="utf-8"), str(chosen))


def compile_rule(rule: Rule, since: datetime | None = None) -> CompiledRule:
    """The rule's SQL and bound values; ``since`` keeps only hits newer than that moment."""
    kind: Kind = KINDS[rule.kind]
    values = dict(rule.params)
    idents = {p: values.pop(p) for p, spec in kind.params.items() if spec.kind == "identifier"}
    fmt = {"label": ""}
    for p, ident in idents.items():
        fmt[p] = ident
        fmt["label"] = IDENTIFIER_LABELS[ident]
    if "minutes" in values:
        values["seconds"] = float(values["minutes"]) * 60
    if "hours" in values and rule.kind == "card_testing":
        values["seconds"] = float(values["hours"]) * 3600
    sql = kind.sql
    for key, ident in fmt.items():
        sql = sql.replace("{" + key + "}", ident)
    values["since"] = since or EPOCH
    used = set(re.findall(r"\$([a-z_]+)", sql))
    return CompiledRule(rule, sql, {k: v for k, v in values.items() if k in used})


def _reason(kind: Kind, row: dict[str, Any]) -> str:
    from memberinsight.figures import money

    try:
        return kind.reason.format(**{**row, **{c: money(row.get(c)) for c in kind.money}})
    except (KeyError, ValueError, TypeError):  # a NULL value in a number slot
        return kind.finds


def run_rules(con: duckdb.DuckDBPyConnection, rules: list[Rule], since: datetime | None = None) -> pd.DataFrame:
    """Every enabled rule's hits over the facts tables: rule, severity, weight, level, order_id, member_id, at,
    reason (plain words). ``weight`` is the severity's weight, times the hit's ``strength`` where the check gives
    one (see :mod:`fraud.kinds`)."""
    frames = []
    for rule in rules:
        if not rule.enabled:
            continue
        compiled = compile_rule(rule, since)
        hits = con.execute(compiled.sql, compiled.params).df()
        if hits.empty:
            continue
        kind = KINDS[rule.kind]
        reasons = [_reason(kind, row) for row in hits.to_dict(orient="records")]
        weight: Any = rule.weight
        if "strength" in hits:  # per-hit strength (0-1) scales the severity's weight
            strength = pd.to_numeric(hits["strength"], errors="coerce").fillna(1.0).clip(0.0, 1.0)
            weight = (strength * rule.weight).round(4).to_numpy()
        frames.append(pd.DataFrame({
            "rule": rule.name, "severity": rule.severity, "weight": weight, "level": kind.level,
            "order_id": hits["order_id"].astype(object), "member_id": hits["member_id"].astype(object),
            "at": hits["at"], "reason": reasons}))
    columns = ["rule", "severity", "weight", "level", "order_id", "member_id", "at", "reason"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
