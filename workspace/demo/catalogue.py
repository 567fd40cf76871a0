"""The demo catalogue: products composed from per-category vocabularies, with latent quality,
popularity, price tier, complements (bought together) and samplers used by the order simulator."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from memberinsight.workspace.demo.vocab import (
    CATEGORIES,
    CONSUMABLE_NEG,
    CONSUMABLE_POS,
    NEG_TEMPLATES,
    POS_TEMPLATES,
    TIER_PRICE,
    TIER_SENTENCE,
    TIERS,
)

N_SENTENCES = len(POS_TEMPLATES)


@dataclass
class Catalogue:
    """Products plus the latent arrays the simulators need (index = product row)."""

    products: pd.DataFrame  # canonical PRODUCTS columns
    category: np.ndarray  # int category index
    tier: np.ndarray  # 0 budget, 1 mid, 2 premium
    price: np.ndarray
    quality: np.ndarray  # 0..1, drives ratings and returns
    popularity: np.ndarray
    created_day: np.ndarray  # day index relative to the history start (negative: listed before)
    complements: np.ndarray  # (P, 2) product indices or -1
    fallback: np.ndarray  # an always-listed product of the same type (for lines before a launch)
    consumable: np.ndarray  # bool
    pos_sentences: np.ndarray  # (P, K) object: product-specific positive review sentences
    neg_sentences: np.ndarray  # (P, K) object: product-specific negative review sentences
    type_l: np.ndarray  # object: lower-case product type ("hiking boots")
    brand: np.ndarray  # object
    # Sampler: table t = mode * C + category; mode 0 popularity, 1..3 preferred tier.
    sampler_keys: np.ndarray
    sampler_products: np.ndarray

    @property
    def n_products(self) -> int:
        return len(self.price)

    @property
    def n_categories(self) -> int:
        return len(CATEGORIES)

    def sample(self, category: np.ndarray, mode: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Vectorised draw of one product per line given its category and sampling mode."""
        table = mode * self.n_categories + category
        pos = np.searchsorted(self.sampler_keys, table + u, side="right")
        return self.sampler_products[np.minimum(pos, len(self.sampler_products) - 1)]


def _lower(text: str) -> str:
    """Lower-case ordinary capitalised words, keep acronyms (USB-C, SPF) and proper nouns."""
    keep = {"French", "Japanese", "German", "Egyptian", "Turkish", "Pima", "Arabica", "Gore-Tex", "Highlands"}
    def ordinary(w: str) -> bool:
        return w not in keep and all(len(p) <= 1 or p[1:].islower() for p in w.split("-"))
    return " ".join(w.lower() if ordinary(w) else w for w in text.split())


def _cap(text: str) -> str:
    return text if text[1:2].isupper() else text[:1].upper() + text[1:]


def _title(text: str) -> str:
    """Title-case each word and hyphen part unless it already carries capitals (pH, 4K, UHS-I)."""
    def part(p: str) -> str:
        return p[:1].upper() + p[1:] if p.islower() else p
    return " ".join("-".join(part(p) for p in w.split("-")) for w in text.split())


def _fill(template: str, words: dict[str, str]) -> str:
    return template.format(**words)


def build_catalogue(rng: np.random.Generator, history_days: int) -> Catalogue:
    """Compose ~360 products (12 types x 3 tiers per category) deterministically from ``rng``."""
    rows: list[dict[str, object]] = []
    cat_l, tier_l, price_l, qual_l, pop_l, created_l, cons_l, type_key = [], [], [], [], [], [], [], []
    type_names: list[str] = []
    brand_l: list[str] = []
    pos_l: list[list[str]] = []
    neg_l: list[list[str]] = []
    pid = 10001
    for ci, cat in enumerate(CATEGORIES):
        for ptype in cat.types:
            brands = rng.permutation(len(cat.brands))[:3]
            feats = rng.permutation(len(ptype.features))
            mats = rng.permutation(len(ptype.materials))
            for tier in range(3):
                brand = cat.brands[brands[tier]]
                feature = ptype.features[feats[tier % len(feats)]]
                others = [f for f in ptype.features if f != feature]
                material = ptype.materials[mats[tier % len(mats)]]
                colour = cat.colours[int(rng.integers(len(cat.colours)))]
                use = cat.uses[int(rng.integers(len(cat.uses)))]
                price = ptype.base_price * TIER_PRICE[tier] * float(np.exp(rng.normal(0, 0.08)))
                price = round(max(price, 1.0), 2) if price < 20 else round(price) - 0.01
                type_l = _lower(ptype.name)
                title = f"{brand} {_title(feature)} {ptype.name} - {_title(material)}"
                your_use = use.replace(" my ", " your ").replace(" our ", " your ")
                desc = (
                    f"{_cap(feature)} {type_l} made from {material}, ideal {your_use}. "
                    f"Also {' and '.join(others[:2])}. {cat.blurb} Colour: {colour}. "
                    + TIER_SENTENCE[tier].format(years=(1, 2, 5)[tier])
                )
                attrs = {"brand": brand, "type": ptype.name, "feature": feature, "material": material,
                         "colour": colour, "tier": TIERS[tier]}
                words = {"material": material, "feature": feature, "type_l": type_l, "colour": colour, "use": use,
                         "feature_cap": _cap(feature)}
                pos = [_fill(t, words) for t in (CONSUMABLE_POS if ptype.consumable else POS_TEMPLATES)]
                neg = [_fill(t, words) for t in (CONSUMABLE_NEG if ptype.consumable else NEG_TEMPLATES)]
                pos[-1] = _fill(cat.pos_extra[int(rng.integers(len(cat.pos_extra)))], words)
                neg[-1] = _fill(cat.neg_extra[int(rng.integers(len(cat.neg_extra)))], words)
                type_names.append(type_l)
                brand_l.append(brand)
                pos_l.append(pos)
                neg_l.append(neg)
                quality = float(np.clip(rng.beta(7, 2.2) + (tier - 1) * 0.06, 0.05, 0.98))
                if rng.random() < 0.06:  # a few lemons so that bad reviews and returns cluster
                    quality = float(rng.uniform(0.12, 0.35))
                pop = float(np.exp(rng.normal(0, 0.7))) * (1.0, 1.25, 0.7)[tier] * (1.6 if ptype.consumable else 1.0)
                if tier != 1 and rng.random() < 0.14:  # launched during the history window
                    created = int(rng.integers(30, max(31, history_days - 60)))
                else:
                    created = -int(rng.integers(30, 900))
                rows.append({
                    "product_id": f"P{pid}", "title": title, "category": cat.name, "description": desc,
                    "price": price, "attributes": json.dumps(attrs, sort_keys=True), "is_product": True,
                })
                pid += 1
                cat_l.append(ci)
                tier_l.append(tier)
                price_l.append(price)
                qual_l.append(quality)
                pop_l.append(pop)
                created_l.append(created)
                cons_l.append(ptype.consumable)
                type_key.append((ci, ptype.name))
    n = len(rows)
    index = {(k[0], k[1], tier_l[i]): i for i, k in enumerate(type_key)}
    complements = np.full((n, 2), -1, dtype=np.int64)
    for ci, cat in enumerate(CATEGORIES):
        for a, b in cat.complements:
            for tier in range(3):
                ia, ib = index[(ci, a, tier)], index[(ci, b, tier)]
                slot = 0 if complements[ia, 0] < 0 else 1
                complements[ia, slot] = ib
    fallback = np.array([index[(k[0], k[1], 1)] for k in type_key], dtype=np.int64)
    category = np.array(cat_l, dtype=np.int64)
    tiers = np.array(tier_l, dtype=np.int64)
    popularity = np.array(pop_l)
    keys, prods = _sampler(category, tiers, popularity, len(CATEGORIES))
    products = pd.DataFrame(rows)
    products["created_day"] = created_l  # converted to created_at by the generator
    return Catalogue(
        products=products, category=category, tier=tiers, price=np.array(price_l), quality=np.array(qual_l),
        popularity=popularity, created_day=np.array(created_l, dtype=np.int64), complements=complements,
        fallback=fallback, consumable=np.array(cons_l, dtype=bool),
        pos_sentences=np.array(pos_l, dtype=object), neg_sentences=np.array(neg_l, dtype=object),
        type_l=np.array(type_names, dtype=object), brand=np.array(brand_l, dtype=object),
        sampler_keys=keys, sampler_products=prods,
    )


def _sampler(category: np.ndarray, tier: np.ndarray, popularity: np.ndarray, n_cat: int
             ) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated cumulative distributions: table t occupies keys in (t, t + 1]."""
    keys: list[np.ndarray] = []
    prods: list[np.ndarray] = []
    for mode in range(4):
        for c in range(n_cat):
            idx = np.flatnonzero(category == c)
            w = popularity[idx] * (np.where(tier[idx] == mode - 1, 6.0, 1.0) if mode else 1.0)
            cdf = np.cumsum(w) / w.sum()
            cdf[-1] = 1.0
            keys.append(mode * n_cat + c + cdf)
            prods.append(idx)
    return np.concatenate(keys), np.concatenate(prods)
