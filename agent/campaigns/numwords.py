"""Figures written in words, read as digits: ``twenty percent`` -> ``20 percent``.

:func:`spell_out` rewrites cardinals (``fifteen``, ``twenty-five``, ``a hundred``; ``one`` only with a
unit such as ``one day``), fractions used as discounts (``half price`` -> ``50% off``, ``a third off``),
ordinals in dates (``the thirty-first of March`` -> ``the 31th of March``) and pound notes (``a tenner``
-> ``10 pounds``), keeping a map back to the words so that a problem can quote what was written.
Ordinals outside dates (``your second order``) and fractions outside discounts (``a tenth of the
audience``) are left alone.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
          "sixteen seventeen eighteen nineteen").split()
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_ORDINALS = {w: i for i, w in enumerate(
    ("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth "
     "fifteenth sixteenth seventeenth eighteenth nineteenth twentieth").split(), start=1)} | {"thirtieth": 30}
_UNIT_RE = "|".join(sorted(_UNITS, key=len, reverse=True))
_TENS_RE = "|".join(_TENS)
_ORD_RE = "|".join(sorted(_ORDINALS, key=len, reverse=True))
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
          r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b")
_CARDINAL = re.compile(rf"\b(?:(?P<tens>{_TENS_RE})(?:[\s-]+(?P<tu>{_UNIT_RE}))?|(?P<unit>{_UNIT_RE})|(?P<a>a))"
                       r"(?:[\s-]+(?P<hundred>hundred))?\b", re.I)
_ORDINAL = re.compile(rf"\b(?:(?P<tens>twenty|thirty)[\s-]+(?P<ou>{_ORD_RE})|(?P<ord>{_ORD_RE}))\b", re.I)
_ORD_AFTER = re.compile(rf"^(?:\s+of)?\s+{_MONTH}", re.I)
_ORD_BEFORE = re.compile(rf"\b{_MONTH}\.?\s+(?:the\s+)?$", re.I)
_UNIT_AFTER = re.compile(r"^\s*(?:%|percent\b|per\s*cent\b|pounds?\b|quid\b|dollars?\b|euros?\b|days?\b|weeks?\b"
                         r"|hours?\b|months?\b)", re.I)
_FRACTION = re.compile(r"\b(?:(?P<half>half)(?:[\s-]+(?:the\s+)?price|[\s-]+off)\b|(?:a|one)[\s-]+"
                       r"(?P<frac>third|quarter|fifth)\s+off\b)", re.I)
_FRACTION_PERCENT = {"half": 50, "third": 33, "quarter": 25, "fifth": 20}
_SLANG = re.compile(r"\b(?:a|one)\s+(?P<note>tenner|fiver)\b", re.I)
_SLANG_POUNDS = {"tenner": 10, "fiver": 5}


@dataclass
class Spelled:
    """Text with number words as digits, and the map back to the text as written."""

    text: str
    original: str
    pieces: list[tuple[int, int, int, int]]
    """(new start, new end, original start, original end) of each rewritten span."""

    def _orig(self, pos: int, end: bool) -> int:
        starts = [p[0] for p in self.pieces]
        i = (bisect_left(starts, pos) if end else bisect_right(starts, pos)) - 1
        if i < 0:
            return pos
        _, ne, os_, oe = self.pieces[i]
        if pos < ne or (end and pos == ne):
            return oe if end else os_
        return pos - ne + oe

    def written(self, start: int, end: int) -> str:
        """How the span ``start:end`` of :attr:`text` was written in :attr:`original`."""
        return self.original[self._orig(start, False):self._orig(end, True)]

    def shown(self, start: int, end: int) -> str:
        """The span as a problem quotes it: the digits, plus the words when it was spelled out."""
        now, was = self.text[start:end].strip(), self.written(start, end).strip()
        return now if now == was else f"{now} (written '{was}')"


def _cardinal(m: re.Match[str], text: str) -> int | None:
    if m.group("a"):
        return 100 if m.group("hundred") else None
    if m.group("tens"):
        value = _TENS[m.group("tens").lower()] + (_UNITS.index(m.group("tu").lower()) if m.group("tu") else 0)
    else:
        value = _UNITS.index(m.group("unit").lower())
    if m.group("hundred"):
        return value * 100
    if value == 1 and not _UNIT_AFTER.match(text[m.end():]):
        return None  # "one" is a figure only with a unit ("one day", "one pound"): "a new one" is not
    return value


def spell_out(text: str) -> Spelled:
    """``text`` with figures written in words rewritten as digits (see the module docstring)."""
    found: list[tuple[int, int, str]] = []
    for m in _SLANG.finditer(text):  # "a tenner off" -> "10 pounds off"
        found.append((m.start(), m.end(), f"{_SLANG_POUNDS[m.group('note').lower()]} pounds"))
    for m in _FRACTION.finditer(text):
        pct = _FRACTION_PERCENT[(m.group("half") or m.group("frac")).lower()]
        found.append((m.start(), m.end(), f"{pct}% off"))
    for m in _ORDINAL.finditer(text):
        if not (_ORD_AFTER.match(text[m.end():]) or _ORD_BEFORE.search(text[:m.start()])):
            continue  # "first order", "second visit": only dates count
        value = (_ORDINALS[m.group("ord").lower()] if m.group("ord")
                 else _TENS[m.group("tens").lower()] + _ORDINALS[m.group("ou").lower()])
        found.append((m.start(), m.end(), f"{value}th"))
    for m in _CARDINAL.finditer(text):
        number = _cardinal(m, text)
        if number is not None:
            found.append((m.start(), m.end(), str(number)))
    found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
    out: list[str] = []
    pieces: list[tuple[int, int, int, int]] = []
    pos = new = 0
    for start, end, digits in found:
        if start < pos:
            continue  # overlaps an earlier, longer match
        out.append(text[pos:start])
        new += start - pos
        out.append(digits)
        pieces.append((new, new + len(digits), start, end))
        new += len(digits)
        pos = end
    out.append(text[pos:])
    return Spelled("".join(out), text, pieces)


