"""Parse accuracy on labelled sentence sets (``memberinsight evaluate segments``).

Two formats, one loader. Each JSONL line is ``{"id", "sentence", "expected", "note"?}``; ``expected``
is a segment definition, or (blind corpus) the string ``"ask"`` (the parser must ask back: two
plausible readings, a field, horizon or value the shop does not have) or ``"refuse"`` (not a segment
request, or a destructive one).

Figures per file:

* ``same_definition``: the parse equals the expected definition after canonicalisation;
* ``same_members``: compiled on a built workspace, the parse selects exactly the expected members
  (several definitions mean the same members: "this year" to the data's last date or to 31 Dec);
* ``asked_right`` / ``refused_right``: an "ask" line was asked back (or refused); a "refuse" line was
  refused (or asked back), never reported as understood;
* ``silently_wrong``: reported fully understood (no question, no unknown word) but wrong: other
  members than intended, or a definition where the line wanted a question or a refusal. Must be 0;
* ``asked_unneeded``: definition lines where the parser asked although its first reading was right;
* ``accuracy`` (the older, stricter figure on definition lines): same definition *and* understood.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from memberinsight.errors import DataValidationError
from memberinsight.segments.definition import SegmentDefinition
from memberinsight.segments.errors import SegmentDefinitionError, SegmentParseError
from memberinsight.segments.parser import parse_sentence
from memberinsight.segments.vocabulary import Vocabulary

REPO_TESTS = Path(__file__).resolve().parents[1] / "tests" / "segments"
SENTENCE_FILES = {name: REPO_TESTS / f"{stem}.jsonl" for name, stem in (
    ("dev", "sentences"), ("holdout", "sentences_holdout"), ("holdout2", "sentences_holdout2"),
    ("holdout3", "sentences_holdout3"))}
"""The parser's own sets: ``dev`` was written before the parser, each holdout batch later."""
BLIND_FILES = {name: REPO_TESTS / f"{name}.jsonl" for name in ("blind_dev", "blind_dev2", "blind_dev3",
                                                                "blind_dev4", "blind_dev5", "blind_dev6",
                                                                "blind_dev7", "blind_dev8", "blind_dev9",
                                                                "blind_dev10", "blind_dev11", "blind_dev12",
                                                                "blind_dev13", "blind_dev14", "blind_dev15",
                                                                "blind_dev16", "blind_heldout")}
"""The blind corpus (writers who never saw the parser): ``blind_dev``; ``blind_dev2`` to ``blind_dev5`` (the
held-out parts of rounds 1 to 4, developed on since); ``blind_dev6`` (one writer of round 5);
``blind_dev7`` (round 5's held-out, developed on in round 6); ``blind_dev8`` (round 6's held-out, developed on in
round 7); ``blind_dev9`` (round 7's held-out, developed on in round 8); ``blind_dev10`` (round 8's held-out,
developed on in round 9); ``blind_dev11`` (round 9's held-out, developed on in round 10); ``blind_dev12`` (round
10's held-out) and ``blind_dev13`` / ``blind_dev14`` (rounds 11 and 13, each measured once before work on it),
developed on in round 11; ``blind_dev15`` (round 12's writers, measured once late in round 11); ``blind_dev16``
(round 14's writers, kept untouched while rounds 11 and 13 were worked on, measured once after that work, then
developed on); ``blind_heldout``, the next round's writers, reported once, only when the file exists."""
ASK, REFUSE = "ask", "refuse"
VOCABULARY_FILE = REPO_TESTS / "demo_vocabulary.json"
"""The demo shop's values the evaluation sets were written against (a fixture, so the parser never reads the
demo generator; ``tests/segments/test_vocabulary_fixture.py`` keeps it equal to what the generator makes)."""


def evaluation_vocabulary() -> Vocabulary:
    """The vocabulary of the evaluation sets (:data:`VOCABULARY_FILE`), for evaluating without a workspace."""
    return Vocabulary.from_dict(json.loads(VOCABULARY_FILE.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class LabelledSentence:
    id: str
    sentence: str
    expected: SegmentDefinition | str
    """A definition, or ``"ask"`` / ``"refuse"``."""
    note: str = ""


@dataclass
class ParseEvaluation:
    """Figures for one sentence file, with every miss spelled out."""

    file: str
    sentences: int
    correct: int
    """Right lines: definition lines with the same members (same definition without a workspace),
    ask/refuse lines asked or refused."""
    accuracy: float
    partial: int
    """Definition lines whose definition matched but some words were reported as not understood."""
    seconds: float
    definitions: int = 0
    asks: int = 0
    refusals: int = 0
    same_definition: int = 0
    same_members: int | None = None
    asked_right: int = 0
    refused_right: int = 0
    refused_strictly: int = 0
    """"refuse" lines that were refused (not merely asked back)."""
    silently_wrong: int = 0
    asked_unneeded: int = 0
    """Definition lines where the parser asked although its reading was right."""
    rates: dict[str, float | None] = field(default_factory=dict)
    parse_ms_p50: float = 0.0
    parse_ms_p95: float = 0.0
    failures: list[dict[str, Any]] = field(default_factory=list)


def load_sentences(path: Path) -> list[LabelledSentence]:
    """Read and validate a labelled sentence file (errors name file, line and key)."""
    if not path.is_file():
        raise DataValidationError("sentence file not found", file=str(path))
    out: list[LabelledSentence] = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            raw = row["expected"]
            expected: SegmentDefinition | str
            if isinstance(raw, str):
                if raw not in (ASK, REFUSE):
                    raise DataValidationError(f"expected must be a definition, 'ask' or 'refuse', not {raw!r}",
                                              file=str(path), row=lineno, column="expected")
                expected = raw
            else:
                expected = SegmentDefinition.from_dict(raw)
            out.append(LabelledSentence(str(row["id"]), str(row["sentence"]), expected, str(row.get("note") or "")))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise DataValidationError(f"bad line ({exc})", file=str(path), row=lineno) from exc
        except SegmentDefinitionError as exc:
            raise DataValidationError(str(exc), file=str(path), row=lineno, column="expected") from exc
    return out


def outcome(result: Any) -> str:
    """``understood``, ``ask`` or ``refused`` for a parse result (older results: ask when incomplete)."""
    status = getattr(result, "status", None)
    if status is not None:
        return "understood" if status == "understood" else ("refused" if status == "refused" else "ask")
    return "understood" if result.definition is not None and not result.not_understood else "ask"


class _Members:
    """Member sets of definitions on one open workspace connection (cached by definition key)."""

    def __init__(self, con: Any) -> None:
        self.con = con
        self.cache: dict[str, frozenset[str]] = {}

    def __call__(self, definition: SegmentDefinition) -> frozenset[str]:
        from memberinsight.segments.compiler import run_query

        key = definition.key()
        if key not in self.cache:
            self.cache[key] = frozenset(run_query(self.con, definition))
        return self.cache[key]


def evaluate_parser(path: Path, vocab: Vocabulary, matcher: Callable[..., Any] | None = None,
                    members: Callable[[SegmentDefinition], frozenset[str]] | None = None,
                    parse: Callable[..., Any] | None = None) -> ParseEvaluation:
    """Parse every sentence in ``path`` and compare with its label (members too when ``members`` is given)."""
    rows = load_sentences(path)
    parse = parse or parse_sentence
    ev = ParseEvaluation(str(path), len(rows), 0, 0.0, 0, 0.0, same_members=0 if members else None)
    timings: list[float] = []
    start = time.perf_counter()
    for row in rows:
        t0 = time.perf_counter()
        try:
            result = parse(row.sentence, vocab, matcher=matcher)
            got, missing, how = result.definition, list(result.not_understood), outcome(result)
        except SegmentParseError as exc:
            result, got, missing, how = None, None, [str(exc)], "refused"
        timings.append((time.perf_counter() - t0) * 1000)
        failure = _judge(ev, row, got, missing, how, members)
        if failure is not None:
            failure.update({"id": row.id, "sentence": row.sentence, "outcome": how,
                            "got": got.to_dict() if got else None, "not_understood": missing,
                            "question": getattr(result, "question", None)})
            ev.failures.append(failure)
    ev.seconds = round(time.perf_counter() - start, 3)
    n = ev.sentences
    ev.accuracy = round(ev.correct / n, 4) if n else 0.0
    ev.parse_ms_p50 = round(statistics.median(timings), 3) if timings else 0.0
    ev.parse_ms_p95 = round(sorted(timings)[int(0.95 * (len(timings) - 1))], 3) if timings else 0.0

    def rate(k: int | None, d: int) -> float | None:
        return round(k / d, 4) if k is not None and d else None

    ev.rates = {"same_definition": rate(ev.same_definition, ev.definitions),
                "same_members": rate(ev.same_members, ev.definitions),
                "asked_right": rate(ev.asked_right, ev.asks), "refused_right": rate(ev.refused_right, ev.refusals),
                "overall": ev.accuracy}
    return ev


def _judge(ev: ParseEvaluation, row: LabelledSentence, got: SegmentDefinition | None, missing: list[str],
           how: str, members: Callable[[SegmentDefinition], frozenset[str]] | None) -> dict[str, Any] | None:
    """Count one line into ``ev``; a failure record (without the common keys) when it is a miss."""
    if isinstance(row.expected, str):
        wanted = row.expected
        if wanted == ASK:
            ev.asks += 1
            right = how != "understood"
            ev.asked_right += right
        else:
            ev.refusals += 1
            right = how != "understood"
            ev.refused_right += right
            ev.refused_strictly += how == "refused"
        ev.correct += right
        if right:
            return None
        ev.silently_wrong += 1
        return {"expected": wanted, "silently_wrong": True}
    ev.definitions += 1
    same_def = got is not None and got.key() == row.expected.key()
    ev.same_definition += same_def
    ev.partial += same_def and bool(missing)
    same = same_def
    detail: dict[str, Any] = {}
    if members is not None:
        try:
            want_ids = members(row.expected)
            got_ids = members(got) if got is not None else None
        except Exception as exc:  # noqa: BLE001 - an evaluation reports, it does not stop
            detail["error"] = f"{type(exc).__name__}: {exc}"
            want_ids, got_ids = frozenset(), None
        same = got_ids is not None and got_ids == want_ids
        ev.same_members = (ev.same_members or 0) + same
        if not same:
            detail |= {"expected_members": len(want_ids), "got_members": None if got_ids is None else len(got_ids),
                       "overlap": None if got_ids is None else len(want_ids & got_ids)}
    ev.correct += same
    ev.asked_unneeded += same and how != "understood"
    if same and how == "understood" and not missing:
        return None
    if same:
        return None if members is not None or not missing else {"expected": row.expected.to_dict(), "partial": True}
    silently = how == "understood"
    ev.silently_wrong += silently
    return {"expected": row.expected.canonical().to_dict(), "silently_wrong": silently, **detail}


def evaluate_files(files: dict[str, Path], vocab: Vocabulary, matcher: Callable[..., Any] | None = None,
                   workspace: Any = None) -> dict[str, ParseEvaluation]:
    """Every existing file of ``files`` (missing ones are skipped); members compared when ``workspace``
    (a built workspace) is given."""
    present = {name: path for name, path in files.items() if Path(path).is_file()}
    if workspace is None:
        return {name: evaluate_parser(path, vocab, matcher) for name, path in present.items()}
    with workspace.analytics(read_only=True) as con:
        members = _Members(con)
        return {name: evaluate_parser(path, vocab, matcher, members) for name, path in present.items()}


HEADLINE = ("sentences", "same_definition", "same_members", "asked_right", "refused_right", "silently_wrong",
            "asked_unneeded", "parse_ms_p50")


def side_by_side(results: dict[str, ParseEvaluation]) -> dict[str, dict[str, Any]]:
    """metric -> {file name -> figure}: dev and held-out next to each other."""
    table: dict[str, dict[str, Any]] = {}
    for metric in HEADLINE:
        for name, ev in results.items():
            if metric in ev.rates:
                value: Any = ev.rates[metric]
            else:
                value = getattr(ev, metric)
            table.setdefault(metric, {})[name] = value
    return table
