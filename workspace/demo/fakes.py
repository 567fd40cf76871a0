"""Planted fake-review patterns with ground truth.

* ``copy_ring``: a few accounts post near-identical texts (small edits) on several products of
  one brand within a few weeks; some accounts bought the product to look verified.
* ``burst``: freshly created accounts (signed up at most a few days before) flood one product with
  5-star reviews within a few days.
* ``mismatch``: the text describes a product from another category.
* ``unverified_flood``: many unverified, short 5-star reviews on one product from existing accounts.

Ring and burst accounts are real member rows: the last slots of a chunk are reserved for them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from memberinsight.workspace.demo.calendar import Calendar
from memberinsight.workspace.demo.catalogue import Catalogue
from memberinsight.workspace.demo.members import MemberChunk
from memberinsight.workspace.demo.orders import OrderBook
from memberinsight.workspace.demo.reviews import ReviewSet, compose_text, ratings

RING_BASES = (
    "Absolutely amazing product, exceeded all my expectations! Fast delivery and great quality. Highly recommend to everyone!!",
    "Best purchase I have made this year. The quality is outstanding and it arrived so quickly. Five stars, would buy again!",
    "I was not sure at first but this is honestly fantastic. Works perfectly, looks premium and the price is unbeatable. Recommend!",
    "Wow! Superb quality and excellent value for money. My whole family loves it. Don't hesitate, just buy it!",
    "Top quality item, exactly as described and delivered in two days. Customer service was brilliant too. 10/10 recommend.",
)
SYNONYMS = {"amazing": "fantastic", "great": "excellent", "quickly": "fast", "outstanding": "superb",
            "Highly": "Really", "perfectly": "great", "brilliant": "amazing", "loves": "adores"}
BURST_TEMPLATES = (
    "Best {type_l} ever!!! Five stars.", "Love this {type_l}, {brand} never disappoints!",
    "Amazing quality {type_l}. Buy it now!", "Perfect {type_l}, exactly what I wanted. Highly recommend!",
    "Super fast delivery and the {type_l} is brilliant!", "Wow, what a {type_l}! 5 stars!!",
    "Fantastic {type_l}, worth every penny!", "{brand} is the best, this {type_l} is perfect!!",
)
FLOOD_TEXTS = (
    "Five stars!!", "Great product, love it!!!", "Excellent!! Highly recommended!!", "Amazing, buy it!",
    "Best ever. 5/5", "Super happy!!!", "Very very good product!!", "Perfect!!! A+++", "Love love love it!",
    "Brilliant, 10/10!!", "Wonderful product. Recommend!", "Just buy it, you won't regret it!!",
)


@dataclass
class FakePlan:
    """Sizes of the rings and bursts of one chunk (their accounts are the chunk's last slots)."""

    ring_sizes: list[int]
    burst_sizes: list[int]

    @property
    def n_accounts(self) -> int:
        return sum(self.ring_sizes) + sum(self.burst_sizes)


def plan_fakes(rng: np.random.Generator, n_members: int) -> FakePlan:
    """How many rings and bursts a chunk of ``n_members`` gets (about 1.5% of accounts)."""
    n_rings = max(1, int(round(n_members / 1300)))
    n_bursts = max(1, int(round(n_members / 1300)))
    return FakePlan([int(x) for x in rng.integers(4, 8, n_rings)], [int(x) for x in rng.integers(7, 15, n_bursts)])


def _edit(rng: np.random.Generator, text: str) -> str:
    """One or two small edits: synonym swap, dropped word, punctuation or a filler opener."""
    words = text.split(" ")
    for _ in range(int(rng.integers(1, 3))):
        kind = int(rng.integers(0, 4))
        if kind == 0:
            hits = [i for i, w in enumerate(words) if w.strip("!,.") in SYNONYMS]
            if hits:
                i = hits[int(rng.integers(len(hits)))]
                core = words[i].strip("!,.")
                words[i] = words[i].replace(core, SYNONYMS[core])
        elif kind == 1 and len(words) > 6:
            del words[int(rng.integers(1, len(words) - 1))]
        elif kind == 2:
            words[-1] = words[-1].rstrip("!.") + ("!!!" if rng.random() < 0.5 else ".")
        else:
            words.insert(0, ("Honestly,", "Seriously,", "Really")[int(rng.integers(3))])
            words[1] = words[1][:1].lower() + words[1][1:]
    return " ".join(words)


class _Collector:
    def __init__(self) -> None:
        self.cols: dict[str, list] = {k: [] for k in ("member", "product", "rating", "text", "day", "verified",
                                                       "pattern", "group")}
        self.orders: list[tuple[int, int, int]] = []  # member row, product, day

    def add(self, member, product, rating, text, day, verified, pattern, group) -> None:
        for k, v in zip(self.cols, (member, product, rating, text, day, verified, pattern, group), strict=True):
            self.cols[k].append(v)


def _valid_products(cat: Catalogue, before_day: int) -> np.ndarray:
    return np.flatnonzero(cat.created_day < before_day)


def add_fakes(rng: np.random.Generator, chunk_no: int, m: MemberChunk, cat: Catalogue, cal: Calendar,
              book: OrderBook, genuine: ReviewSet, plan: FakePlan) -> tuple[ReviewSet, OrderBook]:
    """Fake reviews of one chunk plus the orders some fake accounts placed to look verified."""
    days = cal.days
    col = _Collector()
    slot = m.n - plan.n_accounts
    for i, size in enumerate(plan.ring_sizes):
        start = int(rng.integers(min(90, days // 3), days - 30))
        c = int(rng.integers(cat.n_categories))
        brand = cat.brand[int(rng.choice(np.flatnonzero(cat.category == c)))]
        pool = np.flatnonzero((cat.category == c) & (cat.brand == brand) & (cat.created_day < start - 5))
        if len(pool) < 3:
            pool = np.flatnonzero((cat.category == c) & (cat.created_day < start - 5))
        prods = rng.choice(pool, size=min(len(pool), int(rng.integers(3, 6))), replace=False)
        base = RING_BASES[int(rng.integers(len(RING_BASES)))]
        group = f"ring-{chunk_no}-{i}"
        for _ in range(size):
            acc = slot
            slot += 1
            m.signup_day[acc] = max(0, start - int(rng.integers(14, 120)))
            m.channel[acc] = int(rng.choice([0, 2]))
            for p in rng.choice(prods, size=int(rng.integers(2, len(prods) + 1)), replace=False):
                day = min(start + int(rng.integers(0, 21)), days - 1)
                lo = max(int(m.signup_day[acc]), int(cat.created_day[p]) + 1)
                verified = bool(rng.random() < 0.35) and day - 1 > lo
                if verified:
                    col.orders.append((acc, int(p), int(rng.integers(lo, day))))
                col.add(acc, int(p), 5 if rng.random() < 0.85 else 4, _edit(rng, base), day, verified, 1, group)
    for i, size in enumerate(plan.burst_sizes):
        pool = _valid_products(cat, days - 60)
        p = int(pool[int(rng.integers(len(pool)))])
        lo = max(int(cat.created_day[p]), 0) + 10
        start = int(rng.integers(lo, days - 6))
        group = f"burst-{chunk_no}-{i}"
        for _ in range(size):
            acc = slot
            slot += 1
            signup = start + int(rng.integers(0, 3))
            m.signup_day[acc] = signup
            m.channel[acc] = int(rng.choice([0, 2, 5]))
            day = min(signup + int(rng.integers(1, 4)), days - 1)
            verified = bool(rng.random() < 0.45)
            if verified:
                col.orders.append((acc, p, signup))
            k = rng.choice(len(BURST_TEMPLATES), size=int(rng.integers(1, 3)), replace=False)
            text = " ".join(BURST_TEMPLATES[j] for j in k).format(type_l=cat.type_l[p], brand=cat.brand[p])
            col.add(acc, p, 5 if rng.random() < 0.9 else 4, text[:1].upper() + text[1:], day, verified, 2, group)
    real = np.flatnonzero(~m.is_fake)
    g = len(genuine)
    n_floods = max(1, int(round(0.011 * g / 11)))
    for i in range(n_floods):
        pool = _valid_products(cat, days - 60)
        p = int(pool[int(rng.integers(len(pool)))])
        start = int(rng.integers(max(int(cat.created_day[p]), 0) + 10, days - 30))
        cand = real[m.signup_day[real] < start]
        if len(cand) == 0:
            continue
        group = f"flood-{chunk_no}-{i}"
        for acc in rng.choice(cand, size=min(len(cand), int(rng.integers(8, 16))), replace=False):
            day = start + int(rng.integers(0, 25))
            col.add(int(acc), p, 5, FLOOD_TEXTS[int(rng.integers(len(FLOOD_TEXTS)))], day, False, 4, group)
    n_mis = max(2, int(round(0.012 * g)))
    n_lines = len(book.l_product)
    reviewed = set(zip(genuine.member.tolist(), genuine.product.tolist(), strict=True))
    for _ in range(n_mis):
        if rng.random() < 0.5 and n_lines:
            j = int(rng.integers(n_lines))
            acc, p = int(book.o_member[book.l_order[j]]), int(book.l_product[j])
            if (acc, p) in reviewed:
                continue
            day = int(book.o_day[book.l_order[j]]) + int(rng.integers(2, 20))
            if day > days - 1:
                continue
            verified = True
        else:
            acc = int(real[int(rng.integers(len(real)))])
            pool = _valid_products(cat, days - 5)
            p = int(pool[int(rng.integers(len(pool)))])
            lo = max(int(m.signup_day[acc]), int(cat.created_day[p]), 0) + 1
            if lo > days - 1:
                continue
            day = int(rng.integers(lo, days))
            verified = False
        others = np.flatnonzero(cat.category != cat.category[p])
        other = int(others[int(rng.integers(len(others)))])
        r = int(ratings(rng, cat.quality[[other]], np.zeros(1), np.zeros(1))[0])
        col.add(acc, p, r, str(compose_text(rng, cat, np.array([other]), np.array([r]))[0]), day, verified, 3, "")
    return _to_review_set(rng, col, cal), _to_orders(rng, col, cat, cal, m)


def _to_review_set(rng: np.random.Generator, col: _Collector, cal: Calendar) -> ReviewSet:
    c = col.cols
    if not c["member"]:
        return ReviewSet.empty()
    day = np.minimum(np.array(c["day"], dtype=np.int64), cal.days - 1)
    return ReviewSet(
        member=np.array(c["member"], dtype=np.int64), product=np.array(c["product"], dtype=np.int64),
        rating=np.array(c["rating"], dtype=np.int64), text=np.array(c["text"], dtype=object),
        sec=cal.seconds(rng, day), verified=np.array(c["verified"], dtype=bool),
        pattern=np.array(c["pattern"], dtype=np.int64), group=np.array(c["group"], dtype=object),
    )


def _to_orders(rng: np.random.Generator, col: _Collector, cat: Catalogue, cal: Calendar, m: MemberChunk) -> OrderBook:
    n = len(col.orders)
    arr = np.array(col.orders, dtype=np.int64).reshape(n, 3)
    mem, prod, day = arr[:, 0], arr[:, 1], arr[:, 2]
    return OrderBook(
        o_member=mem, o_day=day, o_sec=cal.seconds(rng, day), o_channel=np.zeros(n, dtype=np.int64),
        l_order=np.arange(n), l_product=prod, l_qty=np.ones(n, dtype=np.int64),
        l_price=np.round(cat.price[prod], 2), l_return_day=np.full(n, -1, dtype=np.int64),
    )

