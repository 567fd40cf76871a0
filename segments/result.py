"""What the parser made of a sentence: the definition, a read-back in plain words, a confidence,
questions when it guessed, member counts when a workspace is given, or a refusal."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from memberinsight.segments.definition import SegmentDefinition


@dataclass
class Option:
    """One reading the operator may choose; ``definition`` is the whole segment under that reading
    (None when it cannot be built from words alone)."""

    label: str
    definition: SegmentDefinition | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "definition": self.definition.to_dict() if self.definition else None}


@dataclass
class Question:
    """Something the parser guessed or could not decide: ``about`` the words, ``text`` the question,
    ``options`` the readings (the first is the one the definition uses), ``kind`` why it asks."""

    about: str
    text: str
    kind: str
    options: list[Option] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"about": self.about, "text": self.text, "kind": self.kind,
                "options": [o.to_dict() for o in self.options]}


@dataclass
class ConditionCount:
    """Members matching one top-level condition on its own."""

    words: str
    members: int | None


@dataclass
class Counts:
    """Per-condition and total member counts on a workspace, and why an empty result is empty."""

    conditions: list[ConditionCount]
    total: int | None
    empty_reason: str | None = None
    unavailable: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"conditions": [{"words": c.words, "members": c.members} for c in self.conditions],
                "total": self.total, "empty_reason": self.empty_reason, "unavailable": self.unavailable}


@dataclass
class ParseResult:
    """What the parser made of a sentence (``definition`` is ``None`` when nothing was understood).

    ``status`` is ``understood`` (nothing guessed, nothing left over), ``ask`` (a question, a guess or a
    word not understood: show ``readback`` and ``questions`` before the segment is saved or used) or
    ``refused`` (``refusal`` says why: not a segment, or a destructive request)."""

    sentence: str
    definition: SegmentDefinition | None
    description: str
    not_understood: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    similarity_matches: list[dict[str, Any]] = field(default_factory=list)
    source: str = "rules"
    questions: list[Question] = field(default_factory=list)
    confidence: float = 1.0
    refusal: str | None = None
    readings: list[str] = field(default_factory=list)
    """How words were read ("'londn' read as 'London' (a guess)"), for the read-back."""
    counts: Counts | None = None

    @property
    def status(self) -> str:
        if self.refusal is not None:
            return "refused"
        if self.definition is None or self.not_understood or self.questions:
            return "ask"
        return "understood"

    @property
    def complete(self) -> bool:
        """True when a definition was built, every word was understood and nothing was guessed."""
        return self.status == "understood"

    @property
    def question(self) -> str | None:
        """All questions as one text (None when there is nothing to ask)."""
        if self.refusal is not None:
            return None
        return " ".join(q.text for q in self.questions) or None

    @property
    def readback(self) -> str:
        """The read-back in plain words: what the segment will select, how words were read, the counts,
        and what to answer."""
        if self.refusal is not None:
            return f"Not a segment: {self.refusal}"
        parts = [self.description or "No condition understood."]
        if self.readings:
            parts.append("Read: " + "; ".join(self.readings) + ".")
        if self.not_understood:
            parts.append("Not understood (left out): " + ", ".join(f"'{w}'" for w in self.not_understood) + ".")
        if self.counts is not None:
            parts.append(_counts_text(self.counts))
        if self.questions:
            parts.append("Please check: " + " ".join(q.text for q in self.questions))
        return "\n".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"sentence": self.sentence, "definition": self.definition.to_dict() if self.definition else None,
                "description": self.description, "not_understood": self.not_understood, "notes": self.notes,
                "similarity_matches": self.similarity_matches, "source": self.source, "complete": self.complete,
                "status": self.status, "confidence": self.confidence, "refusal": self.refusal,
                "question": self.question, "questions": [q.to_dict() for q in self.questions],
                "readings": self.readings, "readback": self.readback,
                "counts": self.counts.to_dict() if self.counts else None}


def _counts_text(counts: Counts) -> str:
    if counts.unavailable:
        return f"Members: unavailable ({counts.unavailable})."
    lines = [f"Members: {counts.total:,} in all." if counts.total is not None else "Members: unknown."]
    if len(counts.conditions) > 1:
        lines += [f"  - {c.words}: {c.members:,}" if c.members is not None else f"  - {c.words}: ?"
                  for c in counts.conditions]
    if counts.empty_reason:
        lines.append(counts.empty_reason)
    return "\n".join(lines)
