"""Order lines as implicit feedback: a member x product confidence matrix.

Confidence of member *u* in product *i* is the sum over their order lines of

    ``0.5 ** (age_days / half_life_days) * (1 + quantity_weight * ln(|quantity|))``

with purchase lines counting positive and return / cancellation lines negative (net below zero is
clipped to zero: a returned product is not a liked one). Only catalogue products count: lines of
non-product codes (postage, fees; ``products.is_product = FALSE``) are left out, and guest lines
(no member id) are left out of the member matrix, all reported in :attr:`Interactions.stats`.
Baskets (for association rules) are built from *every* order before ``as_of`` - member and guest
orders alike: a guest's basket says as much about what goes together as a member's.

Every product the member bought or returned is *seen*:
recommendations exclude it when ``exclude_bought`` is on. Columns are the whole catalogue, so a new
product without sales has an (empty) column and can still be reached through content similarity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from memberinsight.errors import DataValidationError, ModelNotReadyError
from memberinsight.models.recommenders.base import Explanation, Recommendation

EPOCH = pd.Timestamp("1970-01-01")
LINE_COLUMNS = ("member_id", "product_id", "quantity", "ordered_at", "is_return")


@dataclass(eq=False)
class LineData:
    """Order lines sorted by (member, product) pair: age in days, log quantity, +1/-1 (purchase/return)."""

    age: np.ndarray
    log_qty: np.ndarray
    sign: np.ndarray
    starts: np.ndarray
    """Index of each pair's first line."""
    rows: np.ndarray
    cols: np.ndarray
    shape: tuple[int, int]

    def net(self, half_life_days: float, quantity_weight: float) -> np.ndarray:
        """Net weight per pair (purchases minus returns)."""
        if not len(self.age):
            return np.zeros(0)
        weight = self.sign * np.power(np.float32(0.5), self.age / np.float32(half_life_days)) * (
            np.float32(1.0) + np.float32(quantity_weight) * self.log_qty)
        return np.add.reduceat(weight.astype(np.float64), self.starts)

    def confidence(self, half_life_days: float, quantity_weight: float) -> sparse.csr_matrix:
        """Net confidence per pair as a matrix (pairs at or below zero left out)."""
        net = self.net(half_life_days, quantity_weight)
        pos = net > 0
        return sparse.csr_matrix((net[pos].astype(np.float32), (self.rows[pos], self.cols[pos])), shape=self.shape,
                                 dtype=np.float32)


@dataclass(eq=False)
class Interactions:
    """Member x product implicit feedback as of a moment, plus the catalogue it indexes."""

    member_ids: list[str]
    product_ids: list[str]
    confidence: sparse.csr_matrix
    """float32 net confidence (purchases minus returns, >= 0)."""
    last_day: sparse.csr_matrix
    """Seen pairs (bought or returned); data = last line's day number (days since 1970) + 1."""
    as_of: pd.Timestamp
    catalogue: pd.DataFrame
    """title, category, price (one row per product, in ``product_ids`` order)."""
    popularity: np.ndarray
    """Recency-weighted distinct buyers per product."""
    buyers: np.ndarray
    """Distinct buyers per product."""
    last_bought: sparse.csr_matrix | None = None
    """Pairs with a purchase line; data = last *purchase* line's day number + 1 (returns never count)."""
    params: dict[str, Any] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=dict)
    baskets: sparse.csr_matrix | None = None
    """Orders x products (1 = bought in that order) before ``as_of``, when lines carry ``order_id``; member
    and guest orders alike."""
    lines: LineData | None = None
    """Line-level ages and quantities, to re-weight confidence per model (dropped by :meth:`compact`)."""
    fitted_parts: dict[Any, Any] = field(default_factory=dict)
    """Expensive results that depend only on these interactions (e.g. mined rules), shared by the models
    fitted on them; emptied by :meth:`compact`."""

    def __post_init__(self) -> None:
        self._member_pos = {m: i for i, m in enumerate(self.member_ids)}
        self._product_pos = {p: i for i, p in enumerate(self.product_ids)}
        self._history = np.diff(self.confidence.indptr) > 0
        self._titles = self.catalogue["title"].astype(str).tolist()
        self._categories = self.catalogue["category"].fillna("Uncategorised").astype(str).tolist()
        self._prices = [None if pd.isna(v) else float(v) for v in self.catalogue["price"]]

    def weighted(self, half_life_days: float | None = None, quantity_weight: float | None = None
                 ) -> sparse.csr_matrix:
        """The confidence matrix with another recency half-life / quantity weight (``None``: the default)."""
        hl = self.params["half_life_days"] if half_life_days is None else half_life_days
        qw = self.params["quantity_weight"] if quantity_weight is None else quantity_weight
        if hl == self.params["half_life_days"] and qw == self.params["quantity_weight"]:
            return self.confidence
        if self.lines is None:
            raise ModelNotReadyError("these interactions were compacted; re-weighting needs the order lines")
        if hl <= 0:
            raise DataValidationError("half_life_days must be positive", column="half_life_days")
        return self.lines.confidence(hl, qw)

    def compact(self) -> Interactions:
        """Drop what only fitting needs (line-level data, baskets) before saving; returns ``self``."""
        self.lines = None
        self.baskets = None
        self.fitted_parts = {}
        return self

    # ----- look-ups -----------------------------------------------------------
    @property
    def n_members(self) -> int:
        return len(self.member_ids)

    @property
    def n_products(self) -> int:
        return len(self.product_ids)

    def row_of(self, member_id: Any) -> int | None:
        """Matrix row of a member (``None`` when the member has no lines before ``as_of``)."""
        return self._member_pos.get(str(member_id))

    def col_of(self, product_id: Any) -> int | None:
        """Matrix column of a product (``None`` when it is not in the catalogue)."""
        return self._product_pos.get(str(product_id))

    def has_history(self, row: int | None) -> bool:
        """True when the member has at least one net-positive purchase."""
        return row is not None and bool(self._history[row])

    def banned(self, row: int | None, exclude_bought: bool = True) -> np.ndarray:
        """Product positions a member must not be recommended (what they bought or returned)."""
        if row is None or not exclude_bought:
            return np.zeros(0, dtype=np.int64)
        return self.last_day.indices[self.last_day.indptr[row]:self.last_day.indptr[row + 1]]

    def bought_items(self, row: int | None) -> np.ndarray:
        """Positions of the member's net-positive purchases."""
        if row is None:
            return np.zeros(0, dtype=np.int64)
        return self.confidence.indices[self.confidence.indptr[row]:self.confidence.indptr[row + 1]]

    def bought_on(self, row: int, item: int) -> str | None:
        """ISO date of the member's last *purchase* of a product (``None`` when never bought; a return
        line's date is never used)."""
        last = getattr(self, "last_bought", None)
        day = last[row, item] if last is not None else 0
        return (EPOCH + pd.Timedelta(days=float(day) - 1)).date().isoformat() if day else None

    def title(self, item: int) -> str:
        return self._titles[item]

    def category(self, item: int) -> str:
        return self._categories[item]

    def product_label(self, item: int) -> str:
        """``Title (id)`` for explanations."""
        return f"{self._titles[item]} ({self.product_ids[item]})"

    def describe(self, item: int, score: float, exp: Explanation,
                 contributions: dict[str, float] | None = None) -> Recommendation:
        """A :class:`Recommendation` for product position ``item``."""
        return Recommendation(
            product_id=self.product_ids[item], title=self._titles[item], category=self._categories[item],
            price=self._prices[item], score=round(score, 6), signal=exp.signal, reason=exp.reason,
            because_product_id=exp.because_product_id, rule=exp.rule, contributions=dict(contributions or {}))


def build_interactions(lines: pd.DataFrame, catalogue: pd.DataFrame, as_of: datetime | None = None,
                       half_life_days: float = 180.0, quantity_weight: float = 1.0,
                       popularity_half_life_days: float = 60.0) -> Interactions:
    """The :class:`Interactions` of order ``lines`` before ``as_of`` over ``catalogue``.

    ``lines``: member_id, product_id, quantity, ordered_at, is_return. ``catalogue``: product_id,
    title, category, price (the recommendable products). ``as_of`` defaults to just after the last line.
    """
    missing = [c for c in LINE_COLUMNS if c not in lines.columns]
    if missing:
        raise DataValidationError(f"order lines lack columns {missing}", column=missing[0])
    for col in ("product_id", "title"):
        if col not in catalogue.columns:
            raise DataValidationError(f"catalogue lacks column '{col}'", column=col)
    if half_life_days <= 0 or popularity_half_life_days <= 0:
        raise DataValidationError("half-lives must be positive", column="half_life_days")
    cat = catalogue.drop_duplicates("product_id").sort_values("product_id", kind="stable").reset_index(drop=True)
    cat["product_id"] = cat["product_id"].astype(str)
    for col in ("category", "price"):
        if col not in cat.columns:
            cat[col] = None
    product_ids = cat["product_id"].tolist()
    times = pd.to_datetime(lines["ordered_at"])
    as_of_ts = pd.Timestamp(as_of) if as_of is not None else (
        times.max() + pd.Timedelta(seconds=1) if len(lines) else pd.Timestamp.now())
    stats = {"lines": len(lines)}
    before = (times < as_of_ts).to_numpy()
    keep = lines["member_id"].notna().to_numpy() & before
    stats["guest_or_later_lines"] = int((~keep).sum())
    pidx = pd.Index(product_ids).get_indexer(lines["product_id"].astype(str))
    in_cat = pidx >= 0
    stats["non_catalogue_lines"] = int((keep & ~in_cat).sum())
    all_qty = pd.to_numeric(lines["quantity"], errors="coerce").to_numpy(dtype=np.float64, na_value=1.0)
    all_returned = lines["is_return"].fillna(False).to_numpy(dtype=bool) | (all_qty < 0)
    basket_lines = before & in_cat & ~all_returned & (all_qty > 0)
    keep &= in_cat
    stats["used_lines"] = int(keep.sum())
    members, m_codes = _factorize(lines["member_id"].to_numpy()[keep])
    p_codes = pidx[keep].astype(np.int64)
    t = times.to_numpy()[keep]
    age = (as_of_ts.to_datetime64() - t) / np.timedelta64(1, "D")
    qty = all_qty[keep]
    returned = all_returned[keep]
    sign = np.where(returned, -1, 1).astype(np.int8)
    log_qty = np.log(np.maximum(np.abs(qty), 1.0)).astype(np.float32)
    day = ((t - EPOCH.to_datetime64()) / np.timedelta64(1, "D")).astype(np.float64)
    n_m, n_p = len(members), len(product_ids)
    key = m_codes * n_p + p_codes
    order = np.argsort(key, kind="stable")
    key_sorted = key[order]
    starts = np.flatnonzero(np.r_[True, key_sorted[1:] != key_sorted[:-1]]) if len(key) else np.zeros(0, np.int64)
    uniq = key_sorted[starts]
    last = np.maximum.reduceat(day[order], starts) if len(key) else np.zeros(0)
    bought_day = np.where(sign[order] > 0, day[order], -np.inf)
    last_buy = np.maximum.reduceat(bought_day, starts) if len(key) else np.zeros(0)
    rows, cols = (uniq // n_p).astype(np.int32), (uniq % n_p).astype(np.int32)
    shape = (n_m, n_p)
    line_data = LineData(age=age[order].astype(np.float32), log_qty=log_qty[order], sign=sign[order],
                         starts=starts.astype(np.int64), rows=rows, cols=cols, shape=shape)
    last_day = sparse.csr_matrix((np.floor(last) + 1.0, (rows, cols)), shape=shape, dtype=np.float32)
    has_buy = np.isfinite(last_buy)
    last_bought = sparse.csr_matrix((np.floor(last_buy[has_buy]) + 1.0, (rows[has_buy], cols[has_buy])),
                                    shape=shape, dtype=np.float32)
    confidence = line_data.confidence(half_life_days, quantity_weight)
    pos = line_data.net(half_life_days, quantity_weight) > 0
    buyers = np.bincount(cols[pos], minlength=n_p).astype(np.int64)
    last_age = (as_of_ts - EPOCH) / pd.Timedelta(days=1) - last_buy[pos]  # net-positive pairs have a purchase
    popularity = np.bincount(cols[pos], weights=np.power(0.5, last_age / popularity_half_life_days), minlength=n_p)
    stats.update(members=n_m, products=n_p, pairs=int(confidence.nnz))
    baskets = None
    if "order_id" in lines.columns:
        orders = lines["order_id"].to_numpy()[basket_lines]
        _, o_codes = _factorize(orders)
        baskets = sparse.csr_matrix((np.ones(len(o_codes), np.float32), (o_codes, pidx[basket_lines])),
                                    shape=(int(o_codes.max()) + 1 if len(o_codes) else 0, n_p))
        baskets.data[:] = 1.0
        stats["baskets"] = baskets.shape[0]
        guest = lines["member_id"].isna().to_numpy()[basket_lines]
        stats["guest_baskets"] = int(pd.Series(orders[guest]).astype(str).nunique())
    params = {"half_life_days": half_life_days, "quantity_weight": quantity_weight,
              "popularity_half_life_days": popularity_half_life_days}
    return Interactions(member_ids=members, product_ids=product_ids, confidence=confidence, last_day=last_day,
                        last_bought=last_bought, as_of=as_of_ts,
                        catalogue=cat[["product_id", "title", "category", "price"]],
                        popularity=popularity, buyers=buyers, params=params, stats=stats, baskets=baskets,
                        lines=line_data)


def _factorize(values: np.ndarray) -> tuple[list[str], np.ndarray]:
    codes, uniques = pd.factorize(pd.Series(values).astype(str), sort=True)
    return [str(u) for u in uniques], codes.astype(np.int64)


# ----- loading from a workspace --------------------------------------------------------
def load_lines(ws: Any, start: datetime | None = None, end: datetime | None = None,
               guests: bool = False) -> pd.DataFrame:
    """Order lines of catalogue products: order_id, member_id, product_id, quantity, unit_price,
    ordered_at, is_return (non-product lines are left out; guest lines - ``member_id`` NULL - only
    with ``guests``: :func:`build_interactions` uses them for baskets, never for the member matrix)."""
    sql = ("SELECT o.order_id, o.member_id, o.product_id, o.quantity, o.unit_price, o.ordered_at, "
           "coalesce(o.is_return, o.quantity < 0) AS is_return FROM clean_orders o "
           "JOIN products p ON p.product_id = o.product_id "
           "WHERE coalesce(p.is_product, TRUE)" + ("" if guests else " AND o.member_id IS NOT NULL"))
    params: list[Any] = []
    if start is not None:
        sql += " AND o.ordered_at >= ?"
        params.append(start)
    if end is not None:
        sql += " AND o.ordered_at < ?"
        params.append(end)
    with ws.analytics(read_only=True) as con:
        return con.execute(sql + " ORDER BY o.ordered_at, o.order_id, o.line_no", params).df()


def load_catalogue(ws: Any) -> pd.DataFrame:
    """Recommendable products: product_id, title, category, price, created_at (non-product codes excluded)."""
    with ws.analytics(read_only=True) as con:
        return con.execute(
            "SELECT product_id, title, coalesce(nullif(trim(category), ''), 'Uncategorised') AS category, price, "
            "created_at FROM products WHERE coalesce(is_product, TRUE) ORDER BY product_id").df()


def load_interactions(ws: Any, as_of: datetime | None = None, **params: float) -> Interactions:
    """:func:`build_interactions` over a workspace's orders and catalogue."""
    lines = load_lines(ws, end=as_of)
    if lines.empty:
        raise DataValidationError("the workspace has no member orders of catalogue products", column="orders")
    return build_interactions(lines, load_catalogue(ws), as_of=as_of, **params)
