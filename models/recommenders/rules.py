"""Association rules on baskets (one basket = the products bought in one order), with ``mlxtend``.

Frequent itemsets come from FP-growth (or Apriori) at ``min_support`` (raised to ``min_count``
baskets when that is higher); rules ``A -> C`` carry

* support = share of baskets holding A and C, confidence = support(A u C) / support(A),
* lift = confidence / support(C) (above 1: bought together more often than by chance).

Baskets are every order, member or guest. With ``max_basket_size`` the bulk orders - more
distinct products than that - are left out of the mining (and of every denominator): a basket of
a thousand products says little about what goes together, yet yields half a million pairs and
drowns the real ones (the Online Retail data has hundreds of such orders).

"Frequently bought together" for a product lists the one-to-one rules from it, best confidence
first, among rules with lift of at least ``min_lift``. :class:`RulesRecommender` scores a member's
candidates by the confidence of the rules from the products they bought (recency-weighted); it
leaves out baskets of more than 50 distinct products by default.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from memberinsight.errors import DataValidationError, ModelNotReadyError, NotFoundError
from memberinsight.models.recommenders.base import BaseRecommender, Explanation


@dataclass(frozen=True)
class Rule:
    """One association rule ``antecedents -> consequents`` and its measures."""

    antecedents: tuple[str, ...]
    consequents: tuple[str, ...]
    support: float
    confidence: float
    lift: float
    antecedent_support: float
    consequent_support: float
    baskets: int
    """Baskets holding every product of the rule."""
    leverage: float = 0.0
    conviction: float | None = None
    antecedent_titles: tuple[str, ...] = ()
    consequent_titles: tuple[str, ...] = ()

    def label(self) -> str:
        """``{A, B} -> {C} (confidence 0.41, lift 6.2)``."""
        return (f"{{{', '.join(self.antecedents)}}} -> {{{', '.join(self.consequents)}}} "
                f"(confidence {self.confidence:.2f}, lift {self.lift:.1f})")


class AssociationRules:
    """FP-growth / Apriori association rules over baskets."""

    def __init__(self, min_support: float = 0.002, min_count: int = 5, min_confidence: float = 0.05,
                 min_lift: float = 1.0, max_len: int = 2, algorithm: str = "fpgrowth",
                 max_basket_size: int | None = None) -> None:
        self.min_support = min_support
        self.min_count = min_count
        self.min_confidence = min_confidence
        self.min_lift = min_lift
        self.max_len = max_len
        self.algorithm = algorithm
        self.max_basket_size = max_basket_size

    def fit(self, baskets: sparse.csr_matrix, product_ids: Sequence[str],
            catalogue: pd.DataFrame | None = None) -> AssociationRules:
        """Mine rules from a baskets x products 0/1 matrix (columns in ``product_ids`` order)."""
        from mlxtend.frequent_patterns import apriori, association_rules, fpgrowth

        if self.algorithm not in ("fpgrowth", "apriori"):
            raise DataValidationError(f"algorithm must be fpgrowth or apriori, got {self.algorithm!r}",
                                      column="algorithm")
        B = sparse.csr_matrix(baskets, dtype=np.float32)
        if B.shape[1] != len(product_ids):
            raise DataValidationError("baskets have a different number of columns than product_ids",
                                      column="product_ids")
        B.data[:] = 1.0
        B.sum_duplicates()
        if self.max_basket_size is not None:
            sizes = np.diff(B.indptr)
            self.bulk_baskets_ = int((sizes > self.max_basket_size).sum())
            B = B[sizes <= self.max_basket_size]
        else:
            self.bulk_baskets_ = 0
        n = B.shape[0]
        self.n_baskets_ = int(n)
        self.multi_baskets_ = int((np.diff(B.indptr) >= 2).sum())
        """Baskets with two or more distinct products (the only ones a rule can come from)."""
        self.product_ids_ = [str(p) for p in product_ids]
        self.titles_ = _titles(self.product_ids_, catalogue)
        self.categories_ = _categories(self.product_ids_, catalogue)
        self.support_threshold_ = max(self.min_support, self.min_count / max(n, 1))
        counts = np.asarray(B.sum(axis=0)).ravel()
        frequent = np.flatnonzero(counts >= self.support_threshold_ * n - 1e-9)
        columns = ["antecedents", "consequents", "antecedent support", "consequent support", "support",
                   "confidence", "lift", "leverage", "conviction"]
        rules = pd.DataFrame(columns=columns)
        if n and len(frequent) >= 2:
            onehot = pd.DataFrame.sparse.from_spmatrix(B[:, frequent].astype(bool),
                                                       columns=[self.product_ids_[i] for i in frequent])
            mine = fpgrowth if self.algorithm == "fpgrowth" else apriori
            itemsets = mine(onehot, min_support=self.support_threshold_, use_colnames=True, max_len=self.max_len)
            if (itemsets["itemsets"].map(len) >= 2).any():
                rules = association_rules(itemsets, num_itemsets=n, metric="confidence",
                                          min_threshold=self.min_confidence)
        rules = rules[rules["lift"] >= self.min_lift].copy()
        rules["antecedents"] = rules["antecedents"].map(lambda s: tuple(sorted(s)))
        rules["consequents"] = rules["consequents"].map(lambda s: tuple(sorted(s)))
        rules["baskets"] = np.rint(rules["support"].astype(float) * n).astype(int)
        self.rules_ = rules[columns + ["baskets"]].sort_values(
            ["lift", "confidence", "antecedents", "consequents"], ascending=[False, False, True, True],
            kind="stable").reset_index(drop=True)
        self._pairs()
        return self

    def _pairs(self) -> None:
        pos = {p: i for i, p in enumerate(self.product_ids_)}
        pairs = self.rules_[(self.rules_["antecedents"].map(len) == 1) & (self.rules_["consequents"].map(len) == 1)]
        a = np.array([pos[t[0]] for t in pairs["antecedents"]], dtype=np.int64)
        c = np.array([pos[t[0]] for t in pairs["consequents"]], dtype=np.int64)
        shape = (len(self.product_ids_), len(self.product_ids_))
        self.pair_confidence_ = sparse.csr_matrix((pairs["confidence"].to_numpy(float), (a, c)), shape=shape)
        self.pair_lift_ = sparse.csr_matrix((pairs["lift"].to_numpy(float), (a, c)), shape=shape)

    def _check(self) -> None:
        if not hasattr(self, "rules_"):
            raise ModelNotReadyError("AssociationRules is not fitted; call fit() first")

    def _rule(self, r: Any) -> Rule:
        conviction = float(r["conviction"])
        return Rule(antecedents=tuple(r["antecedents"]), consequents=tuple(r["consequents"]),
                    support=float(r["support"]), confidence=float(r["confidence"]), lift=float(r["lift"]),
                    antecedent_support=float(r["antecedent support"]),
                    consequent_support=float(r["consequent support"]), baskets=int(r["baskets"]),
                    leverage=float(r["leverage"]), conviction=None if not np.isfinite(conviction) else conviction,
                    antecedent_titles=tuple(self.titles_.get(p, p) for p in r["antecedents"]),
                    consequent_titles=tuple(self.titles_.get(p, p) for p in r["consequents"]))

    def rules(self, category: str | None = None, min_lift: float | None = None,
              min_confidence: float | None = None, product_id: str | None = None,
              limit: int | None = 50) -> list[Rule]:
        """Rules, strongest lift first, filtered by category (any product of the rule in it), minimum lift
        and confidence, and a product taking part."""
        self._check()
        df = self.rules_
        if min_lift is not None:
            df = df[df["lift"] >= min_lift]
        if min_confidence is not None:
            df = df[df["confidence"] >= min_confidence]
        if product_id is not None:
            pid = str(product_id)
            df = df[df["antecedents"].map(lambda t: pid in t) | df["consequents"].map(lambda t: pid in t)]
        if category is not None:
            want = category.strip().lower()
            known = {c.lower() for c in self.categories_.values()}
            if want not in known:
                raise NotFoundError(f"no products in category '{category}' (categories: "
                                    f"{', '.join(sorted(set(self.categories_.values())))})")
            in_cat = {p for p, c in self.categories_.items() if c.lower() == want}
            df = df[[bool(in_cat.intersection(a) or in_cat.intersection(c))
                     for a, c in zip(df["antecedents"], df["consequents"], strict=True)]]
        if limit is not None:
            df = df.head(limit)
        return [self._rule(r) for _, r in df.iterrows()]

    def bought_together(self, product_id: str, k: int = 10, min_lift: float | None = None) -> list[Rule]:
        """Products most often bought with ``product_id``: one-to-one rules from it, best confidence first."""
        self._check()
        pid = str(product_id)
        if pid not in self.titles_:
            raise NotFoundError(f"product '{product_id}' is not in the catalogue")
        df = self.rules_[(self.rules_["antecedents"] == (pid,)) & (self.rules_["consequents"].map(len) == 1)]
        df = df[df["lift"] >= max(self.min_lift, min_lift or 0.0, 1.0)]
        df = df.sort_values(["confidence", "lift"], ascending=False, kind="stable").head(k)
        return [self._rule(r) for _, r in df.iterrows()]


def _titles(product_ids: list[str], catalogue: pd.DataFrame | None) -> dict[str, str]:
    if catalogue is None or "title" not in catalogue.columns:
        return {p: p for p in product_ids}
    found = dict(zip(catalogue["product_id"].astype(str), catalogue["title"].astype(str), strict=True))
    return {p: found.get(p, p) for p in product_ids}


def _categories(product_ids: list[str], catalogue: pd.DataFrame | None) -> dict[str, str]:
    if catalogue is None or "category" not in catalogue.columns:
        return {p: "Uncategorised" for p in product_ids}
    found = dict(zip(catalogue["product_id"].astype(str), catalogue["category"].fillna("Uncategorised").astype(str),
                     strict=True))
    return {p: found.get(p, "Uncategorised") for p in product_ids}


class RulesRecommender(BaseRecommender):
    """Scores ``sum_i w_ui * confidence(i -> j)`` over one-to-one rules from the member's purchases."""

    name = "rules"
    signal = "rules"

    def __init__(self, min_support: float = 0.002, min_count: int = 5, min_confidence: float = 0.05,
                 min_lift: float = 1.5, max_len: int = 2, algorithm: str = "fpgrowth",
                 half_life_days: float | None = 30.0, max_basket_size: int | None = 50) -> None:
        self.min_support = min_support
        self.min_count = min_count
        self.min_confidence = min_confidence
        self.min_lift = min_lift
        self.max_len = max_len
        self.algorithm = algorithm
        self.half_life_days = half_life_days
        self.max_basket_size = max_basket_size

    def _fit(self, interactions: Any) -> None:
        self.confidence_ = interactions.weighted(self.half_life_days, None)
        key = ("rules", self.min_support, self.min_count, self.min_confidence, self.min_lift, self.max_len,
               self.algorithm, self.max_basket_size)
        if key not in interactions.fitted_parts:  # mining does not depend on the member weighting
            if interactions.baskets is None:
                raise DataValidationError("interactions have no baskets (order lines need order_id)",
                                          column="order_id")
            interactions.fitted_parts[key] = AssociationRules(
                self.min_support, self.min_count, self.min_confidence, self.min_lift, self.max_len,
                self.algorithm, self.max_basket_size).fit(interactions.baskets, interactions.product_ids,
                                                          interactions.catalogue)
        self.rules_model_ = interactions.fitted_parts[key]

    def fallback(self) -> str | None:
        """"falls back to popularity" when no one-to-one rule was found (no multi-product baskets)."""
        self._check()
        if self.rules_model_.pair_confidence_.nnz:
            return None
        multi = int(getattr(self.rules_model_, "multi_baskets_", 0))
        why = (f"no basket holds two or more products ({self.rules_model_.n_baskets_} baskets)" if not multi
               else f"no product pair reaches {self.min_count} shared baskets and lift {self.min_lift} "
                    f"({multi} baskets with two or more products)")
        return f"rules fall back to popularity: {why}"

    def _weights(self, rows: np.ndarray) -> sparse.csr_matrix:
        X = self.confidence_[rows].astype(np.float64)
        peak = np.maximum(np.asarray(X.max(axis=1).toarray()).ravel(), 1e-12)
        return sparse.diags(1.0 / peak) @ X

    def score_rows(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray((self._weights(rows) @ self.rules_model_.pair_confidence_).toarray())

    def explain_row(self, row: int | None, item: int) -> Explanation:
        if row is None:
            return self.cold_explanation("", item)
        w = self._weights(np.array([row]))
        items, weights = w.indices, w.data
        conf = np.asarray(self.rules_model_.pair_confidence_[items][:, [item]].toarray()).ravel()
        if not len(items) or (weights * conf).max() <= 0:
            return Explanation("rules", "often in the same basket as products you bought")
        best = int(items[int(np.argmax(weights * conf))])
        inter = self.interactions_
        c = float(self.rules_model_.pair_confidence_[best, item])
        lift = float(self.rules_model_.pair_lift_[best, item])
        rule = (f"{{{inter.product_ids[best]}}} -> {{{inter.product_ids[item]}}} "
                f"(confidence {c:.2f}, lift {lift:.1f})")
        return Explanation("rules", f"frequently bought together with {inter.product_label(best)}: "
                                    f"{c:.0%} of baskets with it also hold this (lift {lift:.1f})",
                           because_product_id=inter.product_ids[best], rule=rule)
