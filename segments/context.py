"""Words around a segment request that only give context, set aside before it is read (and said in the
read-back): whole sentences with no condition ("Can you pull our VIPs in London? We're planning a promo."),
a label before a colon ("From boss: ...", "Slack: ..."), and a trailing purpose ("... - want them for the
ambassador programme", "... need a winback list asap").

A part is set aside only when it holds no word the parser reads as a condition and no unknown word that
could be a place or a name (capitalised, or after "in" / "from" / "at"); otherwise it stays and any word
not understood is asked about.
"""

from __future__ import annotations

import re

from segments.tokens import tokenize
from segments.vocabulary import Vocabulary

# Items that carry meaning: a sentence without any of them is context ("We're planning a promo.").
CONTENT_KINDS = frozenset(("VAL", "CUE", "WEAK", "IMPLIED", "NUM", "RANGE", "DATE", "WINDOW", "AGO", "CLUSTER", "BAND",
                           "CMP", "NEG", "DESC", "BADDATE", "BADFIELD", "TREND", "PRED", "AGECUE", "SOFT", "INTENS",
                           "PASSED", "SAMEWIN", "PER", "DATEPREP", "REF"))
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")
_PREAMBLE = re.compile(r"^\s*([^:]{1,40}):\s*(?=\S)")
# Words of a label before a colon that only says where the request came from ("From boss:", "Slack:").
PREAMBLE_WORDS = frozenset((
    "from", "boss", "the", "my", "our", "slack", "email", "e-mail", "note", "re", "fwd", "fw", "subject", "request",
    "ask", "message", "msg", "manager", "ceo", "cmo", "team", "marketing", "question", "q", "task", "ticket", "teams",
    "whatsapp", "sms", "text", "brief", "quick", "urgent", "todo", "to", "do", "asap", "fyi", "via", "jira", "chat",
    "head", "of", "crm", "lead", "director", "colleague", "client"))
# Where a trailing purpose starts: "- want them for ...", "need a winback list asap", "because ...".
_PURPOSE = re.compile(r"(?:\s[-;]\s|,\s*|\s)(?=(?:because|cos|coz|so (?:that|we|i|they)|as (?:we|i|they)|"
                      r"(?:i |we )?(?:want|need|needs) (?:them|it|this|these|those|a|an|the)\b|"
                      r"for (?:the|our|a|an) |to (?:send|target|email|use|run|plan)\b))", re.I)


def _is_context(part: str, vocab: Vocabulary) -> bool:
    from segments.tagger import tag

    tokens, items, _ = tag(part, vocab)
    words = [it for it in items if it.kind == "WORD"]
    named = any(tokens[w.i].text[:1].isupper() and w.i > 0 for w in words) or any(
        w.i > 0 and tokens[w.i - 1].norm in ("in", "from", "at", "near") for w in words)
    return not named and not any(it.kind in CONTENT_KINDS for it in items)


def _purpose_tail(text: str, vocab: Vocabulary) -> tuple[str, str | None]:
    """The request without a trailing purpose that holds no condition (and that purpose), if there is one."""
    for m in _PURPOSE.finditer(text):
        head, tail = text[:m.start()].rstrip(" ,-;"), text[m.end():].strip()
        if head and tail and _is_context(tail, vocab) and not _is_context(head, vocab):
            return head, tail
    return text, None


def split_context(text: str, vocab: Vocabulary) -> tuple[str, list[str]]:
    """The words to read as a segment, and the parts set aside as context (see the module docstring);
    nothing is set aside when no part has a condition."""
    label = _PREAMBLE.match(text)
    if label and all(t.norm in PREAMBLE_WORDS for t in tokenize(label.group(1))):
        rest, later = split_context(text[label.end():], vocab)
        return rest, [label.group(1).strip(), *later]
    parts = [p for p in _SENTENCE_END.split(text) if p.strip()]
    keep: list[str] = []
    aside: list[str] = []
    if len(parts) > 1:
        from segments.tagger import tag

        for part in parts:
            tokens, items, _ = tag(part, vocab)
            words = [it for it in items if it.kind == "WORD"]
            fragment = bool(words) and len(tokens) < 3  # "... 6 months. Zorblaxian": a stray word, not context
            (aside if _is_context(part, vocab) and not fragment else keep).append(part)
        if not keep:
            return text, []
    else:
        keep = parts
    last, purpose = _purpose_tail(keep[-1], vocab) if keep else ("", None)
    if purpose is not None:
        keep[-1] = last
        aside.append(purpose)
    return (" ".join(keep), aside) if aside else (text, [])
