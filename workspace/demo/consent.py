"""Demo consent per channel: who agreed to email, SMS and push, who refused, who was never asked.

Rates follow what a small web shop typically holds: most members opted in to email at signup (members
acquired through email or referrals a little more often), fewer gave a phone number's SMS consent,
and push consent exists only for members who later used the app. A refusal is stored as ``False`` with
its time; a member never asked has no value at all (which the export screen treats as *no consent*).
Timestamps lie at or after the signup day and never after the demo's last day.

The draws come from their own seeded stream (``SeedSequence([seed, 4, chunk])``), so adding consent
leaves every other demo column exactly as it was.
"""

from __future__ import annotations

import numpy as np

from memberinsight.workspace.demo.calendar import Calendar
from memberinsight.workspace.demo.members import CHANNELS, MemberChunk

CONSENT_COLUMNS: tuple[str, ...] = ("email_consent", "email_consent_at", "sms_consent", "sms_consent_at",
                                    "push_consent", "push_consent_at")
STREAM = 4
"""Second element of the seed sequence of the consent draws (1: members, 17/18: cohort/fraud)."""

# (agreed, refused) shares; the rest were never asked. Email per acquisition channel (order of CHANNELS).
EMAIL_AGREE = dict(zip(CHANNELS, (0.80, 0.74, 0.70, 0.86, 0.95, 0.72), strict=True))
EMAIL_REFUSE = 0.12
SMS_AGREE, SMS_REFUSE = 0.36, 0.40
PUSH_AGREE, PUSH_REFUSE = 0.22, 0.14
LATER_DAYS = 120
"""SMS and push consent come up to this many days after signup (exponential, mean a third of it)."""


def consent_rng(seed: int, chunk_no: int) -> np.random.Generator:
    """The consent draws' own random stream for one chunk of members."""
    return np.random.default_rng(np.random.SeedSequence([seed, STREAM, chunk_no]))


def _state(rng: np.random.Generator, agree: np.ndarray | float, refuse: float, n: int) -> np.ndarray:
    """``"true"`` / ``"false"`` / ``None`` (never asked) per member, as an object array."""
    u = rng.random(n)
    out = np.full(n, None, dtype=object)
    out[u < agree] = "true"
    out[(u >= agree) & (u < np.asarray(agree) + refuse)] = "false"
    return out


def _times(rng: np.random.Generator, m: MemberChunk, cal: Calendar, state: np.ndarray, later: bool) -> np.ndarray:
    """When each consent was given (at or after signup, by the last day); ``NaT`` where none was recorded."""
    delay = np.minimum(rng.exponential(LATER_DAYS / 3, m.n), LATER_DAYS).astype(np.int64) if later else 0
    day = np.minimum(m.signup_day + delay, cal.days - 1)
    secs = cal.epoch_seconds_of_day(day) + rng.integers(7 * 3600, 22 * 3600, m.n)
    out = secs.astype("datetime64[s]")
    out[np.array([s is None for s in state])] = np.datetime64("NaT")
    return out


def consent_columns(rng: np.random.Generator, m: MemberChunk, cal: Calendar) -> dict[str, object]:
    """The six consent columns of members.csv for one chunk (:data:`CONSENT_COLUMNS`)."""
    email_agree = np.array([EMAIL_AGREE[c] for c in np.array(CHANNELS, dtype=object)[m.channel]])
    email = _state(rng, email_agree, EMAIL_REFUSE, m.n)
    sms = _state(rng, SMS_AGREE, SMS_REFUSE, m.n)
    push = _state(rng, PUSH_AGREE, PUSH_REFUSE, m.n)
    return {
        "email_consent": email, "email_consent_at": _times(rng, m, cal, email, later=False),
        "sms_consent": sms, "sms_consent_at": _times(rng, m, cal, sms, later=True),
        "push_consent": push, "push_consent_at": _times(rng, m, cal, push, later=True),
    }
