"""Holdout groups: a reproducible random control group per campaign.

The frozen audience is ordered by ``sha256(campaign_id + ":" + member_id)`` and the first
``round(n * holdout_pct / 100)`` members form the control group; the rest are treated. The split
depends only on the campaign id and the member ids (not on the order they arrive in, the clock or a
random generator's state), so re-running it gives the same groups, and two campaigns over the same
segment get different, independent control groups.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from memberinsight.errors import DataValidationError

MAX_HOLDOUT_PCT = 50.0


def check_holdout_pct(value: float) -> float:
    """``value`` as a float, or :class:`DataValidationError` unless 0 <= value <= :data:`MAX_HOLDOUT_PCT`."""
    try:
        pct = float(value)
    except (TypeError, ValueError) as exc:
        raise DataValidationError(f"holdout must be a percentage, got {value!r}", column="holdout_pct") from exc
    if not 0.0 <= pct <= MAX_HOLDOUT_PCT:
        raise DataValidationError(f"holdout must be between 0 and {MAX_HOLDOUT_PCT:g} percent of the audience, "
                                  f"got {pct:g}", column="holdout_pct")
    return pct


def holdout_key(campaign_id: str, member_id: str) -> str:
    """The sort key that places a member in the campaign's random order."""
    return hashlib.sha256(f"{campaign_id}:{member_id}".encode()).hexdigest()


def split_holdout(campaign_id: str, member_ids: Sequence[str], holdout_pct: float) -> tuple[list[str], list[str]]:
    """``(treatment, control)`` member ids, each sorted by id, for ``holdout_pct`` percent held out.

    Duplicates are dropped. The control group has ``round(n * holdout_pct / 100)`` members.
    """
    pct = check_holdout_pct(holdout_pct)
    ids = sorted(set(str(m) for m in member_ids))
    n_control = int(round(len(ids) * pct / 100.0))
    ordered = sorted(ids, key=lambda m: holdout_key(campaign_id, m))
    control = set(ordered[:n_control])
    return [m for m in ids if m not in control], sorted(control)
