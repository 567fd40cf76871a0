"""Parse accuracy on a labelled sentence set (``memberinsight evaluate segments``).

Each line of the JSONL file is ``{"id", "sentence", "expected"}``; a sentence counts as correct when
the parsed definition equals the expected one after canonicalisation *and* no word was left not
understood.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from memberinsight.errors import DataValidationError
from segments.definition import SegmentDefinition
from segments.errors import SegmentDefinitionError, SegmentParseError
from segments.parser import parse_sentence
from segments.vocabulary import Vocabulary

REPO_TESTS = Path(__file__).resolve().parents[1] / "tests" / "segments"
SENTENCE_FILES = {name: REPO_TESTS / f"{stem}.jsonl" for name, stem in (
    ("dev", "sentences"), ("holdout", "sentences_holdout"), ("holdout2", "sentences_holdout2"),
    ("holdout3", "sentences_holdout3"))}
"""``dev`` was written before the parser; each holdout batch was written later, before the parser saw it."""


@dataclass(frozen=True)
class LabelledSentence:
    id: str
    sentence: str
    expected: SegmentDefinition


@dataclass
class ParseEvaluation:
    """Accuracy on one sentence file, with every miss spelled out."""

    file: str
    sentences: int
    correct: int
    accuracy: float
    partial: int
    """Sentences where the definition matched but some words were reported as not understood."""
    seconds: float
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
            out.append(LabelledSentence(str(row["id"]), str(row["sentence"]),
                                        SegmentDefinition.from_dict(row["expected"])))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise DataValidationError(f"bad line ({exc})", file=str(path), row=lineno) from exc
        except SegmentDefinitionError as exc:
            raise DataValidationError(str(exc), file=str(path), row=lineno, column="expected") from exc
    return out


def evaluate_parser(path: Path, vocab: Vocabulary, matcher: Callable[..., Any] | None = None) -> ParseEvaluation:
    """Parse every sentence in ``path`` and compare with its expected definition."""
    rows = load_sentences(path)
    start = time.perf_counter()
    correct = partial = 0
    failures: list[dict[str, Any]] = []
    for row in rows:
        try:
            result = parse_sentence(row.sentence, vocab, matcher=matcher)
            got, missing = result.definition, result.not_understood
        except SegmentParseError as exc:
            got, missing = None, [str(exc)]
        same = got is not None and got.key() == row.expected.key()
        if same and not missing:
            correct += 1
            continue
        partial += same
        failures.append({"id": row.id, "sentence": row.sentence, "expected": row.expected.canonical().to_dict(),
                         "got": got.to_dict() if got else None, "not_understood": missing})
    n = len(rows)
    return ParseEvaluation(str(path), n, correct, round(correct / n, 4) if n else 0.0, partial,
                           round(time.perf_counter() - start, 3), failures)
