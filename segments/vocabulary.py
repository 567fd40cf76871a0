"""The values a sentence can name: product categories, cities, countries, channels, age bands,
RFM segments and clusters, read from a workspace (or the demo shop's constants)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from memberinsight.segments.fields import PREDICTIONS_TABLE

EURO_COUNTRIES = ("Austria", "Belgium", "Croatia", "Cyprus", "Estonia", "Finland", "France", "Germany", "Greece",
                  "Ireland", "Italy", "Latvia", "Lithuania", "Luxembourg", "Malta", "Netherlands", "Portugal",
                  "Slovakia", "Slovenia", "Spain")
CURRENCY_BY_COUNTRY = {"United Kingdom": "£", "United States": "$", "Canada": "$", "Australia": "$",
                       **{c: "€" for c in EURO_COUNTRIES}}
"""The shop's currency when the workspace does not record one: that of most members' country."""
# Values of member/product columns the parser recognises, by catalogue field ("category" = product category).
VALUE_FIELDS = ("category", "city", "country", "channel", "age_band", "rfm_segment")


@dataclass(frozen=True)
class Vocabulary:
    """Known values per field (original spelling). ``clusters`` empty means "any number"."""

    category: tuple[str, ...] = ()
    city: tuple[str, ...] = ()
    country: tuple[str, ...] = ()
    channel: tuple[str, ...] = ()
    age_band: tuple[str, ...] = ()
    rfm_segment: tuple[str, ...] = ()
    clusters: tuple[int, ...] = ()
    ref_date: date | None = None
    """The data's last date (latest order): months named without a year ("in May") are read as the
    latest such month up to it. ``None``: such months are not understood."""
    currency: str | None = None
    """The shop's currency sign (``£``, ``€``, ``$``); amounts written in another one are asked about.
    ``None``: unknown, any sign is taken as the shop's."""

    def values(self, name: str) -> tuple[str, ...]:
        return getattr(self, name)

    def to_dict(self) -> dict[str, Any]:
        return {name: list(self.values(name)) for name in VALUE_FIELDS} | {
            "clusters": list(self.clusters), "ref_date": self.ref_date.isoformat() if self.ref_date else None,
            "currency": self.currency}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Vocabulary:
        """The inverse of :meth:`to_dict` (e.g. an evaluation set's vocabulary kept as JSON)."""
        ref = data.get("ref_date")
        return cls(**{name: tuple(data.get(name) or ()) for name in VALUE_FIELDS},
                   clusters=tuple(int(c) for c in data.get("clusters") or ()),
                   ref_date=date.fromisoformat(ref) if ref else None, currency=data.get("currency"))


def _distinct(con: Any, sql: str) -> tuple[Any, ...]:
    return tuple(r[0] for r in con.execute(sql).fetchall() if r[0] is not None and str(r[0]).strip())


def load_vocabulary(ws: Any) -> Vocabulary:
    """Distinct values in the workspace's analytics database (predictions when built)."""
    with ws.analytics(read_only=True) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        values: dict[str, Any] = {
            "category": _distinct(con, "SELECT DISTINCT category FROM products ORDER BY 1"),
            "city": _distinct(con, "SELECT DISTINCT city FROM members ORDER BY 1"),
            "country": _distinct(con, "SELECT DISTINCT country FROM members ORDER BY 1"),
            "channel": _distinct(con, "SELECT DISTINCT channel FROM members ORDER BY 1"),
            "age_band": _distinct(con, "SELECT DISTINCT age_band FROM members ORDER BY 1"),
            "ref_date": con.execute("SELECT CAST(max(ordered_at) AS DATE) FROM "  # as the compiler's ref date
                                    + ("clean_orders" if "clean_orders" in tables else "orders")).fetchall()[0][0],
        }
        if PREDICTIONS_TABLE in tables:
            cols = {r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = $t",
                {"t": PREDICTIONS_TABLE}).fetchall()}
            if "rfm_segment" in cols:
                values["rfm_segment"] = _distinct(
                    con, f"SELECT DISTINCT rfm_segment FROM {PREDICTIONS_TABLE} ORDER BY 1")
            if "cluster" in cols:
                values["clusters"] = tuple(int(v) for v in _distinct(
                    con, f"SELECT DISTINCT cluster FROM {PREDICTIONS_TABLE} ORDER BY 1"))
        top = con.execute("SELECT country FROM members WHERE country IS NOT NULL GROUP BY 1 "
                          "ORDER BY count(*) DESC, 1 LIMIT 1").fetchall()
    if not values.get("rfm_segment"):
        values["rfm_segment"] = rfm_segment_names()
    meta = getattr(ws, "get_meta", None)
    sign = meta("currency") if callable(meta) else None
    values["currency"] = sign or (CURRENCY_BY_COUNTRY.get(top[0][0]) if top else None)
    return Vocabulary(**values)


def shop_currency(ws: Any) -> str | None:
    """The shop's currency sign (``£`` on the demo): the one the workspace records, else that of most members'
    country; ``None`` when neither is known (or ``ws`` is not a workspace)."""
    meta = getattr(ws, "get_meta", None)
    sign = meta("currency") if callable(meta) else None
    if sign or not callable(getattr(ws, "analytics", None)):
        return sign or None
    with ws.analytics(read_only=True) as con:
        top = con.execute("SELECT country FROM members WHERE country IS NOT NULL GROUP BY 1 "
                          "ORDER BY count(*) DESC, 1 LIMIT 1").fetchall()
    return CURRENCY_BY_COUNTRY.get(top[0][0]) if top else None


def rfm_segment_names() -> tuple[str, ...]:
    from memberinsight.models.segments import NO_PURCHASE, SEGMENTS

    return (*SEGMENTS, NO_PURCHASE)
