"""Order simulation (vectorised): BG/NBD-style purchase timing, baskets, complements, returns.

Per member: first purchase shortly after signup, then a Poisson process with the member's gamma
distributed rate (shaped by the shop's daily intensity); after every purchase the member drops
out with their own probability. Baskets draw categories from the member's Dirichlet preferences
times category seasonality, products from popularity or the member's preferred price tier, staple
re-buys, and complementary products added to the same order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from workspace.demo.calendar import Calendar
from workspace.demo.catalogue import Catalogue
from workspace.demo.members import MemberChunk
from workspace.demo.vocab import CATEGORIES

SALES_CHANNELS = ("web", "app", "store")
# Sales channel probabilities per age band (web, app, store).
SALES_P = np.array([[0.35, 0.6, 0.05], [0.45, 0.48, 0.07], [0.55, 0.35, 0.1],
                    [0.62, 0.23, 0.15], [0.68, 0.12, 0.2], [0.7, 0.05, 0.25]])
SEASON = np.array([c.season for c in CATEGORIES])  # (C, 12)
RETURN_RATE = np.array([c.return_rate for c in CATEGORIES])


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


def purchase_times(rng: np.random.Generator, m: MemberChunk, cal: Calendar) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(member row, fractional day) of every purchase, and each member's dropout day (NaN: alive)."""
    days = cal.days
    first = m.signup_day + rng.exponential(2.0, m.n)
    buyer = ~m.never_buys & ~m.is_fake & (first < days - 1e-6)
    g = rng.geometric(m.dropout)  # purchases made before dropping out (inclusive)
    c0 = cal.cum_at(np.minimum(first, days))
    span = np.where(buyer, cal.cum[-1] - c0, 0.0)
    n_rep = rng.poisson(m.rate * span)
    mem = np.repeat(np.arange(m.n), n_rep)
    c = c0[mem] + rng.random(len(mem)) * span[mem]
    order = np.lexsort((c, mem))
    mem, t = mem[order], cal.time_at(c[order])
    rank = _ranks(mem)
    churn = np.full(m.n, np.nan)
    drop_first = buyer & (g == 1)
    churn[drop_first] = first[drop_first]
    last = rank + 2 == g[mem]  # the repeat purchase after which the member drops out
    churn[mem[last]] = t[last]
    keep = rank + 2 <= g[mem]
    mem, t = mem[keep], t[keep]
    members = np.concatenate([np.flatnonzero(buyer), mem])
    times = np.concatenate([first[buyer], t])
    return members, np.minimum(times, days - 1e-6), churn


def simulate_orders(rng: np.random.Generator, m: MemberChunk, cat: Catalogue, cal: Calendar) -> OrderBook:
    """All genuine orders and order lines of a member chunk."""
    o_member, t, churn = purchase_times(rng, m, cal)
    sort = np.lexsort((t, o_member))
    o_member, o_day = o_member[sort], np.floor(t[sort]).astype(np.int64)
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
    q = cat.quality[product]
    p_ret = RETURN_RATE[cat.category[product]] * (0.3 + 2.9 * (1 - q))
    ret = rng.random(n_l) < p_ret
    lag = rng.integers(4, 36, n_orders)  # one return parcel per order
    ret_day = np.where(ret, o_day[l_order] + lag[l_order], -1)
    ret_day[ret_day > cal.days - 1] = -1
    return OrderBook(o_member=o_member, o_day=o_day, o_sec=o_sec, o_channel=o_channel, l_order=l_order,
                     l_product=product, l_qty=qty, l_price=price, l_return_day=ret_day, churn_day=churn)
