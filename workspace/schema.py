"""The canonical data model: members, products, orders (one row per order line), reviews.

Each :class:`Table` lists its columns with type, whether required, and meaning. The same
specification drives the DuckDB DDL, ingestion validation and the schema section of the README
(``memberinsight schema`` prints it).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One column of a canonical table."""

    name: str
    type: str  # DuckDB type
    required: bool
    meaning: str
    pii: bool = False


@dataclass(frozen=True)
class Table:
    """A canonical table: its columns and primary key."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    meaning: str
    extra: tuple[Column, ...] = ()
    """Optional columns beyond the core layout (the order fields fraud work reads): in the database and read
    at ingest when a file has them; :attr:`column_names` (the core layout the demo writes) leaves them out."""

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def all_columns(self) -> tuple[Column, ...]:
        """Core columns, then the optional extra ones."""
        return self.columns + self.extra

    @property
    def all_column_names(self) -> list[str]:
        return [c.name for c in self.all_columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        for col in self.all_columns:
            if col.name == name:
                return col
        raise KeyError(name)


MEMBERS = Table(
    "members",
    (
        Column("member_id", "VARCHAR", True, "Stable member identifier (string; numeric ids are kept as text)."),
        Column("email", "VARCHAR", False, "Contact email. Personal data: export files only.", pii=True),
        Column("phone", "VARCHAR", False, "Contact phone. Personal data: export files only.", pii=True),
        Column("first_name", "VARCHAR", False, "Given name. Personal data: export files only.", pii=True),
        Column("last_name", "VARCHAR", False, "Family name. Personal data: export files only.", pii=True),
        Column("signup_date", "DATE", False, "Date the member joined; defaults to the first order date."),
        Column("age_band", "VARCHAR", False, "Age band such as 25-34."),
        Column("city", "VARCHAR", False, "Home city."),
        Column("country", "VARCHAR", False, "Home country."),
        Column("channel", "VARCHAR", False, "Acquisition channel (organic, paid_search, social, referral, email...)."),
    ),
    ("member_id",),
    "One row per member (customer account).",
    extra=(  # optional consent per channel (governance.eligibility): empty means no consent recorded
        Column("email_consent", "BOOLEAN", False, "True when the member agreed to marketing email; false when they "
                                                  "refused; empty: no consent recorded (not sent to by default)."),
        Column("email_consent_at", "TIMESTAMP", False, "When the email consent (or refusal) was given."),
        Column("sms_consent", "BOOLEAN", False, "True when the member agreed to marketing SMS (empty: not recorded)."),
        Column("sms_consent_at", "TIMESTAMP", False, "When the SMS consent (or refusal) was given."),
        Column("push_consent", "BOOLEAN", False, "True when the member allowed push notifications (empty: not "
                                                 "recorded)."),
        Column("push_consent_at", "TIMESTAMP", False, "When the push consent (or refusal) was given."),
    ),
)

PRODUCTS = Table(
    "products",
    (
        Column("product_id", "VARCHAR", True, "Stable product identifier (SKU / stock code)."),
        Column("title", "VARCHAR", True, "Product title as shown in the shop."),
        Column("category", "VARCHAR", False, "Top-level category (Outdoor, Kitchen...); 'Uncategorised' when unknown."),
        Column("description", "VARCHAR", False, "Free-text description."),
        Column("price", "DOUBLE", False, "Current list price in the shop currency (>= 0)."),
        Column("attributes", "VARCHAR", False, "JSON object of attributes (material, colour, size...)."),
        Column("is_product", "BOOLEAN", False, "False for non-product lines (postage, fees, manual adjustments)."),
        Column("created_at", "TIMESTAMP", False, "When the product was listed."),
    ),
    ("product_id",),
    "One row per catalogue item.",
)

ORDERS = Table(
    "orders",
    (
        Column("order_id", "VARCHAR", True, "Order / invoice number; several lines share it."),
        Column("line_no", "INTEGER", True, "Line identity within the order (>= 1): the file's line number, or for "
                                                   "Online Retail exports a stable hash of the line's content, so "
                                                   "overlapping exports load each line once."),
        Column("member_id", "VARCHAR", False, "Buying member; empty for guest checkouts."),
        Column("product_id", "VARCHAR", True, "Product bought (or returned)."),
        Column("quantity", "INTEGER", True, "Units; negative for returns and cancellations."),
        Column("unit_price", "DOUBLE", True, "Price per unit at the time of the order (>= 0)."),
        Column("ordered_at", "TIMESTAMP", True, "Order timestamp (not in the future)."),
        Column("is_return", "BOOLEAN", False, "True for returns / cancellations (zero or negative quantity, or a "
                                                 "cancelled invoice)."),
        Column("country", "VARCHAR", False, "Shipping country."),
        Column("channel", "VARCHAR", False, "Sales channel (web, app, store...)."),
    ),
    ("order_id", "line_no"),
    "One row per order line. Revenue of a line is quantity * unit_price (negative for returns).",
    extra=(  # optional order-level fields (repeated on each line of an order) that fraud checks read
        Column("ip_hash", "VARCHAR", False, "Buyer's IP address as a keyed hash (workspace key), made at ingest from an "
                                            "`ip` column; the address itself is never stored."),
        Column("device_id", "VARCHAR", False, "Device or browser fingerprint id from the shop platform."),
        Column("shipping_address_hash", "VARCHAR", False, "Shipping address (or postcode) as a keyed hash, made at "
                                                          "ingest from `shipping_address` / `postcode`; never stored "
                                                          "as written."),
        Column("payment_fingerprint", "VARCHAR", False, "Payment instrument fingerprint, stored as a keyed hash made "
                                                        "at ingest (never a card number)."),
        Column("coupon_code", "VARCHAR", False, "Coupon or voucher code used on the order."),
        Column("discount_amount", "DOUBLE", False, "Discount granted on the line (>= 0)."),
        Column("status", "VARCHAR", False, "Payment outcome: paid, cancelled, refunded or chargeback."),
        Column("shipping_method", "VARCHAR", False, "Delivery speed: standard, express or pickup."),
    ),
)

REVIEWS = Table(
    "reviews",
    (
        Column("review_id", "VARCHAR", True, "Stable review identifier."),
        Column("product_id", "VARCHAR", True, "Reviewed product (must exist in products)."),
        Column("member_id", "VARCHAR", False, "Reviewing account (must exist in members when given)."),
        Column("rating", "INTEGER", True, "Star rating 1-5."),
        Column("text", "VARCHAR", True, "Review text (untrusted user content)."),
        Column("created_at", "TIMESTAMP", True, "When the review was posted (not in the future)."),
        Column("verified_purchase", "BOOLEAN", False, "True when the shop confirmed a purchase."),
    ),
    ("review_id",),
    "One row per product review.",
)

TABLES: dict[str, Table] = {t.name: t for t in (MEMBERS, PRODUCTS, ORDERS, REVIEWS)}

INGEST_LOG_DDL = """
CREATE TABLE IF NOT EXISTS ingest_log (
    batch_id VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    format VARCHAR,
    rows_read BIGINT,
    rows_loaded BIGINT,
    rows_rejected BIGINT,
    rows_duplicate BIGINT,
    loaded_at TIMESTAMP NOT NULL
)
"""


def create_table_sql(table: Table) -> str:
    """``CREATE TABLE IF NOT EXISTS`` for a canonical table (DuckDB dialect)."""
    cols = ",\n    ".join(
        f"{c.name} {c.type}{' NOT NULL' if c.required else ''}" for c in table.all_columns
    )
    return (
        f"CREATE TABLE IF NOT EXISTS {table.name} (\n    {cols},\n"
        f"    PRIMARY KEY ({', '.join(table.key)})\n)"
    )


def add_extra_columns_sql(table: Table) -> list[str]:
    """``ALTER TABLE ... ADD COLUMN IF NOT EXISTS`` for each optional extra column (upgrades older workspaces)."""
    return [f"ALTER TABLE {table.name} ADD COLUMN IF NOT EXISTS {c.name} {c.type}" for c in table.extra]


def schema_markdown() -> str:
    """The schema as Markdown tables (for the README and ``memberinsight schema``)."""
    out: list[str] = []
    for table in TABLES.values():
        out.append(f"### `{table.name}`\n\n{table.meaning} Key: `{', '.join(table.key)}`.\n")
        out.append("| column | type | required | meaning |\n|---|---|---|---|")
        for c in table.all_columns:
            out.append(f"| `{c.name}` | {c.type} | {'yes' if c.required else 'no'} | {c.meaning} |")
        out.append("")
    return "\n".join(out)
