"""``memberinsight segment ...``: custom segments from plain words; ``memberinsight evaluate segments``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from memberinsight.cli.common import (
    JsonOpt,
    WorkspaceOpt,
    cli_actor,
    emit,
    evaluate_app,
    open_workspace,
    settings,
)
from memberinsight.cli.tables import text_table
from memberinsight.figures import day, moment, number

segment_app = typer.Typer(help="Custom segments: define from plain words, save, list, show, delete.",
                          no_args_is_help=True)

def _definition_text(result: dict[str, Any]) -> str:
    if result.get("refusal"):
        return f"Sentence:    {result['sentence']}\nNot a segment: {result['refusal']}"
    lines = [f"Sentence:    {result['sentence']}", f"Definition:  {result['description'] or '(none)'}",
             f"Status:      {result['status']} (confidence {result['confidence']:.0%})"]
    for row in result.get("fields", []):
        extra = "".join(f" {k}={row[k]}" for k in ("category", "days", "from", "to") if row.get(k) is not None)
        lines.append(f"  - {row['path']}: {row['field']}{extra} {'NOT ' if row['negated'] else ''}{row['op']} "
                     f"{row['value']}")
    if result["not_understood"]:
        lines.append("Not understood: " + ", ".join(f"'{w}'" for w in result["not_understood"]))
    for reading in result.get("readings", []):
        lines.append(f"Read: {reading}")
    for note in result["notes"]:
        lines.append(f"Note: {note}")
    counts = result.get("counts") or {}
    if result.get("size") is not None:
        lines.append(f"Size:        {result['size']:,} members")
        if len(counts.get("conditions", [])) > 1:
            lines += [f"  - {c['words']}: {c['members']:,}" for c in counts["conditions"] if c["members"] is not None]
        if counts.get("empty_reason"):
            lines.append(counts["empty_reason"])
    elif result.get("size_unavailable"):
        lines.append(f"Size:        unavailable ({result['size_unavailable']})")
    for q in result.get("questions", []):
        options = "; ".join(o["label"] for o in q["options"][1:])
        lines.append(f"Question:    {q['text']}" + (f" (other readings: {options})" if options else ""))
    return "\n".join(lines)


def _llm_proposer(workspace: Any) -> Any:
    """A proposer backed by the configured language model (its text is only ever parsed as JSON)."""
    from memberinsight.agent.llm import UNTRUSTED_RULE, get_backend

    backend = get_backend(settings(workspace))

    def propose(prompt: str) -> str:
        system = "You turn CRM segment requests into JSON segment definitions. Answer with JSON only. "
        return backend.generate([{"role": "system", "content": system + UNTRUSTED_RULE},
                                 {"role": "user", "content": prompt}], max_new_tokens=300)

    return propose


def _load_definition(path: str) -> Any:
    from memberinsight.segments import SegmentDefinition

    text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    if path.endswith((".yaml", ".yml")):
        return SegmentDefinition.from_yaml(text)
    return SegmentDefinition.from_json(text)


def _parse_words(ws: Any, sentence: str, workspace: Any, propose: bool = False, counts: bool = False) -> Any:
    """The one parse path of ``define`` and ``save --sentence``: workspace vocabulary, the MiniLM field
    matcher, and the configured LLM's proposal only when asked for (member counts with ``counts``)."""
    from memberinsight.segments import load_vocabulary, parse_sentence
    from memberinsight.segments.embedding import FieldMatcher

    return parse_sentence(sentence, load_vocabulary(ws), matcher=FieldMatcher(),
                          proposer=_llm_proposer(workspace) if propose else None, workspace=ws if counts else None)


@segment_app.command("define")
def define(sentence: Annotated[str, typer.Argument(help="The segment in plain words, in quotes.")],
           workspace: WorkspaceOpt = None, as_json: JsonOpt = False,
           sql: Annotated[bool, typer.Option("--sql", help="Also show the compiled, parameterised SQL.")] = False,
           propose: Annotated[bool, typer.Option(
               "--propose", help="If some words are not understood, let the configured LLM propose a "
                                 "definition (validated against the schema, never executed).")] = False,
           ) -> None:
    """Parse a sentence: the definition (words + editable fields), words not understood, and the size."""
    from memberinsight.segments import compile_definition, editable_rows

    ws = open_workspace(workspace)
    result = _parse_words(ws, sentence, workspace, propose, counts=True)
    out = result.to_dict()
    out["fields"] = editable_rows(result.definition) if result.definition else []
    if result.definition is not None:
        counted = result.counts
        out["size"] = counted.total if counted is not None else None
        if counted is not None and counted.unavailable:
            out["size_unavailable"] = counted.unavailable
        if sql:
            q = compile_definition(result.definition)
            out["sql"], out["params"] = q.sql, q.params
    else:
        out["size"] = None
    emit(out, as_json, text=None if as_json else _definition_text(out) + (f"\n\n{out['sql']}\n{out['params']}"
                                                                          if sql and "sql" in out else ""))


@segment_app.command("save")
def save(name: Annotated[str, typer.Argument(help="Segment name.")],
         sentence: Annotated[str | None, typer.Option("--sentence", "-s", help="Define it from plain words.")] = None,
         definition: Annotated[str | None, typer.Option("--definition", "-d",
                                                        help="JSON/YAML definition file ('-' for stdin).")] = None,
         overwrite: Annotated[bool, typer.Option(help="Replace a segment with the same name.")] = False,
         expected_version: Annotated[int | None, typer.Option(help="Only update if still at this version.")] = None,
         accept_partial: Annotated[bool, typer.Option(
             help="Save even if some words were not understood or guessed (the parse asked a question).")] = False,
         workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Save a segment (from --sentence or --definition) with its current size; you (the configured ``actor``
    or your OS user name, e.g. ``alice (cli)``) are recorded as its owner."""
    from memberinsight.errors import DataValidationError
    from memberinsight.segments import SegmentParseError, save_segment

    ws = open_workspace(workspace)
    if sentence is not None and definition is None:
        result = _parse_words(ws, sentence, workspace)  # exactly what `segment define` shows
        if result.refusal is not None:
            raise SegmentParseError(f"not saved: not a segment: {result.refusal}", not_understood=[sentence])
        if result.definition is None:
            words = ", ".join(f"'{w}'" for w in result.not_understood) or "nothing I recognise"
            raise SegmentParseError(f"not saved: no segment condition found (not understood: {words})",
                                    not_understood=result.not_understood)
        if result.not_understood and not accept_partial:
            raise DataValidationError("not saved: these words were not understood: "
                                      + ", ".join(f"'{w}'" for w in result.not_understood)
                                      + " (rephrase, or pass --accept-partial)", column="sentence")
        if result.questions and not accept_partial:
            raise DataValidationError("not saved: the parser had to guess. " + result.readback.replace("\n", " ")
                                      + " (rephrase, or pass --accept-partial to save this reading)",
                                      column="sentence")
        defn = result.definition
    elif definition is not None and sentence is None:
        defn = _load_definition(definition)
    else:
        raise DataValidationError("give exactly one of --sentence or --definition", column="definition")
    seg = save_segment(ws, name, defn, owner=cli_actor(settings(workspace)), sentence=sentence, overwrite=overwrite,
                       expected_version=expected_version)
    emit(seg.to_dict(), as_json, text=f"Saved '{seg.name}' (version {seg.version}): {seg.size:,} members\n"
                                      f"{seg.description}")


@segment_app.command("list")
def list_cmd(workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Saved segments with their current size (recomputed when the data changed)."""
    from memberinsight.segments import list_segments

    segs = list_segments(open_workspace(workspace))
    rows = [{"name": s.name, "size": s.size, "owner": s.owner, "updated_at": s.updated_at, "version": s.version,
             "description": s.description} for s in segs]
    text = text_table(["segment", "members", "owner", "updated", "definition"],
                      [[r["name"], number(r["size"]), r["owner"], day(r["updated_at"]), r["description"]] for r in rows],
                      max_widths=[None, None, None, None, 80]) if rows else "No saved segments."
    emit(rows, as_json, text=text)


@segment_app.command("show")
def show(name: Annotated[str, typer.Argument(help="Saved segment name.")],
         members: Annotated[int, typer.Option(help="Also list up to this many member ids.")] = 0,
         workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """A saved segment: definition, words, owner, size history (and member ids with --members)."""
    from memberinsight.segments import editable_rows, get_segment, refresh_sizes, resolve_segment_members

    ws = open_workspace(workspace)
    refresh_sizes(ws)
    seg = get_segment(ws, name)
    out = seg.to_dict() | {"fields": editable_rows(seg.definition)}
    if members:
        out["members"] = resolve_segment_members(ws, seg.name)[:members]
    history = text_table(["  computed", "members", "data version", "definition version"],
                         [[f"  {moment(p.computed_at)}", number(p.size), p.data_version, p.definition_version]
                          for p in seg.sizes])
    emit(out, as_json, text=f"{seg.name} (v{seg.version}, owner {seg.owner})\n{seg.description}\n"
                            f"Size history:\n{history}" + (f"\nMembers: {', '.join(out['members'])}"
                                                           if members else ""))


@segment_app.command("delete")
def delete(name: Annotated[str, typer.Argument(help="Saved segment name.")],
           workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Delete a saved segment (audited as the configured ``actor`` or your OS user name)."""
    from memberinsight.segments import delete_segment

    delete_segment(open_workspace(workspace), name, actor=cli_actor(settings(workspace)))
    emit({"deleted": name}, as_json, text=f"Deleted '{name}'.")


@segment_app.command("members")
def members_cmd(segment: Annotated[str, typer.Argument(help="Saved or RFM segment name, or a JSON definition.")],
                limit: Annotated[int, typer.Option(help="At most this many ids (0 = all).")] = 0,
                workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Member ids of a saved segment, an RFM segment or a definition."""
    from memberinsight.segments import resolve_segment_members

    ids = resolve_segment_members(open_workspace(workspace), segment)
    shown = ids[:limit] if limit else ids
    emit({"segment": segment, "size": len(ids), "members": shown}, as_json,
         text=f"{len(ids):,} members\n" + "\n".join(shown))


@segment_app.command("fields")
def fields_cmd(as_json: JsonOpt = False) -> None:
    """The field catalogue: every field a definition may use."""
    from memberinsight.segments import catalogue_rows

    rows = catalogue_rows()
    emit(rows, as_json, text=text_table(["field", "type", "meaning"],
                                        [[r["name"], r["type"], r["description"]] for r in rows]))


@segment_app.command("quality")
def quality_cmd(workspace: WorkspaceOpt = None, as_json: JsonOpt = False,
                buckets: Annotated[int, typer.Option(help="Score buckets (5 = quintiles).")] = 5,
                plot: Annotated[Path | None, typer.Option(help="Write the figure to this PNG file.")] = None) -> None:
    """Prediction quality: actual vs predicted per score bucket on the latest holdout, lift, verdict."""
    from memberinsight.segments.quality import prediction_quality_report, quality_figure

    report = prediction_quality_report(open_workspace(workspace), settings(workspace), n_buckets=buckets)
    if plot is not None:
        quality_figure(report).savefig(plot, dpi=110, bbox_inches="tight")
    emit(report, as_json, text=report.summary_text() + (f"\nFigure: {plot}" if plot else ""))


def _evaluation_workspace(workspace: Path | None, explicit: bool) -> tuple[Any, str | None]:
    """The built workspace to compare member sets on, or None and why not."""
    from memberinsight.errors import MemberInsightError

    try:
        ws = open_workspace(workspace)
        with ws.analytics(read_only=True) as con:
            tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    except MemberInsightError as exc:
        if explicit:
            raise
        return None, f"no workspace ({exc}); run `memberinsight demo --no-serve` to compare members"
    if "member_predictions" not in tables:
        return None, "the workspace is not built; run `memberinsight build` to compare members"
    return ws, None


def _evaluation_text(out: dict[str, Any]) -> str:
    names = list(out["files"])
    width = max(12, *(len(n) for n in names))
    lines = [f"{'metric':<18}" + "".join(f"{n:>{width + 2}}" for n in names)]
    for metric, row in out["side_by_side"].items():
        cells = []
        for n in names:
            v = row.get(n)
            cells.append("-" if v is None else (f"{v:.1%}" if isinstance(v, float) and metric not in
                                                 ("parse_ms_p50",) else (f"{v:.2f} ms" if metric == "parse_ms_p50"
                                                                          else f"{v:,}")))
        lines.append(f"{metric:<18}" + "".join(f"{c:>{width + 2}}" for c in cells))
    lines.append(f"members compared on: {out['workspace'] or 'none'}" + (f" ({out['members_note']})"
                                                                         if out["members_note"] else ""))
    for name, ev in out["files"].items():
        for f in ev.failures:
            if f.get("partial"):
                continue
            flag = "SILENTLY WRONG " if f.get("silently_wrong") else ""
            lines.append(f"  {name} {flag}miss {f['id']} ({f['outcome']}): {f['sentence']}")
    return "\n".join(lines)


@evaluate_app.command("segments")
def evaluate_segments(
        file: Annotated[Path | None, typer.Option(help="One labelled JSONL file (default: the parser's own sets "
                                                       "and the blind corpus: blind_dev, blind_dev2, "
                                                       "blind_dev3 and blind_heldout when present).")] = None,
        embeddings: Annotated[bool, typer.Option(help="Let the MiniLM field matcher fill gaps.")] = True,
        workspace: WorkspaceOpt = None,
        members: Annotated[bool, typer.Option("--members/--no-members",
                                              help="Compare member sets on a built workspace (the configured one "
                                                   "or --workspace).")] = True,
        as_json: JsonOpt = False) -> None:
    """Plain-words segments: same definition, same members, asked/refused right, silently wrong and asked when
    not needed, per file, the dev sets and the held-out set side by side."""
    from memberinsight.segments.embedding import FieldMatcher
    from memberinsight.segments.evaluation import (
        BLIND_FILES,
        SENTENCE_FILES,
        evaluate_files,
        evaluation_vocabulary,
        side_by_side,
    )
    from memberinsight.segments.vocabulary import load_vocabulary

    files = {file.stem: file} if file else {**SENTENCE_FILES, **BLIND_FILES}
    ws, note = _evaluation_workspace(workspace, workspace is not None) if members else (None, "--no-members")
    vocab = load_vocabulary(ws) if ws is not None else evaluation_vocabulary()
    results = evaluate_files(files, vocab, FieldMatcher() if embeddings else None, ws)
    out = {"files": results, "side_by_side": side_by_side(results),
           "workspace": str(ws.path) if ws is not None else None, "members_note": note,
           "held_out_present": "blind_heldout" in results}
    emit(out, as_json, text=None if as_json else _evaluation_text(out))


def register(app: typer.Typer) -> None:
    app.add_typer(segment_app, name="segment")
