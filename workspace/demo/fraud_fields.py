"""Everyday values of the optional order fields for the demo shop's genuine orders.

What a fraud check meets in a real shop, confounders included: households (two or three members
of one city) share an address and a home IP, often a card and sometimes a tablet; app orders
come through a handful of mobile-carrier gateway IPs shared by many strangers; public coupon codes
(``WELCOME10`` on a first order, seasonal codes) are used by many unrelated members; some orders are
express, a few are cancelled, a few (genuinely) disputed. Raw IPs and addresses are written as text:
ingest hashes them with the workspace key.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

EXTRA_FILE_COLUMNS: tuple[str, ...] = ("ip", "device_id", "shipping_address", "payment_fingerprint", "coupon_code",
                                       "discount_amount", "status", "shipping_method")
STREETS = ("High St", "Church Rd", "Station Rd", "Victoria Rd", "Park Ave", "Mill Lane", "Oak Close", "Green Lane",
           "Kings Rd", "Queens Walk", "Manor Way", "Elm Grove", "Bridge St", "Market Sq", "Rue Verte", "Hauptstr")
SEASONAL_CODES = ("SPRING15", "SUMMER10", "BLACKFRIDAY20", "VIP5")
WELCOME_CODE = "WELCOME10"
HOUSEHOLD_SHARE = 0.12
GATEWAY_IPS = 12


def random_ip(rng: np.random.Generator, n: int, first: int | None = None) -> np.ndarray:
    """``n`` random IPv4 addresses (documentation-style text; hashed at ingest)."""
    octets = rng.integers(1, 255, size=(n, 4))
    if first is not None:
        octets[:, 0] = first
    return np.array([".".join(map(str, row)) for row in octets], dtype=object)


def random_address(rng: np.random.Generator, n: int, cities: np.ndarray) -> np.ndarray:
    """``n`` street addresses in the given cities."""
    numbers = rng.integers(1, 1000, n)
    streets = np.array(STREETS, dtype=object)[rng.integers(len(STREETS), size=n)]
    flats = rng.integers(1, 60, n)
    return np.array([f"Flat {f}, {k} {s}, {c}" for f, k, s, c in zip(flats, numbers, streets, cities, strict=True)],
                    dtype=object)


def token(rng: np.random.Generator, prefix: str, n: int) -> np.ndarray:
    """``n`` random ids such as ``dev_3f9a1c2b7d``."""
    return np.array([f"{prefix}_{v:010x}" for v in rng.integers(0, 2**40, n)], dtype=object)


def _households(rng: np.random.Generator, cities: np.ndarray) -> np.ndarray:
    """A household number per member: most live alone; some share with one or two others of their city."""
    n = len(cities)
    house = np.arange(n)
    chosen = np.flatnonzero(rng.random(n) < HOUSEHOLD_SHARE)
    for city in np.unique(cities[chosen]):
        group = rng.permutation(chosen[cities[chosen] == city])
        i = 0
        while i + 1 < len(group):
            size = 3 if rng.random() < 0.25 and i + 2 < len(group) else 2
            house[group[i:i + size]] = group[i]
            i += size
    return house


def member_identity(rng: np.random.Generator, cities: np.ndarray) -> dict[str, np.ndarray]:
    """Per member: two devices, two cards, a home address and home IP (shared within a household)."""
    n = len(cities)
    house = _households(rng, cities)
    home_address = random_address(rng, n, cities)[house]
    home_ip = random_ip(rng, n)[house]
    dev = token(rng, "dev", 2 * n).reshape(n, 2)
    card = token(rng, "card", 2 * n).reshape(n, 2)
    shared = house != np.arange(n)
    tablet = shared & (rng.random(n) < 0.3)
    dev[tablet, 1] = dev[house[tablet], 0]
    joint = shared & (rng.random(n) < 0.5)
    card[joint, 1] = card[house[joint], 0]
    n_dev = np.maximum(1 + (rng.random(n) < 0.35), 1 + tablet)
    n_card = np.maximum(1 + (rng.random(n) < 0.25), 1 + joint)
    return {"house": house, "address": home_address, "ip": home_ip, "devices": dev, "n_devices": n_dev.astype(int),
            "cards": card, "n_cards": n_card.astype(int)}


def order_fields(rng: np.random.Generator, orders: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """The optional fields of every order (one row per ``order_id``) for the genuine demo orders.

    Return orders (``R...``) copy the fields of their purchase (``O...``) with status ``refunded``.
    """
    who = members["member_id"].to_numpy(object)
    index = pd.Series(np.arange(len(who)), index=who)
    ident = member_identity(rng, members["city"].fillna("").to_numpy(object))
    heads = orders.groupby("order_id", sort=False).agg(
        member_id=("member_id", "first"), ordered_at=("ordered_at", "first"), channel=("channel", "first"),
        value=("_value", "sum"))
    purchase = heads[heads.index.str.startswith("O")].copy()
    m = index.reindex(purchase["member_id"]).to_numpy()
    n = len(purchase)
    channel = purchase["channel"].to_numpy(object)
    store, app = channel == "store", channel == "app"
    pick_dev = rng.integers(0, 2, n) % ident["n_devices"][m]
    pick_card = rng.integers(0, 2, n) % ident["n_cards"][m]
    gateways = random_ip(rng, GATEWAY_IPS, first=100)
    ip = ident["ip"][m].copy()
    roaming = ~app & (rng.random(n) < 0.1)
    ip[roaming] = random_ip(rng, int(roaming.sum()))
    via_gateway = app & (rng.random(n) < 0.6)
    ip[via_gateway] = gateways[rng.integers(GATEWAY_IPS, size=int(via_gateway.sum()))]
    address = ident["address"][m].copy()
    gift = rng.random(n) < 0.06
    address[gift] = random_address(rng, int(gift.sum()), members["city"].to_numpy(object)[m[gift]])
    first_order = ~purchase.duplicated("member_id").to_numpy()
    coupon = np.full(n, None, dtype=object)
    welcome = first_order & (rng.random(n) < 0.3)
    coupon[welcome] = WELCOME_CODE
    seasonal = ~first_order & (rng.random(n) < 0.08)
    coupon[seasonal] = np.array(SEASONAL_CODES, dtype=object)[rng.integers(len(SEASONAL_CODES), size=int(seasonal.sum()))]
    rate = np.where(coupon == None, 0.0, 0.1)  # noqa: E711 - elementwise comparison with None
    status = np.where(rng.random(n) < 0.015, "cancelled", np.where(rng.random(n) < 0.003, "chargeback", "paid"))
    method = np.where(store, "pickup", np.where(rng.random(n) < 0.15, "express", "standard"))
    out = pd.DataFrame({
        "ip": np.where(store, None, ip), "device_id": np.where(store, None, ident["devices"][m, pick_dev]),
        "shipping_address": np.where(store, None, address), "payment_fingerprint": ident["cards"][m, pick_card],
        "coupon_code": coupon, "discount_rate": rate, "status": status.astype(object),
        "shipping_method": method.astype(object)}, index=purchase.index)
    returns = heads.index[heads.index.str.startswith("R")]
    if len(returns):
        back = out.reindex("O" + returns.str.slice(1)).set_axis(returns)
        back["status"] = "refunded"
        back["discount_rate"] = 0.0
        out = pd.concat([out, back])
        out.loc["O" + returns.str.slice(1), "status"] = "refunded"
    return out

