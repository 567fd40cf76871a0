"""Which export a file is, and how its columns map onto the canonical tables.

Two layouts are understood:

* ``canonical``: the columns of :mod:`workspace.schema` (``members``, ``products``, ``orders``,
  ``reviews``), matched case-insensitively, with a few common aliases (``customer_id`` for
  ``member_id``, ``sku`` for ``product_id``...). A generic reviews CSV
  (``review_id, product_id, member_id, rating, text, created_at[, verified_purchase]``) is simply the
  canonical reviews layout.
* ``online_retail``: the UCI *Online Retail* export (``InvoiceNo, StockCode, Description, Quantity,
  InvoiceDate, UnitPrice, CustomerID, Country``; the *Online Retail II* names ``Invoice``, ``Price``
  and ``Customer ID`` work too). It fills ``orders`` and creates members and products from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from memberinsight.errors import DataValidationError
from workspace.schema import TABLES

KINDS: tuple[str, ...] = ("members", "products", "orders", "reviews", "online_retail")

# canonical name -> accepted header spellings (normalised), per layout
_ALIASES: dict[str, tuple[str, ...]] = {
    "member_id": ("member_id", "customer_id", "customerid", "memberid"),
    "product_id": ("product_id", "productid", "sku", "stock_code", "stockcode"),
    "order_id": ("order_id", "orderid", "order_number"),
    "review_id": ("review_id", "reviewid"),
    "text": ("text", "review_text", "body"),
    "rating": ("rating", "stars", "star_rating"),
}

RETAIL_COLUMNS: dict[str, tuple[str, ...]] = {
    "invoice": ("invoiceno", "invoice", "invoice_no"),
    "stock_code": ("stockcode", "stock_code"),
    "description": ("description",),
    "quantity": ("quantity",),
    "invoice_date": ("invoicedate", "invoice_date"),
    "unit_price": ("unitprice", "unit_price", "price"),
    "customer_id": ("customerid", "customer_id"),
    "country": ("country",),
}
RETAIL_REQUIRED = ("invoice", "stock_code", "quantity", "invoice_date", "unit_price")

# Columns the canonical loader can derive when a file lacks them.
DERIVABLE: dict[str, set[str]] = {"orders": {"line_no"}}


@dataclass(frozen=True)
class Mapping:
    """How one file maps onto a kind: ``columns`` is target name -> header name as in the file."""

    kind: str
    format: str
    columns: dict[str, str]
    ignored: tuple[str, ...]

    def source(self, target: str) -> str:
        """The file's header name for a target column (the target name itself when derived)."""
        return self.columns.get(target, target)


def normalise(name: str) -> str:
    """Header spelling used for matching: lower case, spaces and dashes as underscores."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _match(header: list[str], spellings: dict[str, tuple[str, ...]]) -> dict[str, str]:
    by_norm = {normalise(h): h for h in header}
    found: dict[str, str] = {}
    for target, names in spellings.items():
        for name in names:
            if name in by_norm and by_norm[name] not in found.values():
                found[target] = by_norm[name]
                break
    return found


def _canonical_spellings(kind: str) -> dict[str, tuple[str, ...]]:
    return {c: _ALIASES.get(c, (c,)) for c in TABLES[kind].column_names}


def detect_kind(header: list[str], file: str) -> str:
    """Guess the kind of a file from its header; raises when nothing fits."""
    retail = _match(header, RETAIL_COLUMNS)
    if all(c in retail for c in RETAIL_REQUIRED):
        return "online_retail"
    best, best_score = None, 0.0
    for kind in ("reviews", "orders", "products", "members"):
        found = _match(header, _canonical_spellings(kind))
        required = [c for c in TABLES[kind].required if c not in DERIVABLE.get(kind, set())]
        if not all(c in found for c in required):
            continue
        score = len(found) / len(TABLES[kind].columns) + len(required)
        if score > best_score:
            best, best_score = kind, score
    if best is None:
        raise DataValidationError(
            "cannot tell which data this is from the header "
            f"({', '.join(header[:12])}); pass kind= (members, products, orders, reviews, online_retail)",
            file=file, row=1)
    return best


def mapping_for(kind: str, header: list[str], file: str) -> Mapping:
    """The column mapping of ``header`` for ``kind``; raises naming the first missing required column."""
    if kind not in KINDS:
        raise DataValidationError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}", file=file)
    if kind == "online_retail":
        found = _match(header, RETAIL_COLUMNS)
        required: list[str] = list(RETAIL_REQUIRED)
        spelled = {c: RETAIL_COLUMNS[c][0] for c in RETAIL_COLUMNS}
        fmt = "online_retail"
    else:
        found = _match(header, _canonical_spellings(kind))
        required = [c for c in TABLES[kind].required if c not in DERIVABLE.get(kind, set())]
        spelled = {c: c for c in TABLES[kind].column_names}
        fmt = "canonical"
    missing = [c for c in required if c not in found]
    if missing:
        raise DataValidationError(
            f"missing required column(s) {', '.join(spelled[c] for c in missing)} for {kind} data "
            f"(header: {', '.join(header)})", file=file, row=1, column=spelled[missing[0]])
    used = set(found.values())
    return Mapping(kind, fmt, found, tuple(h for h in header if h not in used))
