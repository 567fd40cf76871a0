"""Demo members: fake PII, demographics and the latent parameters that drive their orders.

Everything is vectorised over a chunk of members. Each member gets a purchase rate
(``Gamma(RATE_SHAPE, mean RATE_MEAN_PER_YEAR)`` per year), a base propensity to leave after a
purchase (``Beta(DROP_A, DROP_B)``), a latent satisfaction and a regularity (Erlang gap shape);
acquisition channel and age band shift the rate, the propensity to leave (engagement), spend level
and category tastes, so they are genuinely predictive of churn, CLV and recommendations. How these
turn into purchases and lapses is described in :mod:`workspace.demo.lifecycle`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from memberinsight.workspace.demo.catalogue import Catalogue
from memberinsight.workspace.demo.lifecycle import GAP_SHAPE_P, GAP_SHAPES, satisfaction_rate_factor
from memberinsight.workspace.demo.vocab import CATEGORIES

AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
AGE_P = np.array([0.12, 0.26, 0.23, 0.18, 0.13, 0.08])
AGE_RATE = np.array([0.75, 1.0, 1.2, 1.25, 1.05, 0.85])
AGE_DROP = np.array([1.45, 1.15, 0.9, 0.8, 0.75, 0.85])
AGE_SPEND = np.array([0.7, 0.9, 1.1, 1.2, 1.15, 1.0])
# Category tilt per age band (order of vocab.CATEGORIES: Outdoor, Garden, Kitchen, Home, Toys,
# Electronics, Beauty, Fashion, Sports, Pets).
AGE_TILT = np.array([
    [0.8, 0.25, 0.6, 0.7, 0.35, 1.7, 1.7, 1.8, 1.4, 0.8],
    [1.0, 0.55, 1.0, 1.0, 1.3, 1.35, 1.3, 1.35, 1.25, 1.0],
    [1.15, 0.9, 1.1, 1.1, 1.9, 1.0, 1.0, 1.0, 1.05, 1.1],
    [1.25, 1.45, 1.2, 1.2, 1.0, 0.9, 0.8, 0.8, 0.9, 1.1],
    [1.1, 2.0, 1.25, 1.3, 0.8, 0.65, 0.7, 0.7, 0.65, 1.15],
    [0.8, 2.3, 1.2, 1.35, 0.9, 0.45, 0.6, 0.55, 0.45, 1.25],
])

RATE_SHAPE, RATE_MEAN_PER_YEAR = 0.9, 5.0
DROP_A, DROP_B = 1.3, 6.0
DROP_CLIP = (0.01, 0.92)

CHANNELS = ("organic", "paid_search", "social", "referral", "email", "affiliate")
CHANNEL_P = np.array([0.30, 0.22, 0.18, 0.10, 0.12, 0.08])
CHANNEL_RATE = np.array([1.1, 0.9, 0.7, 1.4, 1.3, 0.8])
CHANNEL_DROP = np.array([0.9, 1.2, 1.55, 0.6, 0.7, 1.3])
CHANNEL_NEVER = np.array([0.07, 0.12, 0.2, 0.04, 0.06, 0.15])

CITIES = (
    ("London", "United Kingdom", 22), ("Manchester", "United Kingdom", 7), ("Birmingham", "United Kingdom", 7),
    ("Leeds", "United Kingdom", 5), ("Glasgow", "United Kingdom", 5), ("Bristol", "United Kingdom", 4),
    ("Edinburgh", "United Kingdom", 4), ("Liverpool", "United Kingdom", 4), ("Cardiff", "United Kingdom", 3),
    ("Newcastle", "United Kingdom", 3), ("Nottingham", "United Kingdom", 3), ("Sheffield", "United Kingdom", 3),
    ("Brighton", "United Kingdom", 2), ("Belfast", "United Kingdom", 2), ("Dublin", "Ireland", 5),
    ("Cork", "Ireland", 1.5), ("Paris", "France", 2), ("Lyon", "France", 1), ("Berlin", "Germany", 2),
    ("Munich", "Germany", 1), ("Amsterdam", "Netherlands", 2), ("Rotterdam", "Netherlands", 1),
    ("Madrid", "Spain", 1), ("Barcelona", "Spain", 1),
)
PHONE_PREFIX = {"United Kingdom": "+44 7700 900", "Ireland": "+353 85 555 0", "France": "+33 6 55 50 0",
                "Germany": "+49 151 5550 0", "Netherlands": "+31 6 5550 0", "Spain": "+34 655 500 0"}
FIRST_NAMES = (
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Grace", "Sophia", "Lily", "Freya", "Emily", "Ella", "Chloe",
    "Aisha", "Priya", "Zara", "Hannah", "Niamh", "Sofia", "Lucia", "Emma", "Noah", "Oliver", "George",
    "Arthur", "Leo", "Harry", "Oscar", "Jack", "Charlie", "Jacob", "Thomas", "James", "Mohammed", "Ali",
    "Rohan", "Liam", "Conor", "Lucas", "Mateo", "Finn", "Daniel", "Samuel", "Joseph", "Ethan", "Ravi", "Kofi",
)
LAST_NAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
    "Khan", "Hughes", "Murphy", "O'Brien", "Kelly", "Singh", "Ahmed", "Lewis", "Harris", "Martin", "Cooper",
    "King", "Lee", "Baker", "Morgan", "Okafor", "Novak", "Garcia", "Muller", "Dubois", "de Vries", "Nowak",
)
DOMAINS = ("example.com", "example.org", "example.net", "mail.example", "post.example")


@dataclass
class MemberChunk:
    """One chunk of members: identity columns plus latent parameters (index = row in chunk)."""

    index: np.ndarray  # global member number (1-based)
    signup_day: np.ndarray  # day index in the history window
    age: np.ndarray
    channel: np.ndarray
    city: np.ndarray
    rate: np.ndarray  # repeat purchases per day while active
    dropout: np.ndarray  # base chance of starting to leave after a purchase (see demo.lifecycle)
    gap_shape: np.ndarray  # Erlang shape of the gaps between purchases (1 Poisson, higher: more regular)
    satisfaction: np.ndarray  # latent N(0, 1): fewer returns and less leaving when high
    never_buys: np.ndarray  # bool
    spend: np.ndarray  # spend level (mean 1)
    pref_tier: np.ndarray
    prefs: np.ndarray  # (n, C) Dirichlet category preferences
    leniency: np.ndarray
    review_propensity: np.ndarray
    staples: np.ndarray  # (n, 2) products re-bought regularly
    is_fake: np.ndarray  # bool: account created by a fake-review pattern

    @property
    def n(self) -> int:
        return len(self.index)


def _pick(rng: np.random.Generator, p: np.ndarray, n: int) -> np.ndarray:
    return np.searchsorted(np.cumsum(p) / p.sum(), rng.random(n), side="right").clip(0, len(p) - 1)


def signup_days(rng: np.random.Generator, n: int, days: int) -> np.ndarray:
    """Signup days with a growing shop: density rises linearly over the window."""
    w = 1.0 + 1.3 * np.arange(days) / days
    return np.minimum(_pick(rng, w, n), days - 1)


def make_members(rng: np.random.Generator, start_index: int, n: int, days: int, cat: Catalogue) -> MemberChunk:
    """Draw ``n`` members numbered from ``start_index``."""
    age = _pick(rng, AGE_P, n)
    channel = _pick(rng, CHANNEL_P, n)
    city = _pick(rng, np.array([c[2] for c in CITIES], dtype=float), n)
    signup = signup_days(rng, n, days)
    rate_year = rng.gamma(RATE_SHAPE, RATE_MEAN_PER_YEAR / RATE_SHAPE, n) * CHANNEL_RATE[channel] * AGE_RATE[age]
    dropout = np.clip(rng.beta(DROP_A, DROP_B, n) * CHANNEL_DROP[channel] * AGE_DROP[age], *DROP_CLIP)
    never = rng.random(n) < CHANNEL_NEVER[channel]
    spend = rng.gamma(5.0, 1 / 5.0, n) * AGE_SPEND[age]
    pref_tier = np.digitize(spend * np.exp(rng.normal(0, 0.25, n)), [0.8, 1.3])
    share = np.array([c.share for c in CATEGORIES])
    alpha = 2.2 * share[None, :] * AGE_TILT[age]
    alpha = alpha / alpha.sum(1, keepdims=True) * 2.2
    g = rng.gamma(alpha)
    prefs = g / np.maximum(g.sum(1, keepdims=True), 1e-12)
    top = prefs.argmax(1)
    staples = np.stack([cat.sample(top, pref_tier + 1, rng.random(n)) for _ in range(2)], axis=1)
    satisfaction = rng.standard_normal(n)
    rate_year = rate_year * satisfaction_rate_factor(satisfaction)
    gap_shape = GAP_SHAPES[_pick(rng, GAP_SHAPE_P, n)]
    return MemberChunk(
        index=np.arange(start_index, start_index + n, dtype=np.int64), signup_day=signup, age=age,
        channel=channel, city=city, rate=rate_year / 365.25, dropout=dropout, satisfaction=satisfaction,
        gap_shape=gap_shape, never_buys=never, spend=spend, pref_tier=pref_tier, prefs=prefs, leniency=rng.normal(0, 0.07, n),
        review_propensity=rng.gamma(0.8, 1 / 0.8, n), staples=staples, is_fake=np.zeros(n, dtype=bool),
    )


def pii(rng: np.random.Generator, m: MemberChunk) -> dict[str, np.ndarray]:
    """Fake first/last name, email and phone (reserved example domains and drama phone ranges)."""
    n = m.n
    first = np.array(FIRST_NAMES, dtype=object)[rng.integers(len(FIRST_NAMES), size=n)]
    last = np.array(LAST_NAMES, dtype=object)[rng.integers(len(LAST_NAMES), size=n)]
    dom = np.array(DOMAINS, dtype=object)[rng.integers(len(DOMAINS), size=n)]
    lower_first = np.char.lower(first.astype(str)).astype(object)
    lower_last = np.char.replace(np.char.replace(np.char.lower(last.astype(str)), "'", ""), " ", "")
    num = m.index.astype(str).astype(object)
    email = lower_first + "." + lower_last.astype(object) + num + "@" + dom
    country = np.array([c[1] for c in CITIES], dtype=object)[m.city]
    prefix = _phone_prefix(country)
    digits = np.char.zfill(rng.integers(0, 1000, n).astype(str), 3).astype(object)
    return {"first_name": first, "last_name": last, "email": email, "phone": prefix + digits}


def _phone_prefix(country: np.ndarray) -> np.ndarray:
    out = np.empty(len(country), dtype=object)
    for name, prefix in PHONE_PREFIX.items():
        out[country == name] = prefix
    return out
