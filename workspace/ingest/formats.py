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
from memberinsight.workspace.schema import TABLES

KINDS: tuple[str, ...] = ("members", "products", "orders", "reviews", "online_retail")

# canonical name -> accepted header spellings (normalised), per layout
_ALIASES: dict[str, tuple[str, ...]] = {
    "member_id": ("member_id", "customer_id", "customerid", "memberid"),
    "product_id": ("product_id", "productid", "sku", "stock_code", "stockcode"),
    "order_id": ("order_id", "orderid", "order_number"),
    "review_id": ("review_id", "reviewid"),
    "text": ("text", "review_text", "body"),
    "rating": ("rating", "stars", "star_rating"),
    # optional order fields: raw IPs, addresses and payment ids are hashed at ingest (workspace.ingest.personal)
    "ip_hash": ("ip_hash", "ip", "ip_address"),
    "shipping_address_hash": ("shipping_address_hash", "shipping_address", "shipping_postcode", "postcode"),
    "payment_fingerprint": ("payment_fingerprint", "card_fingerprint", "payment_token"),
    "coupon_code": ("coupon_code", "coupon", "voucher_code", "promo_code"),
    "status": ("status", "order_status", "payment_status"),
    "shipping_method": ("shipping_method", "delivery_method"),
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
# The export's own column names, for messages.
RETAIL_DISPLAY: dict[str, str] = {
    "invoice": "InvoiceNo", "stock_code": "StockCode", "description": "Description", "quantity": "Quantity",
    "invoice_date": "InvoiceDate", "unit_price": "UnitPrice", "customer_id": "CustomerID", "country": "Country",
}

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
    return {c: _ALIASES.get(c, (c,)) for c in TABLES[kind].all_column_names}


def _spellings(kind: str) -> dict[str, tuple[str, ...]]:
    return RETAIL_COLUMNS if kind == "online_retail" else _canonical_spellings(kind)


def _required(kind: str) -> list[str]:
    if kind == "online_retail":
        return list(RETAIL_REQUIRED)
    return [c for c in TABLES[kind].required if c not in DERIVABLE.get(kind, set())]


def _distinctive() -> dict[str, set[str]]:
    """Per kind, the header spellings no other kind accepts (``order_id``, ``review_id``, ``InvoiceNo``...)."""
    spelled = {k: {n for names in _spellings(k).values() for n in names} for k in DETECTION_ORDER}
    return {k: spelled[k] - set().union(*(spelled[o] for o in DETECTION_ORDER if o != k)) for k in DETECTION_ORDER}


# Kinds in the order ties are broken (the more specific layouts first).
DETECTION_ORDER: tuple[str, ...] = ("online_retail", "reviews", "orders", "products", "members")
DISTINCTIVE_WEIGHT = 3


@dataclass(frozen=True)
class KindMatch:
    """How well a header fits one kind: matched columns, distinctive ones among them, what is missing."""

    kind: str
    found: dict[str, str]
    distinctive: int
    missing: tuple[str, ...]

    @property
    def score(self) -> int:
        """Matched columns, those only this kind has counting :data:`DISTINCTIVE_WEIGHT` times."""
        return len(self.found) + (DISTINCTIVE_WEIGHT - 1) * self.distinctive

    @property
    def complete(self) -> bool:
        return not self.missing


def kind_matches(header: list[str]) -> list[KindMatch]:
    """Every kind's fit to ``header``, best first (score, then fewest missing columns, then :data:`DETECTION_ORDER`)."""
    unique = _distinctive()
    out = []
    for kind in DETECTION_ORDER:
        found = _match(header, _spellings(kind))
        distinctive = len({normalise(h) for h in found.values()} & unique[kind])
        out.append(KindMatch(kind, found, distinctive, tuple(c for c in _required(kind) if c not in found)))
    return sorted(out, key=lambda m: (-m.score, len(m.missing), DETECTION_ORDER.index(m.kind)))


def detect_kind(header: list[str], file: str) -> str:
    """The kind of a file, from the header: the best-matching kind, not the first one that is complete.

    Columns only one kind has (``order_id``, ``review_id``, ``InvoiceNo``, ``title``...) weigh most, so an
    orders file that lacks ``ordered_at`` is recognised as orders and refused with that kind's
    missing-column error (file, row 1, column) instead of loading as members. Raises
    :class:`DataValidationError` when the header fits nothing.
    """
    best = kind_matches(header)[0]
    if best.complete:
        return best.kind
    if not best.distinctive:
        hint = (f"; closest: {best.kind} (missing {', '.join(_display(best.kind, c) for c in best.missing)})"
                if best.found else "")
        raise DataValidationError(
            "cannot tell which data this is from the header "
            f"({', '.join(header[:12])}){hint}; pass kind= (members, products, orders, reviews, online_retail)",
            file=file, row=1)
    mapping_for(best.kind, header, file)  # raises naming the first missing required column
    raise AssertionError("an incomplete match has a missing column")  # pragma: no cover


def _display(kind: str, target: str) -> str:
    return RETAIL_DISPLAY[target] if kind == "online_retail" else target


def mapping_for(kind: str, header: list[str], file: str) -> Mapping:
    """The column mapping of ``header`` for ``kind``; raises naming the first missing required column."""
    if kind not in KINDS:
        raise DataValidationError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}", file=file)
    fmt = "online_retail" if kind == "online_retail" else "canonical"
    found = _match(header, _spellings(kind))
    missing = [c for c in _required(kind) if c not in found]
    if missing:
        spelled = {c: _display(kind, c) for c in missing}
        raise DataValidationError(
            f"missing required column(s) {', '.join(spelled[c] for c in missing)} for {kind} data "
            f"(header: {', '.join(header)})", file=file, row=1, column=spelled[missing[0]])
    used = set(found.values())
    return Mapping(kind, fmt, found, tuple(h for h in header if h not in used))
