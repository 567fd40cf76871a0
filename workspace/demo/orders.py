"""Order simulation (vectorised): purchase timing, baskets, complements, returns and lapses.

Per member: first purchase shortly after signup, then candidate purchases with Erlang gaps at the
member's rate (shaped by the shop's daily intensity). Every candidate order is filled: categories
from the member's Dirichlet preferences times category seasonality, products from popularity or
the member's preferred price tier, staple re-buys, complementary products added to the same order,
and returned lines (product quality x member satisfaction). Then the lifecycle
(:mod:`workspace.demo.lifecycle`) decides after each purchase, from the member's satisfaction and
that order's experience, whether the member leaves; the orders after that are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from memberinsight.workspace.demo.calendar import Calendar
from memberinsight.workspace.demo.catalogue import Catalogue
from memberinsight.workspace.demo.lifecycle import (
    leave_probability,
    run_lifecycle,
    satisfaction_return_factor,
)
from memberinsight.workspace.demo.members import MemberChunk
from memberinsight.workspace.demo.vocab import CATEGORIES

SALES_CHANNELS = ("web", "app", "store")
# Sales channel probabilities per age band (web, app, store).
SALES_P = np.array([[0.35, 0.6, 0.05], [0.45, 0.48, 0.07], [0.55, 0.35, 0.1],
                    [0.62, 0.23, 0.15], [0.68, 0.12, 0.2], [0.7, 0.05, 0.25]])
SEASON = np.array([c.season for c in CATEGORIES])  # (C, 12)
RETURN_RATE = np.array([c.return_rate for c in CATEGORIES])
RETURN_LAG = (4, 35)
"""A return parcel goes back this many days (uniform, inclusive) after its order."""


@dataclass
class OrderBook:
    """Orders and lines of one chunk before ids are assigned (indices local to the chunk)."""

    o_member: np.ndarray
    o_day: np.ndarray
    o_sec: np.ndarray
    o_channel: np.ndarray
    l_order: np.ndarray
    l_product: np.ndarray
    l_qty: np.ndarray
    l_price: np.ndarray
    l_return_day: np.ndarray  # -1 when the line is not returned
    churn_day: np.ndarray = field(default_factory=lambda: np.empty(0))

    def extend(self, other: OrderBook) -> None:
        """Append another book's orders and lines (their order indices are shifted)."""
        shift = len(self.o_member)
        for name in ("o_member", "o_day", "o_sec", "o_channel"):
            setattr(self, name, np.concatenate([getattr(self, name), getattr(other, name)]))
        self.l_order = np.concatenate([self.l_order, other.l_order + shift])
        for name in ("l_product", "l_qty", "l_price", "l_return_day"):
            setattr(self, name, np.concatenate([getattr(self, name), getattr(other, name)]))


def _ranks(groups: np.ndarray) -> np.ndarray:
    """0-based position of each element within its run of equal values (input sorted by group)."""
    n = len(groups)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    lengths = np.diff(np.r_[starts, n])
    return np.arange(n) - np.repeat(starts, lengths)


def candidate_times(rng: np.random.Generator, m: MemberChunk, cal: Calendar) -> tuple[np.ndarray, np.ndarray]:
    """(member row, fractional day) of every candidate purchase, sorted by member and time.

    Each buyer's first purchase comes shortly after signup; then a Poisson process at the member's
    full rate (scaled by the shop's daily intensity) to the end of the window. Which candidates
    really happen is decided by :func:`workspace.demo.lifecycle.run_lifecycle`.
    """
    days = cal.days
    first = m.signup_day + rng.exponential(2.0, m.n)
    buyer = ~m.never_buys & ~m.is_fake & (first < days - 1e-6)
    c0 = cal.cum_at(np.minimum(first, days))
    span = np.where(buyer, cal.cum[-1] - c0, 0.0)
    k = m.gap_shape
    n_rep = rng.poisson(k * m.rate * span)
    mem = np.repeat(np.arange(m.n), n_rep)
    c = c0[mem] + rng.random(len(mem)) * span[mem]
    o = np.lexsort((c, mem))
    mem, c = mem[o], c[o]
    every = _ranks(mem) % k[mem] == k[mem] - 1  # every k-th event of a rate k*lambda process: Erlang-k gaps
    mem, c = mem[every], c[every]
    members = np.concatenate([np.flatnonzero(buyer), mem])
    times = np.concatenate([first[buyer], cal.time_at(c)])
    order = np.lexsort((times, members))
    return members[order], np.minimum(times[order], days - 1e-6)


def simulate_orders(rng: np.random.Generator, m: MemberChunk, cat: Catalogue, cal: Calendar) -> OrderBook:
    """All genuine orders and order lines of a member chunk."""
    o_member, t = candidate_times(rng, m, cal)
    o_day = np.floor(t).astype(np.int64)
    n_orders = len(o_member)
    o_sec = cal.seconds(rng, o_day)
    sp = SALES_P[m.age[o_member]]
    o_channel = (rng.random(n_orders)[:, None] > np.cumsum(sp, 1)).sum(1).clip(0, 2)
    spend = m.spend[o_member]
    n_lines = 1 + np.minimum(rng.poisson(0.55 * np.sqrt(spend)), 7)
    l_order = np.repeat(np.arange(n_orders), n_lines)
    lm = o_member[l_order]
    month = cal.month[o_day[l_order]]
    w = m.prefs[lm] * SEASON[:, month].T
    cw = np.cumsum(w, 1)
    l_cat = (rng.random(len(lm))[:, None] * cw[:, -1:] > cw).sum(1).clip(0, cat.n_categories - 1)
    mode = np.where(rng.random(len(lm)) < 0.55, m.pref_tier[lm] + 1, 0)
    product = cat.sample(l_cat, mode, rng.random(len(lm)))
    staple = rng.random(len(lm)) < 0.14
    product[staple] = m.staples[lm[staple], rng.integers(0, 2, int(staple.sum()))]
    extra_o, extra_p = [], []
    for slot, prob in ((0, 0.45), (1, 0.3)):
        comp = cat.complements[product, slot]
        add = (comp >= 0) & (rng.random(len(product)) < prob)
        extra_o.append(l_order[add])
        extra_p.append(comp[add])
    l_order = np.concatenate([l_order, *extra_o])
    product = np.concatenate([product, *extra_p])
    before = cat.created_day[product] >= o_day[l_order]
    product[before] = cat.fallback[product[before]]
    # one line per product per order, in drawing order
    key = l_order * cat.n_products + product
    _, first_idx = np.unique(key, return_index=True)
    first_idx.sort()
    l_order, product = l_order[first_idx], product[first_idx]
    o = np.argsort(l_order, kind="stable")
    l_order, product = l_order[o], product[o]
    n_l = len(product)
    ls = m.spend[o_member[l_order]]
    qty = 1 + np.where(cat.consumable[product], rng.poisson(0.7 * ls), rng.poisson(0.1, n_l))
    qty = np.minimum(qty, 12)
    promo = rng.random(n_orders) < np.where(cal.intensity[o_day] > 1.3, 0.35, 0.08)
    disc = np.where(promo, rng.choice(np.array([0.1, 0.15, 0.2, 0.25]), n_orders), 0.0)
    price = np.round(cat.price[product] * (1 - disc[l_order]), 2)
    p_ret = return_probability(cat, product, m.satisfaction[o_member[l_order]])
    ret = rng.random(n_l) < p_ret
    lag = rng.integers(RETURN_LAG[0], RETURN_LAG[1] + 1, n_orders)  # one return parcel per order
    ret_day = np.where(ret, o_day[l_order] + lag[l_order], -1)
    ret_day[ret_day > cal.days - 1] = -1
    bad = np.bincount(l_order, weights=ret, minlength=n_orders) > 0
    happens, left = run_lifecycle(rng, o_member, t, leave_probability(m.dropout[o_member],
                                                                       m.satisfaction[o_member], bad), m.n)
    new_no = np.cumsum(happens) - 1
    line_ok = happens[l_order]
    return OrderBook(o_member=o_member[happens], o_day=o_day[happens], o_sec=o_sec[happens],
                     o_channel=o_channel[happens], l_order=new_no[l_order[line_ok]], l_product=product[line_ok],
                     l_qty=qty[line_ok], l_price=price[line_ok], l_return_day=ret_day[line_ok], churn_day=left)


def return_probability(cat: Catalogue, product: np.ndarray, satisfaction: np.ndarray) -> np.ndarray:
    """Chance that a line goes back: category return rate x product quality x member satisfaction."""
    q = cat.quality[product]
    return RETURN_RATE[cat.category[product]] * (0.3 + 2.9 * (1 - q)) * satisfaction_return_factor(satisfaction)
