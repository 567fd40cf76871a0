"""Turn a simulated chunk (members, order book, reviews) into output columns with global ids."""

from __future__ import annotations

import json

import numpy as np

from memberinsight.workspace.demo.calendar import Calendar
from memberinsight.workspace.demo.catalogue import Catalogue
from memberinsight.workspace.demo.members import AGE_BANDS, CHANNELS, CITIES, MemberChunk, pii
from memberinsight.workspace.demo.orders import SALES_CHANNELS, OrderBook, _ranks
from memberinsight.workspace.demo.reviews import PATTERNS, ReviewSet
from memberinsight.workspace.demo.vocab import CATEGORY_NAMES, TIERS

_CITY = np.array([c[0] for c in CITIES], dtype=object)
_COUNTRY = np.array([c[1] for c in CITIES], dtype=object)


def fmt_ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """``prefix`` + zero-padded numbers as an object array of str."""
    return np.char.add(prefix, np.char.zfill(numbers.astype(str), width)).astype(object)


def member_ids(index: np.ndarray) -> np.ndarray:
    return fmt_ids("M", index, 7)


def _dates(cal: Calendar, day: np.ndarray) -> np.ndarray:
    return np.datetime64(cal.start.isoformat(), "D") + day.astype("timedelta64[D]")


def product_columns(cat: Catalogue, cal: Calendar, rng: np.random.Generator) -> dict[str, object]:
    """products.csv columns."""
    p = cat.products
    secs = cal.epoch_seconds_of_day(cat.created_day) + rng.integers(8 * 3600, 18 * 3600, cat.n_products)
    return {
        "product_id": p["product_id"].to_numpy(object), "title": p["title"].to_numpy(object),
        "category": p["category"].to_numpy(object), "description": p["description"].to_numpy(object),
        "price": cat.price, "attributes": p["attributes"].to_numpy(object),
        "is_product": np.ones(cat.n_products, dtype=bool), "created_at": secs.astype("datetime64[s]"),
    }


def product_truth_columns(cat: Catalogue) -> dict[str, object]:
    """products_truth.csv: latent quality, tier and planted complements (tests and evaluation only)."""
    pid = cat.products["product_id"].to_numpy(object)
    comps = [";".join(pid[c] for c in row if c >= 0) for row in cat.complements]
    return {"product_id": pid, "quality": np.round(cat.quality, 4), "tier": np.array(TIERS, dtype=object)[cat.tier],
            "popularity": np.round(cat.popularity, 4), "complements": np.array(comps, dtype=object)}


def member_columns(rng: np.random.Generator, m: MemberChunk, cal: Calendar) -> dict[str, object]:
    """members.csv columns."""
    ident = pii(rng, m)
    return {
        "member_id": member_ids(m.index), "email": ident["email"], "phone": ident["phone"],
        "first_name": ident["first_name"], "last_name": ident["last_name"],
        "signup_date": _dates(cal, m.signup_day), "age_band": np.array(AGE_BANDS, dtype=object)[m.age],
        "city": _CITY[m.city], "country": _COUNTRY[m.city], "channel": np.array(CHANNELS, dtype=object)[m.channel],
    }


def truth_columns(m: MemberChunk, book: OrderBook, cal: Calendar) -> dict[str, object]:
    """members_truth.csv: latent parameters of each member (tests and evaluation only).

    ``dropout_prob`` is the base propensity to leave after a purchase (before satisfaction and the
    order's experience, :mod:`workspace.demo.lifecycle`); ``churned_on`` the date of the purchase
    after which the member left (empty: still active at the end of the window).
    """
    churned = ~np.isnan(book.churn_day)
    churn_dates = np.full(m.n, None, dtype=object)
    if churned.any():
        d = _dates(cal, np.floor(book.churn_day[churned]).astype(np.int64)).astype(str)
        churn_dates[churned] = d.astype(object)
    return {
        "member_id": member_ids(m.index),
        "purchase_rate_per_year": np.round(np.where(m.is_fake, 0.0, m.rate * 365.25), 4),
        "dropout_prob": np.round(np.where(m.is_fake, 0.0, m.dropout), 4),
        "satisfaction": np.round(m.satisfaction, 4),
        "gap_shape": m.gap_shape,
        "churned_on": churn_dates,
        "never_buys": m.never_buys & ~m.is_fake,
        "spend_level": np.round(m.spend, 4),
        "favourite_category": np.array(CATEGORY_NAMES, dtype=object)[m.prefs.argmax(1)],
        "preferred_tier": np.array(TIERS, dtype=object)[m.pref_tier],
        "is_fake_account": m.is_fake,
    }


def order_columns(book: OrderBook, m: MemberChunk, cat: Catalogue, first_order_no: int
                  ) -> tuple[dict[str, object], int]:
    """orders.csv columns (purchases sorted by member and time, then their returns) and order count."""
    perm = np.lexsort((book.o_sec, book.o_member))
    n_orders = len(perm)
    new_no = np.empty(n_orders, dtype=np.int64)
    new_no[perm] = np.arange(n_orders)
    l_no = new_no[book.l_order]
    lperm = np.lexsort((np.arange(len(l_no)), l_no))
    l_no, prod = l_no[lperm], book.l_product[lperm]
    qty, price, ret_day = book.l_qty[lperm], book.l_price[lperm], book.l_return_day[lperm]
    o_mem = book.o_member[perm]
    o_sec = book.o_sec[perm]
    o_day = book.o_day[perm]
    o_chan = book.o_channel[perm]
    numbers = first_order_no + l_no
    ret = ret_day >= 0
    r_no = l_no[ret]
    r_sec = o_sec[r_no] + (ret_day[ret] - o_day[r_no]) * 86400
    pid = cat.products["product_id"].to_numpy(object)
    mids = member_ids(m.index)
    country = _COUNTRY[m.city]
    n_ret = int(ret.sum())
    cols = {
        "order_id": np.concatenate([fmt_ids("O", numbers, 9), fmt_ids("R", numbers[ret], 9)]),
        "line_no": np.concatenate([_ranks(l_no) + 1, _ranks(r_no) + 1]),
        "member_id": mids[np.concatenate([o_mem[l_no], o_mem[r_no]])],
        "product_id": pid[np.concatenate([prod, prod[ret]])],
        "quantity": np.concatenate([qty, -qty[ret]]),
        "unit_price": np.concatenate([price, price[ret]]),
        "ordered_at": np.concatenate([o_sec[l_no], r_sec]).astype("datetime64[s]"),
        "is_return": np.concatenate([np.zeros(len(l_no), dtype=bool), np.ones(n_ret, dtype=bool)]),
        "country": country[np.concatenate([o_mem[l_no], o_mem[r_no]])],
        "channel": np.array(SALES_CHANNELS, dtype=object)[np.concatenate([o_chan[l_no], o_chan[r_no]])],
    }
    return cols, n_orders


def review_columns(rev: ReviewSet, m: MemberChunk, cat: Catalogue, first_review_no: int
                   ) -> tuple[dict[str, object], dict[str, object]]:
    """reviews.csv and review_labels.csv columns, sorted by time within the chunk."""
    perm = np.lexsort((rev.product, rev.member, rev.sec))
    ids = fmt_ids("V", first_review_no + np.arange(len(perm)), 8)
    pid = cat.products["product_id"].to_numpy(object)
    reviews = {
        "review_id": ids, "product_id": pid[rev.product[perm]], "member_id": member_ids(m.index[rev.member[perm]]),
        "rating": rev.rating[perm], "text": rev.text[perm], "created_at": rev.sec[perm].astype("datetime64[s]"),
        "verified_purchase": rev.verified[perm],
    }
    pattern = rev.pattern[perm]
    labels = {
        "review_id": ids, "is_fake": (pattern > 0).astype(np.int64),
        "pattern": np.array(PATTERNS, dtype=object)[pattern],
        "group_id": np.where(rev.group[perm] == "", np.array(None, dtype=object), rev.group[perm]),
    }
    return reviews, labels


def attributes_of(cat: Catalogue, product: int) -> dict[str, str]:
    """The decoded attributes of one product (handy in tests)."""
    return json.loads(cat.products["attributes"].iloc[product])
