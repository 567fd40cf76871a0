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

segment_app = typer.Typer(help="Custom segments: define from plain words, save, list, show, delete.",
                          no_args_is_help=True)

def _size_or_reason(ws: Any, definition: Any) -> tuple[int | None, str | None]:
    from memberinsight.errors import ModelNotReadyError
    from segments import segment_size

    try:
        return segment_size(ws, definition), None
    except ModelNotReadyError as exc:
        return None, str(exc)


def _definition_text(result: dict[str, Any]) -> str:
    lines = [f"Sentence:    {result['sentence']}", f"Definition:  {result['description'] or '(none)'}"]
    for row in result.get("fields", []):
        extra = "".join(f" {k}={row[k]}" for k in ("category", "days", "from", "to") if row.get(k) is not None)
        lines.append(f"  - {row['path']}: {row['field']}{extra} {'NOT ' if row['negated'] else ''}{row['op']} "
                     f"{row['value']}")
    if result["not_understood"]:
        lines.append("Not understood: " + ", ".join(f"'{w}'" for w in result["not_understood"]))
    for note in result["notes"]:
        lines.append(f"Note: {note}")
    if result.get("size") is not None:
        lines.append(f"Size:        {result['size']:,} members")
    elif result.get("size_unavailable"):
        lines.append(f"Size:        unavailable ({result['size_unavailable']})")
    return "\n".join(lines)


def _llm_proposer(workspace: Any) -> Any:
    """A proposer backed by the configured language model (its text is only ever parsed as JSON)."""
    from agent.llm import UNTRUSTED_RULE, get_backend

    backend = get_backend(settings(workspace))

    def propose(prompt: str) -> str:
        system = "You turn CRM segment requests into JSON segment definitions. Answer with JSON only. "
        return backend.generate([{"role": "system", "content": system + UNTRUSTED_RULE},
                                 {"role": "user", "content": prompt}], max_new_tokens=300)

    return propose


def _load_definition(path: str) -> Any:
    from segments import SegmentDefinition

    text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    if path.endswith((".yaml", ".yml")):
        return SegmentDefinition.from_yaml(text)
    return SegmentDefinition.from_json(text)


def _parse_words(ws: Any, sentence: str, workspace: Any, propose: bool = False) -> Any:
    """The one parse path of ``define`` and ``save --sentence``: workspace vocabulary, the MiniLM field
    matcher, and the configured LLM's proposal only when asked for."""
    from segments import load_vocabulary, parse_sentence
    from segments.embedding import FieldMatcher

    return parse_sentence(sentence, load_vocabulary(ws), matcher=FieldMatcher(),
                          proposer=_llm_proposer(workspace) if propose else None)


@segment_app.command("define")
def define(sentence: Annotated[str, typer.Argument(help="The segment in plain words, in quotes.")],
           workspace: WorkspaceOpt = None, as_json: JsonOpt = False,
           sql: Annotated[bool, typer.Option("--sql", help="Also show the compiled, parameterised SQL.")] = False,
           propose: Annotated[bool, typer.Option(
               "--propose", help="If some words are not understood, let the configured LLM propose a "
                                 "definition (validated against the schema, never executed).")] = False,
           ) -> None:
    """Parse a sentence: the definition (words + editable fields), words not understood, and the size."""
    from segments import compile_definition, editable_rows

    ws = open_workspace(workspace)
    result = _parse_words(ws, sentence, workspace, propose)
    out = result.to_dict()
    out["fields"] = editable_rows(result.definition) if result.definition else []
    if result.definition is not None:
        out["size"], reason = _size_or_reason(ws, result.definition)
        if reason:
            out["size_unavailable"] = reason
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
         accept_partial: Annotated[bool, typer.Option(help="Save even if some words were not understood.")] = False,
         workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Save a segment (from --sentence or --definition) with its current size; you (the configured ``actor``
    or your OS user name, e.g. ``alice (cli)``) are recorded as its owner."""
    from memberinsight.errors import DataValidationError
    from segments import SegmentParseError, save_segment

    ws = open_workspace(workspace)
    if sentence is not None and definition is None:
        result = _parse_words(ws, sentence, workspace)  # exactly what `segment define` shows
        if result.definition is None:
            words = ", ".join(f"'{w}'" for w in result.not_understood) or "nothing I recognise"
            raise SegmentParseError(f"not saved: no segment condition found (not understood: {words})",
                                    not_understood=result.not_understood)
        if result.not_understood and not accept_partial:
            raise DataValidationError("not saved: these words were not understood: "
                                      + ", ".join(f"'{w}'" for w in result.not_understood)
                                      + " (rephrase, or pass --accept-partial)", column="sentence")
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
    from segments import list_segments

    segs = list_segments(open_workspace(workspace))
    rows = [{"name": s.name, "size": s.size, "owner": s.owner, "updated_at": s.updated_at, "version": s.version,
             "description": s.description} for s in segs]
    text = "\n".join(f"{r['name']:<30} {r['size'] if r['size'] is not None else '?':>8}  {r['description']}"
                     for r in rows) or "No saved segments."
    emit(rows, as_json, text=text)


@segment_app.command("show")
def show(name: Annotated[str, typer.Argument(help="Saved segment name.")],
         members: Annotated[int, typer.Option(help="Also list up to this many member ids.")] = 0,
         workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """A saved segment: definition, words, owner, size history (and member ids with --members)."""
    from segments import editable_rows, get_segment, refresh_sizes, resolve_segment_members

    ws = open_workspace(workspace)
    refresh_sizes(ws)
    seg = get_segment(ws, name)
    out = seg.to_dict() | {"fields": editable_rows(seg.definition)}
    if members:
        out["members"] = resolve_segment_members(ws, seg.name)[:members]
    history = "\n".join(f"  {p.computed_at}  {p.size:>8,}  (data {p.data_version}, v{p.definition_version})"
                        for p in seg.sizes)
    emit(out, as_json, text=f"{seg.name} (v{seg.version}, owner {seg.owner})\n{seg.description}\n"
                            f"Size history:\n{history}" + (f"\nMembers: {', '.join(out['members'])}"
                                                           if members else ""))


@segment_app.command("delete")
def delete(name: Annotated[str, typer.Argument(help="Saved segment name.")],
           workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Delete a saved segment (audited as the configured ``actor`` or your OS user name)."""
    from segments import delete_segment

    delete_segment(open_workspace(workspace), name, actor=cli_actor(settings(workspace)))
    emit({"deleted": name}, as_json, text=f"Deleted '{name}'.")


@segment_app.command("members")
def members_cmd(segment: Annotated[str, typer.Argument(help="Saved or RFM segment name, or a JSON definition.")],
                limit: Annotated[int, typer.Option(help="At most this many ids (0 = all).")] = 0,
                workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """Member ids of a saved segment, an RFM segment or a definition."""
    from segments import resolve_segment_members

    ids = resolve_segment_members(open_workspace(workspace), segment)
    shown = ids[:limit] if limit else ids
    emit({"segment": segment, "size": len(ids), "members": shown}, as_json,
         text=f"{len(ids):,} members\n" + "\n".join(shown))


@segment_app.command("fields")
def fields_cmd(as_json: JsonOpt = False) -> None:
    """The field catalogue: every field a definition may use."""
    from segments import catalogue_rows

    rows = catalogue_rows()
    emit(rows, as_json, text="\n".join(f"{r['name']:<26} {r['type']:<8} {r['description']}" for r in rows))


@segment_app.command("quality")
def quality_cmd(workspace: WorkspaceOpt = None, as_json: JsonOpt = False,
                buckets: Annotated[int, typer.Option(help="Score buckets (5 = quintiles).")] = 5,
                plot: Annotated[Path | None, typer.Option(help="Write the figure to this PNG file.")] = None) -> None:
    """Prediction quality: actual vs predicted per score bucket on the latest holdout, lift, verdict."""
    from segments.quality import prediction_quality_report, quality_figure

    report = prediction_quality_report(open_workspace(workspace), settings(workspace), n_buckets=buckets)
    if plot is not None:
        quality_figure(report).savefig(plot, dpi=110, bbox_inches="tight")
    emit(report, as_json, text=report.summary_text() + (f"\nFigure: {plot}" if plot else ""))


@evaluate_app.command("segments")
def evaluate_segments(
        file: Annotated[Path | None, typer.Option(help="Labelled JSONL (default: the dev and holdout sets under tests/).")] = None,
        embeddings: Annotated[bool, typer.Option(help="Let the MiniLM field matcher fill gaps.")] = True,
        as_json: JsonOpt = False) -> None:
    """Parse accuracy of plain-words segments (exact definition match after canonicalisation)."""
    from segments.embedding import FieldMatcher
    from segments.evaluation import SENTENCE_FILES, evaluate_parser
    from segments.vocabulary import demo_vocabulary

    files = {"custom": file} if file else SENTENCE_FILES
    matcher = FieldMatcher() if embeddings else None
    results = {name: evaluate_parser(path, demo_vocabulary(), matcher) for name, path in files.items()}
    text = "\n".join(f"{name}: {r.correct}/{r.sentences} = {r.accuracy:.1%} ({r.seconds:.2f} s)"
                     + "".join(f"\n  miss {f['id']}: {f['sentence']}" for f in r.failures)
                     for name, r in results.items())
    emit(results, as_json, text=text)


def register(app: typer.Typer) -> None:
    app.add_typer(segment_app, name="segment")
