"""The texts that get embedded: products (title, category, description, attributes) and reviews.

Non-product lines (``is_product = false``: postage, fees, manual adjustments) are not indexed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

UNCATEGORISED = "Uncategorised"


@dataclass(frozen=True)
class Corpus:
    """Ids and texts to index, in a stable order (ids unique)."""

    ids: list[str]
    texts: list[str]


def _attributes(raw: object) -> str:
    """``{"material": "leather", "colour": "brown"}`` -> ``material: leather; colour: brown``."""
    if raw is None or (isinstance(raw, float) and raw != raw) or str(raw).strip() in ("", "{}", "null"):
        return ""
    try:
        value = json.loads(str(raw))
    except ValueError:
        return str(raw).strip()
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items() if v not in (None, "", [], {}))
    return str(value)


def product_text(title: str, category: str | None, description: str | None, attributes: object = None) -> str:
    """The text a product is embedded as."""
    parts = [str(title).strip().rstrip(".") + "."]
    if category and str(category) != UNCATEGORISED and str(category) == str(category):
        parts.append(f"Category: {category}.")
    if description and str(description) == str(description) and str(description).strip():
        parts.append(str(description).strip())
    attrs = _attributes(attributes)
    if attrs:
        parts.append(f"({attrs})")
    return " ".join(parts)


def load_products(ws) -> pd.DataFrame:
    """Indexable products: product_id, title, category, description, price, attributes (sorted by id)."""
    with ws.analytics(read_only=True) as con:
        return con.execute(
            "SELECT product_id, title, coalesce(category, ?) AS category, description, price, attributes "
            "FROM products WHERE coalesce(is_product, true) ORDER BY product_id", [UNCATEGORISED]).df()


def product_corpus(ws) -> Corpus:
    """Product ids and their texts."""
    df = load_products(ws)
    texts = [product_text(t, c, d, a) for t, c, d, a in
             zip(df["title"], df["category"], df["description"], df["attributes"], strict=True)]
    return Corpus(ids=[str(x) for x in df["product_id"]], texts=texts)


def review_corpus(ws) -> Corpus:
    """Review ids and their texts (each review is linked to its product in the reviews table)."""
    with ws.analytics(read_only=True) as con:
        rows = con.execute("SELECT review_id, text FROM reviews ORDER BY review_id").fetchall()
    return Corpus(ids=[str(r[0]) for r in rows], texts=[str(r[1]) for r in rows])


def load_reviews(ws, review_ids: list[str] | None = None) -> pd.DataFrame:
    """Reviews with product and member ids (all, or the given ones)."""
    sql = "SELECT review_id, product_id, member_id, rating, text, created_at, verified_purchase FROM reviews"
    with ws.analytics(read_only=True) as con:
        if review_ids is None:
            return con.execute(sql + " ORDER BY review_id").df()
        con.register("wanted", pd.DataFrame({"review_id": review_ids}))
        return con.execute(sql + " WHERE review_id IN (SELECT review_id FROM wanted) ORDER BY review_id").df()
