"""Semantic search over the product and review indexes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from memberinsight.config import Settings, load_settings
from memberinsight.errors import DataValidationError, ModelNotReadyError, NotFoundError
from memberinsight.retrieval.build import PRODUCTS, REVIEWS
from memberinsight.retrieval.embedder import Embedder, get_embedder
from memberinsight.retrieval.index import VectorIndex, open_index
from memberinsight.retrieval.texts import load_products, load_reviews


@dataclass(frozen=True)
class ProductHit:
    """A product found by a query, with its cosine similarity."""

    product_id: str
    title: str
    category: str
    price: float | None
    score: float


@dataclass(frozen=True)
class ReviewHit:
    """A review found by a query."""

    review_id: str
    product_id: str
    member_id: str | None
    rating: int
    text: str
    score: float


def index_and_embedder(ws, name: str, settings: Settings | None = None) -> tuple[VectorIndex, Embedder]:
    """The saved index and the embedder that made it (raises ModelNotReadyError if they disagree)."""
    settings = settings or load_settings()
    index = open_index(ws.indexes_dir, name)
    embedder = get_embedder(settings)
    if index.model_id != embedder.model_id:
        raise ModelNotReadyError(f"the '{name}' index was built with {index.model_id} but the configured model is "
                                 f"{embedder.model_id}; run `memberinsight build`")
    return index, embedder


def _query_vector(embedder: Embedder, query: str) -> np.ndarray:
    if not query or not query.strip():
        raise DataValidationError("the search query is empty", column="query")
    return embedder.encode_one(query.strip())


def _product_hits(ws, ranked: list[tuple[str, float]]) -> list[ProductHit]:
    products = load_products(ws).set_index("product_id")
    return [ProductHit(product_id=pid, title=str(products.at[pid, "title"]), category=str(products.at[pid, "category"]),
                       price=None if pd.isna(products.at[pid, "price"]) else float(products.at[pid, "price"]),
                       score=round(score, 4))
            for pid, score in ranked if pid in products.index]


def search_products(ws, query: str, k: int = 10, settings: Settings | None = None,
                    category: str | None = None) -> list[ProductHit]:
    """The ``k`` products whose text is closest in meaning to ``query`` (optionally within a category)."""
    index, embedder = index_and_embedder(ws, PRODUCTS, settings)
    only = None
    if category:
        products = load_products(ws)
        only = products.loc[products["category"].str.lower() == category.lower(), "product_id"].tolist()
        if not only:
            raise NotFoundError(f"no products in category '{category}'")
    ranked = index.search(_query_vector(embedder, query), k, only=only)[0]
    return _product_hits(ws, ranked)


def similar_products(ws, product_id: str, k: int = 10, settings: Settings | None = None) -> list[ProductHit]:
    """Products closest in meaning to one product (itself excluded)."""
    index, _ = index_and_embedder(ws, PRODUCTS, settings)
    if product_id not in index:
        raise NotFoundError(f"product '{product_id}' is not in the product index")
    ranked = index.search(index.vectors([product_id]), k, exclude=[product_id])[0]
    return _product_hits(ws, ranked)


def search_reviews(ws, query: str, k: int = 10, settings: Settings | None = None,
                   product_id: str | None = None) -> list[ReviewHit]:
    """The ``k`` reviews closest in meaning to ``query`` (optionally for one product)."""
    index, embedder = index_and_embedder(ws, REVIEWS, settings)
    only = None
    if product_id:
        with ws.analytics(read_only=True) as con:
            only = [r[0] for r in con.execute("SELECT review_id FROM reviews WHERE product_id = ?", [product_id]).fetchall()]
        if not only:
            raise NotFoundError(f"no reviews for product '{product_id}'")
    ranked = index.search(_query_vector(embedder, query), k, only=only)[0]
    reviews = load_reviews(ws, [rid for rid, _ in ranked]).set_index("review_id")
    hits = []
    for rid, score in ranked:
        if rid not in reviews.index:
            continue
        row = reviews.loc[rid]
        hits.append(ReviewHit(review_id=rid, product_id=str(row["product_id"]),
                              member_id=None if pd.isna(row["member_id"]) else str(row["member_id"]),
                              rating=int(row["rating"]), text=str(row["text"]), score=round(score, 4)))
    return hits
