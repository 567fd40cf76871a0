"""Genuine reviews: who reviews, the rating (product quality x experience) and the text (sentences
that mention the reviewed product's own attributes, with sentiment matching the rating)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from memberinsight.workspace.demo.calendar import Calendar
from memberinsight.workspace.demo.catalogue import N_SENTENCES, Catalogue
from memberinsight.workspace.demo.members import MemberChunk
from memberinsight.workspace.demo.orders import OrderBook
from memberinsight.workspace.demo.vocab import CLOSERS, OPENERS

PATTERNS = ("none", "copy_ring", "burst", "mismatch", "unverified_flood")
_OPEN = np.array(OPENERS, dtype=object)  # (5, 4)
_CLOSE = np.array(CLOSERS, dtype=object)
# Experience score thresholds for 1..5 stars.
RATING_CUTS = np.array([0.36, 0.5, 0.62, 0.76])


@dataclass
class ReviewSet:
    """Reviews of one chunk (member = chunk row), with the fake-review ground truth."""

    member: np.ndarray
    product: np.ndarray
    rating: np.ndarray
    text: np.ndarray  # object
    sec: np.ndarray  # epoch seconds
    verified: np.ndarray
    pattern: np.ndarray  # index into PATTERNS
    group: np.ndarray  # object: ring/burst/flood id or ""

    @classmethod
    def empty(cls) -> ReviewSet:
        e = np.zeros(0, dtype=np.int64)
        return cls(e, e, e, np.zeros(0, dtype=object), e, np.zeros(0, dtype=bool), e, np.zeros(0, dtype=object))

    def __len__(self) -> int:
        return len(self.member)

    def extend(self, other: ReviewSet) -> None:
        for name in ("member", "product", "rating", "text", "sec", "verified", "pattern", "group"):
            setattr(self, name, np.concatenate([getattr(self, name), getattr(other, name)]))


def _lower_first(s: np.ndarray) -> np.ndarray:
    return np.array([x[:1].lower() + x[1:] for x in s], dtype=object)


def compose_text(rng: np.random.Generator, cat: Catalogue, product: np.ndarray, rating: np.ndarray) -> np.ndarray:
    """Review texts: opener + product-specific sentences + closer, all following the rating."""
    n = len(product)
    if n == 0:
        return np.zeros(0, dtype=object)
    r = rating - 1
    a = rng.integers(0, N_SENTENCES, n)
    b = (a + 1 + rng.integers(0, N_SENTENCES - 1, n)) % N_SENTENCES
    two = rng.random(n) < 0.5
    pos1, pos2 = cat.pos_sentences[product, a], cat.pos_sentences[product, b]
    neg1, neg2 = cat.neg_sentences[product, a], cat.neg_sentences[product, b]
    body = np.where(r >= 3, np.where(two, pos1 + " " + pos2, pos1), np.where(two, neg1 + " " + neg2, neg1))
    mid = r == 2
    if mid.any():
        body[mid] = pos1[mid] + " However, " + _lower_first(neg2[mid])
    opener = _OPEN[r, rng.integers(0, _OPEN.shape[1], n)]
    closer = _CLOSE[r, rng.integers(0, _CLOSE.shape[1], n)]
    text = opener + " " + body + " " + closer
    return np.array([s.strip() for s in text], dtype=object)


def ratings(rng: np.random.Generator, quality: np.ndarray, leniency: np.ndarray, returned: np.ndarray) -> np.ndarray:
    """1..5 stars from product quality, the member's leniency, noise and whether it went back."""
    e = quality + leniency + rng.normal(0, 0.12, len(quality)) - 0.28 * returned
    return (np.digitize(e, RATING_CUTS) + 1).astype(np.int64)


def genuine_reviews(rng: np.random.Generator, m: MemberChunk, cat: Catalogue, cal: Calendar,
                    book: OrderBook) -> ReviewSet:
    """Reviews written by real buyers (verified) plus a few unverified ones (gifts, store buys)."""
    lm = book.o_member[book.l_order]
    returned = book.l_return_day >= 0
    q = cat.quality[book.l_product]
    p = 0.075 * m.review_propensity[lm] * (1 + 2.5 * np.abs(q - 0.7)) * np.where(returned, 1.6, 1.0)
    pick = np.flatnonzero(rng.random(len(lm)) < np.minimum(p, 0.9))
    mem, prod = lm[pick], book.l_product[pick]
    day = book.o_day[book.l_order[pick]] + 3 + np.floor(rng.exponential(9.0, len(pick))).astype(np.int64)
    ok = day <= cal.days - 1
    pick, mem, prod, day = pick[ok], mem[ok], prod[ok], day[ok]
    _, first = np.unique(mem * cat.n_products + prod, return_index=True)  # one review per member and product
    first.sort()
    pick, mem, prod, day = pick[first], mem[first], prod[first], day[first]
    rating = ratings(rng, cat.quality[prod], m.leniency[mem], returned[pick])
    verified = np.ones(len(mem), dtype=bool)
    # unverified genuine reviews: members reviewing items of their favourite category bought elsewhere
    n_un = int(round(0.07 * len(mem)))
    eligible = np.flatnonzero(~m.is_fake & (m.signup_day < cal.days - 10))
    if n_un and len(eligible):
        um = eligible[rng.integers(0, len(eligible), n_un)]
        up = cat.sample(m.prefs[um].argmax(1), m.pref_tier[um] + 1, rng.random(n_un))
        lo = np.maximum(m.signup_day[um], np.maximum(cat.created_day[up], 0)) + 1
        ud = lo + np.floor(rng.random(n_un) * np.maximum(cal.days - 1 - lo, 0)).astype(np.int64)
        okk = ud <= cal.days - 1
        um, up, ud = um[okk], up[okk], ud[okk]
        mem, prod, day = np.concatenate([mem, um]), np.concatenate([prod, up]), np.concatenate([day, ud])
        rating = np.concatenate([rating, ratings(rng, cat.quality[up], m.leniency[um], np.zeros(len(um)))])
        verified = np.concatenate([verified, np.zeros(len(um), dtype=bool)])
    _, keep = np.unique(mem * cat.n_products + prod, return_index=True)  # verified ones come first
    keep.sort()
    mem, prod, day, rating, verified = mem[keep], prod[keep], day[keep], rating[keep], verified[keep]
    n = len(mem)
    return ReviewSet(
        member=mem, product=prod, rating=rating, text=compose_text(rng, cat, prod, rating),
        sec=cal.seconds(rng, day), verified=verified, pattern=np.zeros(n, dtype=np.int64),
        group=np.full(n, "", dtype=object),
    )
