"""The planted fraud patterns of :mod:`workspace.demo.fraud`: one method per pattern, one group per call."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from memberinsight.workspace.demo.fraud_fields import WELCOME_CODE, random_address, random_ip, token

BRUSH_TEMPLATES = (
    "Amazing {name}! Arrived fast and works perfectly. Five stars, highly recommend this seller!",
    "Best {name} I have bought, excellent quality for the price. Fast delivery, 5 stars!",
    "Really happy with this {name}. Great quality, quick shipping, would buy again. Recommended!",
    "Perfect {name}, exactly as described. Super fast delivery and great seller. 5/5!",
    "Excellent {name}, top quality and great value. Delivered quickly. Highly recommended!!",
)
EDITS = (("Amazing", "Fantastic"), ("fast", "quickly"), ("excellent", "superb"), ("Great", "Brilliant"),
         ("Highly", "Really"), ("quick", "speedy"), ("!", "!!"), ("5 stars", "five stars"))
FLASH_TEXTS = ("Bought it in the flash sale. {name} is decent value.", "Good {name} for the sale price.",
               "{name} does the job, happy with it.", "Nice {name}, delivery took a while though.",
               "Works as expected. Glad I got the {name} on offer.")
FIRST = ("Alex", "Sam", "Jo", "Chris", "Max", "Kim", "Lee", "Robin", "Ash", "Jamie")
LAST = ("Smith", "Brown", "Lee", "Khan", "Garcia", "Novak", "Rossi", "Dubois", "Walsh", "Okafor")
_FMT = "%Y-%m-%d %H:%M:%S"


def _edit(rng: np.random.Generator, text: str) -> str:
    for old, new in EDITS:
        if old in text and rng.random() < 0.3:
            text = text.replace(old, new, 1)
    return text


class Planter:
    """Accumulates planted rows (members, order lines, reviews) and the hidden labels."""

    def __init__(self, rng: np.random.Generator, members: pd.DataFrame, products: pd.DataFrame,
                 lines: pd.DataFrame) -> None:
        self.rng = rng
        self.base_members = members
        self.columns = list(lines.columns)
        self.members: list[list[object]] = []
        self.lines: list[list[object]] = []
        self.reviews: list[list[object]] = []
        self.review_labels: list[list[object]] = []
        self.truth: list[tuple[str, str, str, str]] = []
        self.member_columns = list(members.columns)
        self._next_member = int(members["member_id"].str.slice(1).astype(int).max()) + 1
        self._next_order = int(lines["order_id"].str.slice(1).astype(int).max()) + 1
        self._next_review = 1
        self.end = pd.Timestamp(lines["ordered_at"].max())
        price = pd.to_numeric(products["price"], errors="coerce").fillna(0.0)
        sold = lines[lines["order_id"].str.startswith("O")].groupby("product_id").size()
        self.products = products.assign(_price=price, _sold=sold.reindex(products["product_id"]).fillna(0).to_numpy())
        self.price = dict(zip(products["product_id"], price, strict=True))
        self.names = dict(zip(products["product_id"], products["title"].str.split(" - ").str[0], strict=True))
        self.used_products: set[str] = set()
        purchases = lines[lines["order_id"].str.startswith("O")]
        self.history = purchases.groupby("member_id").agg(
            orders=("order_id", "nunique"), first=("ordered_at", "min"), last=("ordered_at", "max"))
        heads = purchases.drop_duplicates("order_id").sort_values("ordered_at")
        third = heads[heads.groupby("member_id").cumcount() == 2].set_index("member_id")["ordered_at"]
        self.history["third"] = third.reindex(self.history.index)
        self.last_fields = purchases.drop_duplicates("member_id", keep="last").set_index("member_id")
        self.signup = dict(zip(members["member_id"], members["signup_date"], strict=True))
        self.city = dict(zip(members["member_id"], members["city"], strict=True))
        self.country = dict(zip(members["member_id"], members["country"], strict=True))
        self.taken: set[str] = set()

    def set_review_start(self, reviews: pd.DataFrame) -> None:
        """Continue review ids after the folder's last one."""
        if len(reviews):
            self._next_review = int(reviews["review_id"].str.slice(1).astype(int).max()) + 1

    # ----- rows ---------------------------------------------------------------
    def when(self, earliest_days: float = 330, latest_days: float = 12) -> pd.Timestamp:
        """A random moment between ``earliest_days`` and ``latest_days`` before the end of the history."""
        days = self.rng.uniform(latest_days, earliest_days)
        return (self.end - pd.Timedelta(days=days)).floor("s")

    def account(self, signup: pd.Timestamp, pattern: str, group: str) -> str:
        """A fresh account that signed up at ``signup`` (labelled as part of ``group``)."""
        n = self._next_member
        self._next_member += 1
        member_id = f"M{n:07d}"
        city_row = self.base_members.iloc[int(self.rng.integers(len(self.base_members)))]
        values = {"member_id": member_id, "email": f"shopper{n}@quickmail.example",
                  "phone": f"+44 7700 9{n % 100000:05d}", "first_name": FIRST[n % len(FIRST)],
                  "last_name": LAST[(n // 7) % len(LAST)], "signup_date": signup.strftime("%Y-%m-%d"),
                  "age_band": "25-34", "city": city_row["city"], "country": city_row["country"],
                  "channel": ("social", "affiliate", "paid_search")[n % 3]}
        self.members.append([values.get(c, "") for c in self.member_columns])
        self.city[member_id], self.country[member_id] = city_row["city"], city_row["country"]
        self.truth.append(("account", member_id, pattern, group))
        return member_id

    def order(self, member: str, at: pd.Timestamp, items: list[tuple[str, int]], ids: dict[str, str], *,
              coupon: str = "", rate: float = 0.0, status: str = "paid", method: str = "standard",
              label: tuple[str, str] | None = None) -> str:
        """One order (several lines) with its ``ids`` (ip, device, address, card); labelled when ``label`` is
        (pattern, group)."""
        order_id = f"O{self._next_order:09d}"
        self._next_order += 1
        for line_no, (product, qty) in enumerate(items, start=1):
            price = float(self.price[product])
            discount = round(qty * price * rate, 2)
            values: dict[str, Any] = {
                "order_id": order_id, "line_no": line_no, "member_id": member, "product_id": product,
                "quantity": qty, "unit_price": f"{price:.2f}", "ordered_at": at.strftime(_FMT), "is_return": "false",
                "country": self.country.get(member, ""), "channel": "web", "ip": ids["ip"], "device_id": ids["device"],
                "shipping_address": ids["address"], "payment_fingerprint": ids["card"], "coupon_code": coupon,
                "discount_amount": f"{discount:.2f}" if discount > 0 else "", "status": status,
                "shipping_method": method}
            self.lines.append([values[c] for c in self.columns])
        if label is not None:
            self.truth.append(("order", order_id, *label))
        return order_id

    def review(self, member: str, product: str, at: pd.Timestamp, rating: int, text: str,
               fake: tuple[str, str] | None) -> None:
        """One verified review; ``fake`` = (pattern, group) for planted ones."""
        review_id = f"V{self._next_review:08d}"
        self._next_review += 1
        self.reviews.append([review_id, product, member, rating, text, at.strftime(_FMT), "true"])
        self.review_labels.append([review_id, 1 if fake else 0, fake[0] if fake else "none", fake[1] if fake else ""])

    def pick_products(self, n: int, low: float, high: float, by: str = "_price") -> list[str]:
        """``n`` unused products whose ``by`` lies between the ``low`` and ``high`` quantiles."""
        col = self.products[by]
        pool = self.products[(col >= col.quantile(low)) & (col <= col.quantile(high))
                             & ~self.products["product_id"].isin(self.used_products)]
        chosen = list(self.rng.choice(pool["product_id"].to_numpy(object), size=min(n, len(pool)), replace=False))
        return [str(p) for p in chosen]

    # ----- patterns -------------------------------------------------------------
    def brushing(self, group: str) -> None:
        """Fresh, partly linked accounts buy one small product within days and post near-identical 5-star reviews."""
        rng = self.rng
        quiet = self.products[(self.products["_sold"] <= self.products["_sold"].quantile(0.4))
                              & (self.products["_price"] <= self.products["_price"].median())
                              & ~self.products["product_id"].isin(self.used_products)]
        product = str(rng.choice(quiet["product_id"].to_numpy(object)))
        self.used_products.add(product)
        start = self.when()
        devices, ips, cards = token(rng, "dev", 2), random_ip(rng, 2, first=91), token(rng, "card", 2)
        drop = random_address(rng, 1, np.array(["Leeds"], dtype=object))[0]
        template = BRUSH_TEMPLATES[int(rng.integers(len(BRUSH_TEMPLATES)))]
        for _ in range(int(rng.integers(6, 10))):
            at = (start + pd.Timedelta(hours=rng.uniform(0, 96))).floor("s")
            member = self.account((at - pd.Timedelta(hours=rng.uniform(1, 72))).floor("D"), "brushing", group)
            fields = self._linked(devices, ips, cards, drop, 0.6, 0.5, 0.5, 0.4)
            items = [(product, 1)]
            if rng.random() < 0.3:
                items.append((self.pick_products(1, 0.0, 0.2)[0], 1))
            refunded = rng.random() < 0.15
            self.order(member, at, items, fields, status="refunded" if refunded else "paid",
                       label=("brushing", group))
            text = _edit(rng, template.format(name=self.names[product]))
            self.review(member, product, (at + pd.Timedelta(hours=rng.uniform(24, 120))).floor("s"), 5, text,
                        ("brushing", group))

    def card_testing(self, group: str) -> None:
        """One device and IP, one or two fresh accounts, many cheap orders within minutes, a new card each."""
        rng = self.rng
        start = self.when()
        device, ip = token(rng, "dev", 1)[0], random_ip(rng, 1, first=185)[0]
        address = random_address(rng, 1, np.array(["London"], dtype=object))[0]
        accounts = [self.account((start - pd.Timedelta(hours=rng.uniform(0.2, 20))).floor("D"), "card_testing",
                                 group) for _ in range(1 + int(rng.random() < 0.3))]
        cheap = self.pick_products(6, 0.0, 0.15)
        minutes = np.sort(rng.uniform(0, rng.uniform(20, 90), int(rng.integers(8, 19))))
        for k, minute in enumerate(minutes):
            self.order(accounts[k % len(accounts)], (start + pd.Timedelta(minutes=float(minute))).floor("s"),
                       [(cheap[int(rng.integers(len(cheap)))], 1)],
                       {"ip": ip, "device": device, "address": address, "card": token(rng, "card", 1)[0]},
                       status="cancelled" if rng.random() < 0.7 else "paid",
                       label=("card_testing", group))

    def coupon_abuse(self, group: str) -> None:
        """Fresh accounts linked by a device, address or IP each redeem the first-order coupon."""
        rng = self.rng
        start = self.when()
        devices, ips, cards = token(rng, "dev", 2), random_ip(rng, 1, first=77), token(rng, "card", 1)
        address = random_address(rng, 1, np.array(["Manchester"], dtype=object))[0]
        for _ in range(int(rng.integers(4, 8))):
            signup = (start + pd.Timedelta(days=rng.uniform(0, 10))).floor("s")
            member = self.account(signup.floor("D"), "coupon_abuse", group)
            fields = self._linked(devices[:1 + int(rng.random() < 0.3)], ips, cards, address, 0.7, 0.5, 0.3, 0.5)
            items = [(p, 1) for p in self.pick_products(int(rng.integers(1, 4)), 0.3, 0.7)]
            at = signup + pd.Timedelta(hours=rng.uniform(0.5, 20))
            self.order(member, at.floor("s"), items, fields, coupon=WELCOME_CODE, rate=0.1,
                       label=("coupon_abuse", group))
            if rng.random() < 0.4:
                self.order(member, (at + pd.Timedelta(days=rng.uniform(2, 9))).floor("s"),
                           [(self.pick_products(1, 0.3, 0.7)[0], 1)], fields, coupon="SPRING15", rate=0.15,
                           label=("coupon_abuse", group))

    def account_takeover(self, group: str) -> None:
        """An established member suddenly orders expensive items, express, from a new device, IP and address."""
        rng = self.rng
        h = self.history
        pool = h[(h["orders"] >= 4) & ~h.index.isin(list(self.taken))
                 & (pd.to_datetime(h["third"]) < self.end - pd.Timedelta(days=30))].index.to_numpy(object)
        member = str(rng.choice(pool))
        self.taken.add(member)
        self.truth.append(("account", member, "account_takeover", group))
        start = max(pd.Timestamp(h.loc[member, "third"]) + pd.Timedelta(days=1), self.when(250, 5))
        start = min(start, self.end - pd.Timedelta(days=3))
        previous = self.last_fields.loc[member]
        card = previous["payment_fingerprint"] if rng.random() < 0.6 else token(rng, "card", 1)[0]
        fields = {"ip": random_ip(rng, 1, first=45)[0], "device": token(rng, "dev", 1)[0],
                  "address": random_address(rng, 1, np.array(["Bucharest"], dtype=object))[0], "card": card}
        for _ in range(int(rng.integers(1, 4))):
            at = (start + pd.Timedelta(hours=rng.uniform(0, 36))).floor("s")
            items = [(p, int(rng.integers(1, 4))) for p in self.pick_products(int(rng.integers(1, 3)), 0.9, 1.0)]
            self.order(member, at, items, fields, method="express",
                       status="chargeback" if rng.random() < 0.3 else "paid", label=("account_takeover", group))

    def flash_sale(self, i: int) -> None:
        """Genuine: many established members buy one popular product within days (coupon), some review it."""
        rng = self.rng
        product = self.pick_products(1, 0.7, 1.0, by="_sold")[0]
        self.used_products.add(product)
        start = self.when()
        h = self.history
        buyers = h[(h["orders"] >= 2) & (pd.to_datetime(h["first"]) < start - pd.Timedelta(days=90))].index
        for member in rng.choice(buyers.to_numpy(object), size=min(len(buyers), int(rng.integers(15, 26))),
                                 replace=False):
            last = self.last_fields.loc[member]
            at = (start + pd.Timedelta(hours=rng.uniform(0, 72))).floor("s")
            ids = {"ip": last["ip"], "device": last["device_id"], "address": last["shipping_address"],
                   "card": last["payment_fingerprint"]}
            self.order(str(member), at, [(product, 1)], ids, coupon="FLASH20", rate=0.2)
            if rng.random() < 0.4:
                text = FLASH_TEXTS[int(rng.integers(len(FLASH_TEXTS)))].format(name=self.names[product])
                self.review(str(member), product, (at + pd.Timedelta(days=rng.uniform(3, 10))).floor("s"),
                            int(rng.choice([3, 4, 4, 5, 5])), text, None)

    def _linked(self, devices: np.ndarray, ips: np.ndarray, cards: np.ndarray, address: str, p_device: float,
                p_ip: float, p_card: float, p_address: float) -> dict[str, str]:
        """One account's fields: each drawn from the group's shared pool with its probability, else its own; at
        least one of them shared (a group member is linked to the group by definition)."""
        rng = self.rng
        city = np.array(["Leeds"], dtype=object)
        shared = rng.random(4) < np.array([p_device, p_ip, p_card, p_address])
        if not shared.any():
            shared[int(rng.integers(4))] = True
        return {"device": str(rng.choice(devices)) if shared[0] else token(rng, "dev", 1)[0],
                "ip": str(rng.choice(ips)) if shared[1] else random_ip(rng, 1)[0],
                "card": str(rng.choice(cards)) if shared[2] else token(rng, "card", 1)[0],
                "address": address if shared[3] else random_address(rng, 1, city)[0]}
