"""k-anonymity on quasi-identifiers: generalise rare combinations step by step, then suppress.

A quasi-identifier (age band, city, country) names nobody on its own, but a rare combination of them
("65+, Inverness, United Kingdom") can single a member out to anyone who knows them. A table is
k-anonymous when every combination of quasi-identifier values it shows is shared by at least ``k`` rows.

:func:`enforce_k` works by local recoding: only the rows whose combination is rarer than ``k`` are
changed, one :data:`STEPS` step at a time (city -> region, city withheld, age band -> wider band, age
band withheld); rows still rare after the last step are suppressed (left out). Every step is counted,
so the export can say how many rows each one touched. Pure pandas: no workspace, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from memberinsight.errors import DataValidationError

QUASI_IDENTIFIERS: tuple[str, ...] = ("age_band", "city", "country")
WITHHELD = "*"
"""The value shown where a quasi-identifier was generalised away entirely."""
UNKNOWN = "unknown"
"""The value shown for a missing quasi-identifier (missing values form a class like any other)."""
MAX_K = 1000

WIDE_BANDS: tuple[tuple[int, str], ...] = ((35, "18-34"), (55, "35-54"), (10_000, "55+"))
"""Wider age bands by the lower bound of the original band (``25-34`` -> ``18-34``, ``65+`` -> ``55+``)."""
_BAND = re.compile(r"^\s*(\d{1,3})\s*(?:[-–]\s*\d{1,3}|\+)\s*$")


def _nations() -> dict[str, str]:
    from memberinsight.segments.regions import NATIONS

    return {city.lower(): nation for nation, cities in NATIONS.items() for city in cities}


def city_region(city: str, nations: dict[str, str]) -> str:
    """The region shown instead of ``city``: its UK nation when known (``Glasgow`` -> ``Scotland``),
    else :data:`WITHHELD` (the country column still says where)."""
    return nations.get(str(city).strip().lower(), WITHHELD)


def wider_band(band: str) -> str:
    """``band`` widened to one of :data:`WIDE_BANDS`; :data:`WITHHELD` when it cannot be read."""
    if band in {b for _, b in WIDE_BANDS}:
        return band
    match = _BAND.match(str(band))
    if not match:
        return WITHHELD
    low = int(match.group(1))
    return next(label for bound, label in WIDE_BANDS if low < bound)


@dataclass(frozen=True)
class Step:
    """One generalisation step: its ``name``, the ``column`` it changes and how."""

    name: str
    column: str
    apply: Callable[[pd.Series], pd.Series]


def default_steps() -> tuple[Step, ...]:
    """The generalisation ladder, mildest first."""
    nations = _nations()
    return (
        Step("city -> region", "city", lambda s: s.map(lambda v: v if v == WITHHELD else city_region(v, nations))),
        Step("city withheld (country only)", "city", lambda s: s.map(lambda _: WITHHELD)),
        Step("age band -> wider band", "age_band", lambda s: s.map(lambda v: v if v == WITHHELD else wider_band(v))),
        Step("age band withheld", "age_band", lambda s: s.map(lambda _: WITHHELD)),
    )


@dataclass(frozen=True)
class KAnonymityResult:
    """The recoded rows (``frame``, suppressed rows removed) and what it took to reach ``k``.

    ``generalised`` maps each step name to the rows it changed (every step present, in order);
    ``suppressed`` rows were still rarer than ``k`` after the last step; ``smallest_class`` is the
    size of the rarest combination left (0 when no row is left)."""

    frame: pd.DataFrame
    k: int
    quasi_identifiers: tuple[str, ...]
    rows_in: int
    generalised: dict[str, int]
    suppressed: int
    classes: int
    smallest_class: int

    def summary(self) -> str:
        """Plain words: what was generalised and suppressed to make every combination hold ``k`` rows."""
        steps = ", ".join(f"{n:,} by {name}" for name, n in self.generalised.items() if n) or "none"
        return (f"k-anonymity (k={self.k} on {', '.join(self.quasi_identifiers)}): {self.rows_in:,} rows in; "
                f"generalised: {steps}; suppressed {self.suppressed:,}; {len(self.frame):,} rows out in "
                f"{self.classes:,} combinations, the smallest of {self.smallest_class:,}.")


def check_k(k: int) -> int:
    """``k`` as an int, or :class:`DataValidationError` unless 2 <= k <= :data:`MAX_K`."""
    value = int(k)
    if not 2 <= value <= MAX_K:
        raise DataValidationError(f"k must be between 2 and {MAX_K} (k=1 protects nobody), got {k}", column="k")
    return value


def _rare(frame: pd.DataFrame, qi: list[str], k: int) -> pd.Series:
    sizes = frame.groupby(qi, dropna=False, sort=False)[qi[0]].transform("size")
    return sizes < k


def class_sizes(frame: pd.DataFrame, quasi_identifiers: Sequence[str] = QUASI_IDENTIFIERS) -> pd.Series:
    """Rows per combination of the quasi-identifiers (missing values counted as a value)."""
    return frame.groupby(list(quasi_identifiers), dropna=False, sort=False).size()


def enforce_k(frame: pd.DataFrame, k: int, quasi_identifiers: Sequence[str] = QUASI_IDENTIFIERS,
              steps: Sequence[Step] | None = None) -> KAnonymityResult:
    """``frame`` recoded so that every combination of ``quasi_identifiers`` occurs at least ``k`` times.

    Rare rows are generalised one step at a time (:func:`default_steps` unless ``steps``), only the rows
    still rare before each step; what is still rare after the last step is suppressed. Missing values
    become :data:`UNKNOWN`. The input is not changed.
    """
    k = check_k(k)
    qi = list(quasi_identifiers)
    missing = [c for c in qi if c not in frame.columns]
    if missing:
        raise DataValidationError(f"quasi-identifier column(s) missing: {', '.join(missing)}", column=missing[0])
    out = frame.copy()
    for col in qi:
        out[col] = out[col].astype("object").where(out[col].notna(), UNKNOWN).astype(str)
    generalised: dict[str, int] = {}
    for step in (default_steps() if steps is None else steps):
        if step.column not in qi or out.empty:
            generalised[step.name] = 0
            continue
        rare = _rare(out, qi, k)
        if not rare.any():
            generalised[step.name] = 0
            continue
        before = out.loc[rare, step.column]
        after = step.apply(before)
        generalised[step.name] = int((before != after).sum())
        out.loc[rare, step.column] = after
    rare = _rare(out, qi, k) if not out.empty else pd.Series(False, index=out.index)
    kept = out.loc[~rare].reset_index(drop=True)
    sizes = class_sizes(kept, qi) if not kept.empty else pd.Series(dtype=int)
    return KAnonymityResult(kept, k, tuple(qi), len(frame), generalised, int(rare.sum()), int(len(sizes)),
                            int(sizes.min()) if len(sizes) else 0)
