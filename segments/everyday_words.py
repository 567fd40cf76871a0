"""Everyday words for fields the grammar knows by their names (issue 15, round 10: round 9's held-out writers).

Each family rewrites the words into the grammar's own phrasing before it reads them, and the rewrite is said in
the read-back, so nothing is taken silently:

* **baskets and per-order amounts**: "average basket", "more than £120 an order on average", "under £30 a
  basket" -> the average order value; "a tenner" / "a fiver" -> £10 / £5;
* **exclusions by place**: "unless they're based in Spain", "unless they live in Leeds" -> not in Spain;
* **part-month periods**: "the first fortnight of February", "the first week of March", "the first half of
  June" -> between the first and the last day of that part (the year words after it still apply);
* **no first order yet**: "haven't placed a first order yet", "yet to make their first order" -> no orders;
* **age bands as plurals**: "the 25 to 34s" -> aged 25-34;
* **RFM scores by their everyday names**: "money score" -> monetary score; "monetary only 1 or 2" ->
  monetary score 1 or 2; a gloss in brackets right after a score ("recency score of 5 (bought very
  recently)") explains the score and is read as context;
* **star averages**: "4.5 stars or more on average" -> average rating of 4.5 or more;
* **fillers and hedges** that carry no condition ("the ones we've *properly* lost", "*actually* bought",
  "VIPs *the system reckons* are at high risk", "*roughly* 6 months", "90 days *or so*", "*Right,* can you
  ..."): dropped, each said in the read-back ("'roughly' read as a filler");
* **a share sent back**: "send back loads, like more than 30% of the items they buy", "return over half of what
  they order" -> return rate over 30% / 50%;
* **worth and programmes**: "predicted to be worth over £500 to us" -> predicted CLV over £500; "came to us from
  the email programme / newsletter" -> from email;
* **chance still a customer**: "chance they're still a customer under 30%" -> probability still active under 30%.
"""

from __future__ import annotations

import re

_MONEY = r"(?:£|\$|€)\s?\d[\d,]*(?:\.\d+)?"
_CMP = r"(?:more\s+than|over|above|under|below|less\s+than|at\s+least|at\s+most)"
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_PARTS = {"first fortnight": (1, 14), "first week": (1, 7), "first half": (1, 15), "first ten days": (1, 10)}

_RULES: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r"\baverage\s+(?:basket|basket\s+size|basket\s+value|order|spend\s+per\s+order)\b(?!\s+value)",
                re.I), "average order value", "'{0}' read as the average order value"),
    (re.compile(rf"\b({_CMP})\s+({_MONEY})\s+(?:an|a|per|each)\s+(?:order|basket|purchase|transaction)"
                r"(?:\s+on\s+average)?", re.I), r"average order value \1 \2",
     "'{0}' read as the average order value"),
    (re.compile(r"\ba\s+tenner\b", re.I), "£10", "'{0}' read as £10"),
    (re.compile(r"\ba\s+fiver\b", re.I), "£5", "'{0}' read as £5"),
    (re.compile(r"\bunless\s+(?:they(?:'re|\s+are|\s+live|'ve\s+moved)?|he's|she's)?\s*"
                r"(?:based|living|located|who\s+live)?\s*in\b", re.I), "not in", "'{0}' read as 'not in'"),
    (re.compile(r"\b(?:(?:have|has)n'?t|have\s+not|has\s+not|not)\s+(?:yet\s+)?(?:placed|made|done)\s+(?:a|their|his|"
                r"her)\s+first\s+(?:order|purchase)(?:\s+yet)?|\byet\s+to\s+(?:place|make)\s+(?:a|their|his|her)"
                r"\s+first\s+(?:order|purchase)", re.I), "with no orders", "'{0}' read as no orders"),
    (re.compile(r"\b(?:the\s+)?([1-9]\d)\s?(?:to|-|–)\s?([1-9]\d)s\b", re.I), r"aged \1-\2",
     "'{0}' read as an age band"),
    (re.compile(rf"\b(?:predicted|expected|forecast|projected)\s+to\s+be\s+worth\s+({_CMP})\s+({_MONEY})"
                r"(?:\s+to\s+us)?", re.I), r"predicted CLV \1 \2", "'{0}' read as the predicted CLV"),
    (re.compile(r"\b(from|via|through)\s+(?:the|our)\s+(email|e-mail)\s+(?:programme|program|newsletter|list)\b",
                re.I), r"\1 \2", "'{0}' read as the email channel"),
    (re.compile(r"\bmoney\s+score\b", re.I), "monetary score", "'{0}' read as the monetary score"),
    (re.compile(r"\b(recency|frequency|monetary)\s+(?:only\s+|just\s+)?(?=\d)", re.I), r"\1 score ",
     "'{0}' read as the {1} score"),
    (re.compile(r"\b(score\s+(?:of\s+)?\d(?:\s+or\s+\d)?)\s*\([^()\d]{1,40}\)", re.I), r"\1",
     "'{0}': the words in brackets read as an explanation of the score"),
    (re.compile(r"\b(\d(?:\.\d)?)\s+stars?\s+(or\s+more|or\s+above|or\s+higher|or\s+less|or\s+below|or\s+lower)"
                r"\s+on\s+average\b", re.I), r"average rating of \1 \2", "'{0}' read as the average rating"),
    (re.compile(r"\bchance\s+(?:that\s+)?(?:they(?:'re|\s+are)|of\s+being|he's|she's)\s+still\s+(?:a\s+customer|"
                r"active|around|buying)\s+(?:is\s+)?", re.I), "probability still active ",
     "'{0}' read as the probability still active"),
]
_FILLERS = re.compile(
    r"^\s*(?:right|ok|okay|alright|so|well)\s*,\s*"
    r"|\b(?:the\s+)?(?:system|computer|model|algorithm|machine)\s+(?:reckons|says|thinks)\s+"
    r"|(?<!no )(?<!no, )(?<!or )(?<!sorry )(?<!wait )(?<!sorry, )(?<!wait, )"  # "no actually ...": a correction
    r"\b(?:actually|properly|basically|literally)\s+(?![^\w\s])"
    r"|\b(?:roughly|approximately)\s+(?=\d)"
    r"|(?:(?<=days)|(?<=weeks)|(?<=months)|(?<=years))\s+or\s+so\b", re.I)
_SHARE = r"(?:(\d{1,3})\s?%|(half|a\s+third|a\s+quarter))"
_SHARE_VALUE = {"half": "50%", "a third": "33%", "a quarter": "25%"}
_RETURNED_SHARE = re.compile(
    rf"\b(?:send|sends|sent|return|returns|returned)\s+(?:back\s+)?(?:[a-z]+\s*,?\s+){{0,2}}?(?:like\s+|say\s+)?"
    rf"({_CMP})\s+{_SHARE}\s+of\s+(?:the\s+|their\s+)?(?:items|things|stuff|what|units|products|orders)"
    r"(?:\s+(?:they|he|she)\s+(?:buy|bought|order|ordered|purchase|purchased))?", re.I)
_PART_MONTH = re.compile(rf"\b(?:in\s+)?the\s+({'|'.join(_PARTS)})\s+of\s+({'|'.join(_MONTHS)})\b", re.I)


def everyday_words(text: str) -> tuple[str, list[str]]:
    """Rewrite the families of the module docstring; the readings said, one per rewrite."""
    said: list[str] = []
    for pattern, repl, note in _RULES:
        def sub(m: re.Match[str], repl: str = repl, note: str = note) -> str:
            said.append(note.format(m.group(0), (m.group(1) if m.re.groups else "").lower()))
            return m.expand(repl)

        text = pattern.sub(sub, text)

    def part(m: re.Match[str]) -> str:
        first, last = _PARTS[m.group(1).lower()]
        month = m.group(2).capitalize()
        said.append(f"'{m.group(0).strip()}' read as {first} to {last} {month}")
        return f"between {first} {month} and {last} {month}"

    def filler(m: re.Match[str]) -> str:
        said.append(f"'{m.group(0).strip(' ,')}' read as a filler, not a condition")
        return ""

    text = _FILLERS.sub(filler, text)

    def returned(m: re.Match[str]) -> str:
        share = f"{m.group(2)}%" if m.group(2) else _SHARE_VALUE[" ".join(m.group(3).lower().split())]
        said.append(f"'{m.group(0)}' read as the return rate {m.group(1)} {share}")
        return f"return rate {m.group(1)} {share}"

    text = _RETURNED_SHARE.sub(returned, text)
    return _PART_MONTH.sub(part, text), said
