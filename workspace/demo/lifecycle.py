"""Member lifecycle: who keeps buying and who lapses, driven by regular habits and experience.

Real members rarely vanish at random, and they do not buy at random moments either. The demo
follows what is known about real shoppers (regular purchase timing, as in the Pareto/GGG model of
Platzer & Reutterer, 2016; leaving after bad experiences), so that churn can be learned from a
member's history:

* **Regular habits.** The gaps between a member's purchases follow an Erlang distribution with the
  member's shape ``k`` (``GAP_SHAPES`` with probabilities ``GAP_SHAPE_P``) and mean ``1 / rate``
  (in the shop's intensity time, :class:`workspace.demo.calendar.Calendar`). A member who is well
  past their usual gap is more likely to have gone; one who is due is likely to buy soon.
* **Satisfaction.** Every member has a latent satisfaction ``s ~ N(0, 1)``. Satisfied members buy
  more often (rate x ``exp(SAT_RATE * s - SAT_RATE^2 / 2)``), return less (every line's return
  probability x ``exp(-SAT_RETURN * s)``, :mod:`workspace.demo.orders`; returned
  items also get lower review ratings, :mod:`workspace.demo.reviews`) and are less likely to leave.
* **Bad experiences.** An order with at least one returned line multiplies the chance of leaving
  right after that purchase by ``BAD_ORDER_DROP``; an order without a return by ``GOOD_ORDER_DROP``.
* **Leaving.** After each purchase the member leaves for good with probability
  ``clip(dropout x exp(-SAT_DROP * s - SAT_DROP^2 / 2) x experience, P_MIN, P_MAX)``, where
  ``dropout`` is the member's base propensity (:mod:`workspace.demo.members`: Beta prior x channel
  and age-band engagement).

All observable consequences of the latent state are in the orders (purchase times, returned lines),
so the exact posterior churn probability given a member's order history can be computed; the
Bayes-ceiling test (``tests/models/demo_ceiling.py``) does that. Keep it in step with these constants.
"""

from __future__ import annotations

import numpy as np

GAP_SHAPES = np.array([1, 2, 3])
GAP_SHAPE_P = np.array([0.1, 0.45, 0.45])
"""Erlang shapes of the gaps between purchases and their shares among members (1 = Poisson)."""
SAT_RATE = 0.4
"""Satisfaction's effect on the purchase rate (log scale, per standard deviation)."""
SAT_RETURN = 1.0
"""Satisfaction's effect on the return probability of every line (log scale, per standard deviation)."""
SAT_DROP = 1.2
"""Satisfaction's effect on the chance of leaving after a purchase (log scale, per standard deviation)."""
BAD_ORDER_DROP = 3.0
GOOD_ORDER_DROP = 0.75
P_MIN, P_MAX = 0.01, 0.95


def satisfaction_rate_factor(s: np.ndarray) -> np.ndarray:
    """Multiplier of a member's purchase rate (mean 1 over members)."""
    return np.exp(SAT_RATE * s - SAT_RATE**2 / 2)


def satisfaction_return_factor(s: np.ndarray) -> np.ndarray:
    """Multiplier of a member's line return probabilities (1 at average satisfaction, ``s = 0``).

    Not normalised over members: satisfied members buy more and return less, so this keeps the
    share of bought lines that go back near the catalogue's rates (about 7%).
    """
    return np.exp(-SAT_RETURN * s)


def leave_probability(dropout: np.ndarray, s: np.ndarray, bad_order: np.ndarray) -> np.ndarray:
    """Chance that a member leaves for good right after a purchase."""
    sat = np.exp(-SAT_DROP * s - SAT_DROP**2 / 2)
    return np.clip(dropout * sat * np.where(bad_order, BAD_ORDER_DROP, GOOD_ORDER_DROP), P_MIN, P_MAX)


def run_lifecycle(rng: np.random.Generator, member: np.ndarray, t: np.ndarray, p_leave: np.ndarray,
                  n_members: int) -> tuple[np.ndarray, np.ndarray]:
    """Which candidate purchases happen, and each member's leaving time (NaN: still active).

    ``member`` / ``t`` are the candidate purchases sorted by member and time (the first of each
    member is their first purchase); ``p_leave`` the chance of leaving right after each one. A
    candidate happens when the member has not left after any earlier one.
    """
    n = len(member)
    leaves = rng.random(n) < p_leave
    left = np.full(n_members, np.nan)
    if n == 0:
        return np.zeros(0, dtype=bool), left
    starts = np.flatnonzero(np.r_[True, member[1:] != member[:-1]])
    lengths = np.diff(np.r_[starts, n])
    cum = np.cumsum(leaves, dtype=np.int64)
    before: np.ndarray = cum - leaves - np.repeat(cum[starts] - leaves[starts], lengths)  # leaves earlier in the member
    happens = before == 0
    last = happens & leaves
    left[member[last]] = t[last]
    return happens, left
