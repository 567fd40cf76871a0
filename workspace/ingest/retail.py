"""The UCI Online Retail export: order lines plus members and products derived from them.

Mapping: ``order_id`` = InvoiceNo, ``line_no`` = a stable number derived from the line's content
(see :func:`content_line_numbers`; not its position in the file, so overlapping exports such as a
sample and then the full file, or monthly files, converge to the same rows), ``product_id`` = StockCode (upper case: ``85123a`` and ``85123A`` are one product),
``member_id`` = CustomerID as integer text (``12923.0`` -> ``12923``; empty = guest line, kept).
Invoices starting with ``C`` are cancellations and, like zero or negative quantities, are kept
with ``is_return`` true. Members are created from CustomerID (country = their most frequent country,
``signup_date`` = first order date); products from StockCode (title = most frequent cleaned
description on ordinary sales, price = median positive unit price, ``is_product`` false for
postage/fee/adjustment codes, category from title keywords). Existing members and products are
never changed by this layout.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import numpy as np
import pandas as pd

from memberinsight.workspace.ingest.categories import NON_PRODUCT, categorise, is_product_code
from memberinsight.workspace.ingest.dates import DateRules
from memberinsight.workspace.ingest.formats import Mapping
from memberinsight.workspace.ingest.parsing import (
    Issues,
    clean_text,
    normalise_member_id,
    parse_float,
    parse_int,
)
from memberinsight.workspace.ingest.readers import RawTable
from memberinsight.workspace.ingest.validate import (
    Prepared,
    Staged,
    common_row_checks,
    date_reading,
    order_quality,
    parse_dates,
    quality_warnings,
)
from memberinsight.workspace.schema import MEMBERS, ORDERS, PRODUCTS


def clean_description(s: pd.Series) -> pd.Series:
    """Trimmed, single-spaced descriptions with the stray ``Â£`` (mis-decoded pound sign) fixed."""
    out = clean_text(s)
    return out.str.replace("Â£", "£", regex=False).str.replace(r"[ \t]{2,}", " ", regex=True)


def prepare_retail(raw: RawTable, mapping: Mapping, now: datetime | None = None,
                   rules: DateRules | None = None) -> Prepared:
    """Validate an Online Retail file and derive its order lines, members and products."""
    now = now or datetime.now()
    src = mapping.columns
    frame = raw.frame
    n = len(frame)
    issues = Issues(n)
    common_row_checks(raw, issues, list(src.values()))

    def text(name: str) -> pd.Series:
        return clean_text(frame[src[name]]) if name in src else pd.Series(pd.NA, index=frame.index, dtype="str")

    invoice = text("invoice")
    issues.flag(invoice.isna(), "missing_value", src["invoice"], "required value is empty")
    code = text("stock_code").str.upper()
    issues.flag(code.isna(), "missing_value", src["stock_code"], "required value is empty")
    description = clean_description(text("description"))
    raw_qty = text("quantity")
    quantity, bad = parse_int(raw_qty)
    issues.flag(raw_qty.isna(), "missing_value", src["quantity"], "required value is empty")
    issues.flag(bad, "bad_integer", src["quantity"], "not a whole number", values=raw_qty)
    raw_date = text("invoice_date")
    dates = date_reading(raw, {src["invoice_date"]: raw_date}, rules or DateRules())
    issues.flag(raw_date.isna(), "missing_value", src["invoice_date"], "required value is empty")
    ordered_at = parse_dates(raw_date, src["invoice_date"], issues, now, dates)
    raw_price = text("unit_price")
    unit_price, bad = parse_float(raw_price)
    issues.flag(raw_price.isna(), "missing_value", src["unit_price"], "required value is empty")
    issues.flag(bad, "bad_number", src["unit_price"], "not a number", values=raw_price)
    issues.flag(unit_price.lt(0).fillna(False), "negative_price", src["unit_price"],
                "negative price", values=raw_price)
    member_id = normalise_member_id(text("customer_id"))

    orders = pd.DataFrame({
        "_row": np.arange(n, dtype=np.int64),
        "order_id": invoice,
        "line_no": content_line_numbers(invoice, code, quantity, unit_price, ordered_at),
        "member_id": member_id,
        "product_id": code,
        "quantity": quantity,
        "unit_price": unit_price,
        "ordered_at": ordered_at,
        "is_return": (invoice.str.upper().str.startswith("C").fillna(False) | quantity.le(0).fillna(False))
        .astype("boolean"),
        "country": text("country"),
    }, index=frame.index)
    ok = issues.ok.to_numpy()
    members = _members(orders.loc[ok])
    products = _products(orders.loc[ok], description[ok])
    sources = {"order_id": src["invoice"], "product_id": src["stock_code"], "quantity": src["quantity"],
               "ordered_at": src["invoice_date"], "unit_price": src["unit_price"],
               "member_id": src.get("customer_id", "CustomerID"), "country": src.get("country", "Country"),
               "line_no": "line_no", "is_return": "is_return"}
    staged = [
        Staged(MEMBERS, members, "insert_only", counted=False),
        Staged(PRODUCTS, products, "insert_only", counted=False),
        Staged(ORDERS, orders, "immutable", sources,
               refs=(("member_id", "members"), ("product_id", "products"))),
    ]
    warnings = [*raw.warnings, *dates.notes]
    if mapping.ignored:
        warnings.append(f"columns not used: {', '.join(mapping.ignored)}")
    if "customer_id" not in src:
        warnings.append("no CustomerID column: every line is a guest line")
    quality = order_quality(orders, issues)
    non_product = ~is_product_code(code.fillna("X0"))
    quality["non_product_lines"] = int((non_product & issues.ok).sum())
    warnings.extend(quality_warnings(quality))
    return Prepared(raw, mapping, issues, staged, warnings, quality)


LINE_NO_MAX = 2**31 - 1  # line_no is an INTEGER


def _line_hash(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "big") % (LINE_NO_MAX - 1) + 1


def content_line_numbers(invoice: pd.Series, code: pd.Series, quantity: pd.Series, unit_price: pd.Series,
                         ordered_at: pd.Series) -> pd.Series:
    """A line's number within its invoice, from what the line is rather than where it is in the file.

    The identity of a line is (stock code, quantity, unit price, timestamp, occurrence among identical
    lines of the same invoice in this file); its number is a stable hash of that identity in
    1..2**31-1. The same line therefore gets the same ``(order_id, line_no)`` in every export that
    holds it (a random sample, the full file, a month), so loading overlapping files neither
    duplicates lines nor flags them as conflicting. Two identities of one invoice that hash alike
    (odds about n**2 / 2**32 for an invoice of n lines) are told apart by rehashing the later one.
    """
    def text(s: pd.Series) -> pd.Series:
        return s.astype(str).fillna("")  # missing values (rows that are rejected anyway) as ""

    stamp = pd.Series(ordered_at.to_numpy(dtype="datetime64[s]").astype(np.int64), index=invoice.index)
    ident = (text(code) + "|" + text(quantity) + "|" + text(unit_price) + "|"
             + text(stamp.where(ordered_at.notna(), 0)))
    order = text(invoice)
    occurrence = ident.groupby([order, ident], sort=False).cumcount()
    keys = (ident + "|" + occurrence.astype(str)).tolist()
    numbers = pd.Series([_line_hash(k) for k in keys], index=invoice.index, dtype="int64")
    frame = pd.DataFrame({"order": order, "key": keys, "n": numbers})
    salt = 0
    while frame.duplicated(["order", "n"]).any():  # rare: settle which line keeps its number by content
        clash = frame.sort_values(["order", "n", "key"]).duplicated(["order", "n"])
        salt += 1
        redo = clash[clash].index
        frame.loc[redo, "n"] = [_line_hash(f"{k}#{salt}") for k in frame.loc[redo, "key"]]
    return frame["n"].astype("Int64")


def _members(orders: pd.DataFrame) -> pd.DataFrame:
    known = orders[orders["member_id"].notna()]
    if known.empty:
        return pd.DataFrame({"_row": pd.Series([], dtype="int64"), "member_id": pd.Series([], dtype="str"),
                             "signup_date": pd.Series([], dtype="datetime64[us]"),
                             "country": pd.Series([], dtype="str")})
    first = known.groupby("member_id", sort=True)["ordered_at"].min().dt.normalize()
    country = (known.dropna(subset=["country"]).groupby(["member_id", "country"]).size()
               .reset_index(name="n").sort_values(["member_id", "n", "country"], ascending=[True, False, True])
               .drop_duplicates("member_id").set_index("member_id")["country"])
    out = pd.DataFrame({"member_id": first.index.astype("str"), "signup_date": first.to_numpy()})
    out["country"] = out["member_id"].map(country).astype("str")
    out.insert(0, "_row", np.arange(len(out), dtype=np.int64))
    return out


def _mode(keys: pd.Series, values: pd.Series) -> pd.Series:
    """Most frequent value per key (ties: alphabetically first)."""
    df = pd.DataFrame({"k": keys, "v": values}).dropna()
    if df.empty:
        return pd.Series([], dtype="str")
    counts = df.groupby(["k", "v"]).size().reset_index(name="n")
    counts = counts.sort_values(["k", "n", "v"], ascending=[True, False, True]).drop_duplicates("k")
    return counts.set_index("k")["v"]


def _products(orders: pd.DataFrame, description: pd.Series) -> pd.DataFrame:
    code = orders["product_id"]
    codes = pd.Index(code.dropna().unique()).sort_values()
    sale = (orders["unit_price"] > 0) & (orders["quantity"] > 0)
    title = _mode(code[sale], description[sale]).reindex(codes)
    title = title.fillna(_mode(code, description).reindex(codes))
    title = title.fillna(pd.Series(codes, index=codes))
    positive = orders["unit_price"] > 0
    price = orders.loc[positive & ~orders["is_return"].fillna(False)].groupby("product_id")["unit_price"].median()
    price = price.reindex(codes).fillna(orders.loc[positive].groupby("product_id")["unit_price"].median()
                                        .reindex(codes))
    created = orders.groupby("product_id")["ordered_at"].min().reindex(codes)
    is_product = is_product_code(pd.Series(codes, index=codes))
    out = pd.DataFrame({
        "product_id": pd.Series(codes, dtype="str").to_numpy(),
        "title": title.astype("str").to_numpy(),
        "category": categorise(title).where(is_product, NON_PRODUCT).to_numpy(),
        "price": price.to_numpy(),
        "is_product": is_product.astype("boolean").to_numpy(),
        "created_at": created.to_numpy(),
    })
    out["product_id"] = out["product_id"].astype("str")
    out.insert(0, "_row", np.arange(len(out), dtype=np.int64))
    return out
