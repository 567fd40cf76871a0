"""Requests that are not segment definitions: refused with a clear message, never half-parsed.

Three kinds, read from the sentence's tokens:

* an *action* on members or data (delete, change, reset, mark, unsubscribe, email..., export): a
  segment only selects members; doing something to them is another tool, with its own checks;
* *personal or payment data* (passwords, card details, home addresses, phone numbers): never exported
  by a segment;
* a *report* question ("what's our total revenue for Q3"): a figure, not a list of members.

The action test looks at the command's first real word, after greetings and politeness ("hey, can you
please delete..."), so descriptions of behaviour ("customers who cancelled") are not refused.
"""

from __future__ import annotations

from memberinsight.segments.tokens import Token

PREAMBLE = frozenset((
    "hey", "hi", "hiya", "hello", "yo", "ok", "okay", "so", "please", "pls", "plz", "kindly", "can", "could",
    "would", "will", "you", "u", "i", "we", "want", "wanna", "need", "to", "just", "go", "ahead", "and", "now",
    "quickly", "also", "then", "let's", "lets", "me", "us", "help", "be", "able", "the", "'d", "i'd", "like",
    "love", "team", "there", "guys", ",", ":", ";", "!", "?", "asap", "urgently",
))
ACTIONS: dict[str, str] = {
    "delete": "delete", "remove": "remove", "erase": "erase", "wipe": "wipe", "purge": "purge", "drop": "drop",
    "truncate": "truncate", "destroy": "destroy", "reset": "reset", "change": "change", "update": "update",
    "edit": "edit", "modify": "modify", "set": "set", "mark": "mark", "flag": "flag", "move": "move",
    "assign": "assign", "merge": "merge", "ban": "ban", "block": "block", "suspend": "suspend",
    "deactivate": "deactivate", "disable": "disable", "unsubscribe": "unsubscribe", "subscribe": "subscribe",
    "export": "export", "download": "download", "upload": "upload", "share": "share", "refund": "refund",
    "charge": "charge", "rename": "rename", "overwrite": "overwrite", "insert": "insert", "anonymise": "anonymise",
    "anonymize": "anonymise", "archive": "archive", "close": "close", "lock": "lock", "unlock": "unlock",
    "message": "message", "notify": "notify", "call": "call", "ring": "call", "sms": "text",
}
# Verbs that are actions only when an audience or a payload follows ("email everyone a voucher"),
# since "email" and "text" also name a channel ("email signups in London").
MESSAGE_VERBS = ("email", "e-mail", "mail", "text", "send", "dm", "whatsapp", "contact")
MESSAGE_OBJECTS = frozenset(("everyone", "everybody", "all", "them", "those", "these", "each", "the", "a", "an",
                             "our", "voucher", "vouchers", "code", "codes", "discount", "offer", "coupon",
                             "message", "newsletter", "reminder", "survey"))
SENSITIVE: dict[tuple[str, ...], str] = {
    ("password",): "passwords", ("passwords",): "passwords", ("card", "details"): "payment card details",
    ("card", "numbers"): "payment card numbers", ("card", "number"): "payment card numbers",
    ("credit", "card"): "payment card details", ("credit", "cards"): "payment card details",
    ("debit", "card"): "payment card details", ("cvv",): "payment card details",
    ("bank", "details"): "bank details", ("bank", "account"): "bank details", ("iban",): "bank details",
    ("sort", "code"): "bank details", ("addresses",): "home addresses", ("home", "address"): "home addresses",
    ("postal", "address"): "home addresses", ("street", "address"): "home addresses",
    ("phone", "numbers"): "phone numbers", ("phone", "number"): "phone numbers", ("phone", "nos"): "phone numbers",
    ("mobile", "numbers"): "phone numbers", ("telephone",): "phone numbers", ("email", "addresses"): "email addresses",
    ("email", "address"): "email addresses", ("date", "of", "birth"): "dates of birth", ("dob",): "dates of birth",
    ("passport",): "passport details", ("ssn",): "social security numbers",
    ("social", "security"): "social security numbers", ("national", "insurance"): "national insurance numbers",
    ("ip", "addresses"): "IP addresses", ("login", "details"): "login details", ("credentials",): "login details",
}
QUESTION_WORDS = frozenset(("what", "what's", "whats", "how", "how's", "why", "when", "where", "which", "whats'"))
REPORT_WORDS = frozenset(("revenue", "total", "profit", "profits", "margin", "turnover", "sales", "average",
                          "trend", "growth", "forecast", "report", "summary", "kpi", "kpis", "conversion"))
PERSON_WORDS = frozenset(("members", "member", "customers", "customer", "people", "shoppers", "buyers", "users",
                          "clients", "folks", "who", "whom", "anyone", "everyone", "segment", "segments"))

CAN_DO = ("I can only select members by what they did or are (orders, spend, reviews, predictions, "
          "city, channel...) and show who matches")


def refusal_reason(tokens: list[Token]) -> str | None:
    """Why this request is not a segment (a message for the operator), or None when it may be one."""
    norms = [t.norm for t in tokens]
    for size in (3, 2, 1):
        for i in range(len(norms) - size + 1):
            key = tuple(norms[i:i + size])
            if key in SENSITIVE:
                return (f"a segment never exports {SENSITIVE[key]}: personal and payment data stay protected. "
                        f"{CAN_DO}.")
    first = next((i for i, w in enumerate(norms) if w not in PREAMBLE), None)
    if first is not None:
        verb = norms[first]
        if verb in ACTIONS:
            return (f"'{tokens[first].text}' is an action on members or data, not a segment: segments only "
                    f"select members, they never {ACTIONS[verb]} anything. {CAN_DO}.")
        if verb in MESSAGE_VERBS and first + 1 < len(norms) and norms[first + 1] in MESSAGE_OBJECTS:
            return (f"'{tokens[first].text}' asks to contact members, which a segment does not do; select the "
                    f"members here, then use a campaign to write to them. {CAN_DO}.")
        if verb in QUESTION_WORDS and set(norms) & REPORT_WORDS and not set(norms) & PERSON_WORDS:
            return (f"this asks for a figure (a report), not for a segment of members. {CAN_DO}; the analytics "
                    "commands report totals.")
    return None
