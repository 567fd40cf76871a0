"""How well a product suits the season of the send date: lawn seed and sun cream lead in summer, not December.

A general score, not a list of banned products: cues in a product's name and category
(:data:`CUES`) say in which seasons it sells (garden and sun things in spring and summer,
heating and winter coats in autumn and winter, festive things in November and December). On the
send date a product scores +1 (or +0.5 for a weak cue) in one of its seasons, -1 out of them for a
strong cue (0 for a weak one), and 0 without cues. Seasons follow the hemisphere of the shop's
customers (:func:`hemisphere`, from their country); the default is the northern one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from memberinsight.agent.campaigns.facts import ProductFact

SEASONS = ("winter", "spring", "summer", "autumn")
_NORTH = {12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring", 6: "summer", 7: "summer",
          8: "summer", 9: "autumn", 10: "autumn", 11: "autumn"}
_FLIP = {"winter": "summer", "summer": "winter", "spring": "autumn", "autumn": "spring"}
WARM, COLD, GROWING = ("spring", "summer"), ("autumn", "winter"), ("spring", "summer", "autumn")
CUES: tuple[tuple[re.Pattern[str], tuple[str, ...], bool], ...] = (
    # (cue in the name or category, the seasons the product sells in, strong)
    (re.compile(r"\bsun\s?(?:screen|cream|block|lotion|hat)s?\b|\bspf\s?\d*\b|\bafter[\s-]?sun\b|\bself[\s-]tan"), WARM, True),
    (re.compile(r"\bsummer\b|\bbbq\b|\bbarbecue|\bpaddling\b|\bswim(?:suit|wear|ming)?\b|\bbeach\b|\bflip[\s-]?flops?\b"
                r"|\bsandals?\b|\bparasol|\bsprinkler|\bhose\b|\bhose\s+reel|\bcool\s?box|\bice\s+lolly|\binsect\s+repel"),
     WARM, True),
    (re.compile(r"\blawn\b|\bgrass\s+seed|\bmower|\bseeds?\b|\bseed\s+trays?|\bseedlings?|\bstrimmer|\bgreenhouse"),
     GROWING, True),
    (re.compile(r"\bwinter\b|\bthermal\b|\bheater|\bheating\b|\bhot[\s-]water\s+bottle|\belectric\s+blanket|\bsnow"
                r"|\bski(?:s|ing)?\b|\bsledge|\bde-?icer|\bice\s+scraper|\bdown\s+jacket|\bparka\b|\bhand\s+warmer"),
     COLD, True),
    (re.compile(r"\bchristmas\b|\bxmas\b|\bfestive\b|\badvent\b|\bbaubles?\b|\btinsel\b|\bstocking\b|\bnativity\b"
                r"|\bsanta\b|\breindeer\b|\bmince\s+pies?\b|\bwreath"), ("festive",), True),
    (re.compile(r"\bhalloween\b|\bpumpkin|\bbonfire|\bfireworks?\b"), ("autumn",), True),
    (re.compile(r"\beaster\b|\bhot\s+cross\b"), ("spring",), True),
    (re.compile(r"\bsunglasses\b|\bsolar\b|\bwatering\s+can|\bpicnic|\bshorts\b|\bfan\b|\btennis\b"), WARM, False),
    (re.compile(r"\bscarf|\bscarves\b|\bknit|\bwool|\bfleece|\bjumper|\bslippers?\b|\bcosy\b|\bthrow\b|\bcandles?\b"
                r"|\bduvet|\bbird\s+feeder|\bblanket|\binsulated\s+(?:jacket|coat)|\bbeanie|(?<!gardening )\bgloves?\b"), COLD, False),
)
"""Cues in a product's name or category and the seasons such a product sells in (``festive``: November and
December). Gardening gloves are gloves, but the garden cue is weak, so they stay neutral."""
SOUTHERN = frozenset({
    "australia", "new zealand", "south africa", "argentina", "chile", "uruguay", "paraguay", "brazil", "bolivia",
    "peru", "namibia", "botswana", "lesotho", "eswatini", "zimbabwe", "mozambique", "madagascar", "fiji",
    "au", "nz", "za", "ar", "cl", "uy", "py", "br", "bo", "pe", "na", "bw", "ls", "sz", "zw", "mz", "mg", "fj",
    "aus", "nzl", "zaf", "arg", "chl", "ury", "pry", "bra"})


def hemisphere(country: str | None) -> str:
    """``south`` for a southern-hemisphere country (name or ISO code), else ``north``."""
    return "south" if (country or "").strip().lower() in SOUTHERN else "north"


def season_of(day: date, hemi: str = "north") -> str:
    """The season of ``day`` (meteorological: winter is December to February in the north)."""
    season = _NORTH[day.month]
    return _FLIP[season] if hemi == "south" else season


def _in_season(seasons: Sequence[str], day: date, hemi: str) -> bool:
    if "festive" in seasons:
        return day.month in (11, 12) if hemi == "north" else day.month == 12
    return season_of(day, hemi) in seasons


def season_fit(name: str, category: str | None, day: date | None, hemi: str = "north") -> float:
    """How well a product suits ``day``: +1 in season, -1 out of season (strong cues), +0.5 / 0 for weak
    cues, 0 without cues or without a date. Strong cues decide over weak ones; the best fit among them wins."""
    if day is None:
        return 0.0
    text = f"{name} {category or ''}".lower()
    strong = [1.0 if _in_season(seasons, day, hemi) else -1.0 for pattern, seasons, is_strong in CUES
              if is_strong and pattern.search(text)]
    if strong:
        return max(strong)
    weak = [0.5 if _in_season(seasons, day, hemi) else 0.0 for pattern, seasons, is_strong in CUES
            if not is_strong and pattern.search(text)]
    return max(weak, default=0.0)


def seasonal(products: Sequence[ProductFact], day: date | None, hemi: str = "north",
             keep: int | None = None) -> list[ProductFact]:
    """``products`` without the out-of-season ones (a negative :func:`season_fit`) while any other remains,
    the given order otherwise kept; the first ``keep`` of them when given."""
    fits = [season_fit(p.name, p.category, day, hemi) for p in products]
    chosen = [p for p, f in zip(products, fits, strict=True) if f >= 0] or list(products)
    return chosen[:keep] if keep is not None else chosen
