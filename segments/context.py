"""Words around a segment request that only give context, set aside before it is read (and said in the
read-back): whole sentences with no condition ("Can you pull our VIPs in London? We're planning a promo."),
a label before a colon ("From boss: ...", "Slack: ..."), a name for the audience before a colon or a dash
("reactivation audience: ...", "winback pool - ..."), a trailing remark after a dash or in brackets ("... -
cross-sell test", "... (already in the VIP flow)") and a trailing purpose ("... - want them for the
ambassador programme", "... need a winback list asap").

A part is set aside only when it holds no word the parser reads as a condition and no unknown word that
could be a place or a name (capitalised, or after "in" / "from" / "at"); otherwise it stays and any word
not understood is asked about.
"""

from __future__ import annotations

import re

from memberinsight.segments.tokens import tokenize
from memberinsight.segments.vocabulary import Vocabulary

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


# A purpose or remark whose subject is the operator or the people as a group ("so we can try a win-back email
# on them", "because we're planning a little anniversary thing", "since they seem like great cross-sell
# candidates", "I think our service team wants to take a look"): words like "little", "email" or "loyalty"
# there describe the operator's plan, not the members.
_OPERATOR = re.compile(r"(?:\s[-;]\s|[,;]\s*|\s)(?=(?:so (?:that )?(?:we|i)|(?:because|cos|coz|as|since) (?:we|i)|"
                       r"since they (?:seem|look|are|'re|would|'d)|(?:we|i)(?:'re| are| am|'m)? (?:want|wanna|need|"
                       r"plan|planning|hope|hoping|think|thinking|would like|'d like|going to|gonna)|i think|"
                       r"they(?:'d| would) (?:be|make)|(?:for|ahead of) (?:a|an|our|the) (?:little |quick |big )?"
                       r"[\w-]+(?: [\w-]+)? (?:campaign|promo|promotion|programme|program|mailer|newsletter|"
                       r"shout-out|push|email|event|thing))\b)", re.I)
_OPERATOR_START = re.compile(r"^\s*(?:we|i|our (?:\w+ )?team|they(?:'d| would) (?:be|make)|that would|"
                             r"it's for|this is for|for (?:a|an|our|the)\b)", re.I)
# Condition-bearing kinds that a remark of the operator may not hold (a level word, a soft word, a
# descriptor, a contact channel may).
STRONG_KINDS = CONTENT_KINDS - {"BAND", "SOFT", "DESC", "INTENS", "DATEPREP", "CMP", "REF", "WEAK"}
# A remark before the request ("So I'm putting together a little thank-you campaign, and I'd like ..."):
# it starts with the operator and ends where the request does.
_LEAD = re.compile(r"^\s*(?:so |ok |okay |right |well )?(?:i'm|i am|we're|we are|i've|we've|i was|we were)\b(.{3,120}?)"
                   r",?\s+(?:and|so|but)\s+(?=(?:i'd|i would|we'd|we would|i want|we want|i need|we need|could you|"
                   r"can you|would you|please)\b)", re.I)


# The words an operator's plan is told in ("so we can try a win-back email", "we want to invite them to a
# reviewer programme"): a remark holding any other unknown word is kept, and that word asked about.
PLAN_WORDS = frozenset((
    "try", "trying", "tried", "win", "back", "win-back", "winback", "reactivation", "reactivate", "re-engage",
    "reengage", "engage", "engagement", "campaign", "campaigns", "promo", "promos", "promotion", "offer", "offers",
    "deal", "deals", "discount", "voucher", "vouchers", "code", "codes", "coupon", "send", "sending", "sent",
    "target", "targeting", "reach", "out", "contact", "invite", "inviting", "invitation", "program", "programme",
    "scheme", "club", "reward", "rewards", "rewarding", "thank", "thank-you", "thanks", "anniversary", "birthday",
    "shout-out", "shoutout", "gesture", "treat", "gift", "gifts", "perk", "perks", "early", "access", "preview",
    "sale", "launch", "event", "newsletter", "mailer", "mailing", "message", "note", "survey", "feedback",
    "candidates", "candidate", "seem", "seems", "look", "looks", "like", "great", "good", "perfect", "ideal",
    "nice", "right", "things", "thing", "make", "making", "team", "service", "support", "wants", "wanted",
    "planning", "plan", "plans", "planned", "hope", "hoping", "think", "thinking", "idea", "test", "testing",
    "experiment", "nudge", "help", "keep", "keeping", "bring", "bringing", "them", "again", "fix", "apologise",
    "apologize", "apology", "sorry", "chase", "chasing", "call", "calling", "ring", "review", "check", "on",
    "quarter", "season", "seasonal", "holiday", "holidays", "soon", "next", "week", "month", "upcoming",
    "company", "brand", "content", "copy", "ads", "ad", "audience", "lookalike", "retarget", "retargeting",
    "happy", "unhappy", "loyalty", "vip", "exclusive", "special", "personal", "personalised", "personalized",
    "welcome", "onboarding", "retention", "retain", "upsell", "cross-sell", "bundle", "bundles", "basket",
    # an audience's name or a campaign's plumbing ("reactivation audience:", "(already in CRM flows)")
    "already", "crm", "flow", "flows", "journey", "trigger", "triggers", "seed", "pool", "list", "lists", "segment",
    "cohort", "group", "bucket", "cell", "targets", "lapse", "suppression", "suppress", "audit", "acquisition",
    "worth", "forecast", "cross", "sell", "up", "tests", "a/b", "holdout", "v2", "v1", "version", "draft",
    "the", "a", "an", "for", "to", "of",
    "stuck", "stick", "around", "coming", "come", "we'll", "we'd", "i'll", "they'll", "they're", "it's", "because",
    "cos", "they'd", "shout", "take", "taking", "put", "putting", "together", "little", "bit", "bits", "small"))


_FILLERS = frozenset(("the", "a", "an", "for", "to", "of", "on", "them", "up", "out", "like", "right", "make",
                      "making", "take", "taking", "put", "putting", "bit", "bits", "little", "small", "again"))
"""Words of ``PLAN_WORDS`` that say nothing of a plan on their own."""


def _is_remark(part: str, vocab: Vocabulary) -> bool:
    """An operator's remark: no strong condition word, no number, values only contact channels, and every
    word it does not know a word of a plan (``PLAN_WORDS``)."""
    from memberinsight.segments.tagger import tag

    tokens, items, _ = tag(part, vocab)
    if any(it.kind in STRONG_KINDS and not (it.kind == "VAL" and it.field == "channel") for it in items):
        return False
    if any(it.kind == "WORD" and tokens[k].text.lower().strip("'") not in PLAN_WORDS
           for it in items for k in range(it.i, it.j)):
        return False
    return not any(it.kind == "CMP" and it.text.lower() not in ("like", "just", "only") for it in items)


def _is_context(part: str, vocab: Vocabulary) -> bool:
    """No word the parser reads as a condition, and no unknown word that could be a place or a name (capitalised
    after the first word, or after "in" / "from" / "at" / "near"). Unknown lower-case words may be anything: a
    part set aside as context needs :func:`_is_remark` too when it is not a whole sentence of its own."""
    from memberinsight.segments.tagger import tag

    tokens, items, _ = tag(part, vocab)
    words = [it for it in items if it.kind == "WORD"]
    named = any(tokens[w.i].text[:1].isupper() and w.i > 0 for w in words) or any(
        w.i > 0 and tokens[w.i - 1].norm in ("in", "from", "at", "near") for w in words)
    return not named and not any(it.kind in CONTENT_KINDS for it in items)


def _purpose_tail(text: str, vocab: Vocabulary) -> tuple[str, str | None]:
    """The request without a trailing purpose that holds no condition (and that purpose), if there is one;
    a purpose of the operator's own ("so we can ...") may hold words of a plan (see ``_OPERATOR``)."""
    for m in _PURPOSE.finditer(text):
        head, tail = text[:m.start()].rstrip(" ,-;"), text[m.end():].strip()
        if head and tail and _is_context(tail, vocab) and not _is_context(head, vocab):
            return head, tail
    for m in _OPERATOR.finditer(text):
        head, tail = text[:m.start()].rstrip(" ,-;"), text[m.end():].strip()
        if head and tail and _is_remark(tail, vocab) and not _is_context(head, vocab):
            return head, tail
    return text, None


_AUDIENCE_LABEL = re.compile(r"^\s*([^:()]{1,50}?)\s*(?::|\s[-–—]+\s)\s*(?=\S)")
_TRAILING_REMARK = re.compile(r"(?:\s[-–—]+\s((?:(?!\s[-–—]+\s)[^()]){1,60})|\s*\(([^()]{1,60})\))\s*[.!]?\s*$")


def _audience_label(text: str, vocab: Vocabulary) -> re.Match[str] | None:
    """A name for the audience before a colon or a dash ("reactivation audience: ...", "winback pool - ...",
    "suppression list: ..."): at most five words, none of them a condition or a capitalised unknown word, and
    a request with a condition after it."""
    label = _AUDIENCE_LABEL.match(text)
    if label is None:
        return None
    words = tokenize(label.group(1))
    if len(words) > 5 or (len(words) == 1 and words[0].text[:1].isupper()):
        return None  # "Oslo: bought Outdoor": one capitalised word may be a place or a name, asked about
    rest = text[label.end():]
    # only words of a plan or an audience ("reactivation audience", "suppression list"), no condition word ("lost
    # customers - ..." is a condition): an unknown word is never set aside silently ("zorblaxian the 555s - ...")
    name = label.group(1)
    return label if _is_context(name, vocab) and _is_remark(name, vocab) and not _is_context(rest, vocab) else None


def _trailing_remark(text: str, vocab: Vocabulary) -> tuple[str, str | None]:
    """A remark after a dash or in closing brackets that holds no condition ("... - cross-sell test",
    "... (already in the VIP flow)"): set aside when what comes before it has a condition."""
    m = _TRAILING_REMARK.search(text)
    if m is None:
        return text, None
    tail = (m.group(1) or m.group(2) or "").strip()
    head = text[:m.start()].rstrip(" ,;")
    planned = any(t.norm in PLAN_WORDS and t.norm not in _FILLERS for t in tokenize(tail))  # "(only)" is no plan
    if tail and head and planned and _is_remark(tail, vocab) and not _is_context(head, vocab):
        return head, tail  # (only words of a plan: "bought Outdoor (the tents)" keeps "tents", asked about)
    return text, None


def split_context(text: str, vocab: Vocabulary) -> tuple[str, list[str]]:
    """The words to read as a segment, and the parts set aside as context (see the module docstring);
    nothing is set aside when no part has a condition."""
    label = _PREAMBLE.match(text)
    if label and all(t.norm in PREAMBLE_WORDS for t in tokenize(label.group(1))):
        rest, later = split_context(text[label.end():], vocab)
        return rest, [label.group(1).strip(), *later]
    named = _audience_label(text, vocab)
    if named is not None:
        rest, later = split_context(text[named.end():], vocab)
        return rest, [named.group(1).strip(), *later]
    head, trailing = _trailing_remark(text, vocab)
    if trailing is not None:
        rest, later = split_context(head, vocab)
        return rest, [*later, trailing]
    parts = [p for p in _SENTENCE_END.split(text) if p.strip()]
    keep: list[str] = []
    aside: list[str] = []
    if len(parts) > 1:
        from memberinsight.segments.tagger import tag

        for part in parts:
            tokens, items, _ = tag(part, vocab)
            words = [it for it in items if it.kind == "WORD"]
            fragment = bool(words) and len(tokens) < 3  # "... 6 months. Zorblaxian": a stray word, not context
            remark = bool(keep) and _OPERATOR_START.match(part) is not None and _is_remark(part, vocab)
            (aside if (_is_context(part, vocab) or remark) and not fragment else keep).append(part)
        if not keep:
            return text, []
    else:
        keep = parts
    lead = _LEAD.match(keep[0]) if keep else None
    if lead is not None and _is_remark(keep[0][:lead.end()], vocab):
        aside.append(keep[0][:lead.end()].strip(" ,"))
        keep[0] = keep[0][lead.end():]
    last, purpose = _purpose_tail(keep[-1], vocab) if keep else ("", None)
    if purpose is not None:
        keep[-1] = last
        aside.append(purpose)
    return (" ".join(keep), aside) if aside else (text, [])
