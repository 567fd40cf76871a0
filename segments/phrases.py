"""More word lists for the parser: channel and segment synonyms, descriptors that need a question,
intensifiers, and the words of requests that are not segments (see :mod:`segments.refusal`).

Pure data, like :mod:`segments.lexicon`.
"""

from __future__ import annotations

from dataclasses import dataclass

# Platforms and ad networks -> the acquisition channel they belong to.
CHANNEL_SYNONYMS: dict[str, str] = {
    "instagram": "social", "insta": "social", "ig": "social", "tiktok": "social", "tik tok": "social",
    "facebook": "social", "fb": "social", "meta ads": "social", "twitter": "social", "x twitter": "social",
    "pinterest": "social", "snapchat": "social", "youtube": "social", "linkedin": "social", "reddit": "social",
    "threads": "social", "social": "social", "social network": "social", "social networks": "social",
    "influencer": "social", "influencers": "social",
    "google ads": "paid_search", "google adwords": "paid_search", "adwords": "paid_search",
    "bing ads": "paid_search", "microsoft ads": "paid_search", "sponsored search": "paid_search",
    "search ad": "paid_search", "paid google": "paid_search", "cpc": "paid_search", "sem": "paid_search",
    "google search": "organic", "organic google": "organic", "organically": "organic", "search engines": "organic",
    "word of mouth": "referral", "referral": "referral", "referral program": "referral",
    "referral scheme": "referral", "refer-a-friend": "referral", "recommended by a friend": "referral",
    "mailing list": "email", "email campaign": "email", "email campaigns": "email", "mailer": "email",
    "affiliate": "affiliate", "affiliate sites": "affiliate", "partner sites": "affiliate",
    "voucher sites": "affiliate", "cashback sites": "affiliate",
}

AD_SUFFIXES = ("ads", "ad", "adverts", "advert", "advertising", "campaign", "campaigns", "promo", "promos")

# Words about signing up, so "new joiners" and "signups" name the sign-up date.
SIGNUP_CUES: dict[str, str] = {
    "joiners": "signup_date", "new joiners": "signup_date", "new joiner": "signup_date", "signups": "signup_date",
    "sign ups": "signup_date", "sign-ups": "signup_date", "new signups": "signup_date",
    "new sign ups": "signup_date", "new members": "signup_date", "newly joined": "signup_date",
    "new registrations": "signup_date", "registrations": "signup_date", "joined us": "signup_date",
    "first time buyers": "first_order_date", "first-time buyers": "first_order_date",
    "first time customers": "first_order_date", "first-time customers": "first_order_date",
    "first time shoppers": "first_order_date", "first-time shoppers": "first_order_date",
    "been with us": "tenure_days", "with us for": "tenure_days",
    "cancelled orders": "returns", "cancellations": "returns", "cancellation": "returns",
    "cancelled order": "returns", "cancelled": "returns",
    "categories": "distinct_categories", "category count": "distinct_categories",
    "r score": "r_score", "recency score": "r_score", "f score": "f_score", "m score": "m_score",
}


@dataclass(frozen=True)
class Descriptor:
    """A word with several plausible readings. When another condition of the sentence already says
    what it means (``defined_by``: "lapsed customers: no order in 6 months") it is absorbed; otherwise
    the parser reads it as the first option and asks, offering the others."""

    defined_by: tuple[str, ...]
    options: tuple[tuple[str, str], ...]
    """(label, phrase the parser understands) pairs; the first is used until the operator chooses."""
    settled: bool = False
    """The first reading is the agreed meaning (docs/segments.md): used and said, not asked."""


_RECENCY = ("last_order_date", "orders@window", "rfm_segment", "p_alive", "r_score")
_VALUE = ("rfm_segment", "clv_tier", "predicted_clv_365d", "m_score")
DESCRIPTORS: dict[str, Descriptor] = {
    "vip": Descriptor(_VALUE, (("the Champions RFM segment", "Champions"),
                               ("the high predicted-CLV tier", "high clv tier")), settled=True),
    "whale": Descriptor(_VALUE, (("the top monetary score (m score 5)", "m score 5"),
                                 ("the high predicted-CLV tier", "high clv tier"),
                                 ("the Champions RFM segment", "Champions"))),
    "high value": Descriptor(_VALUE, (("the high predicted-CLV tier", "high clv tier"),
                                      ("the top monetary score (m score 5)", "m score 5"))),
    "big spender": Descriptor(_VALUE, (("the top monetary score (m score 5)", "m score 5"),
                                       ("the high predicted-CLV tier", "high clv tier"))),
    "lapsed": Descriptor(_RECENCY, (("the At Risk or Hibernating RFM segments", "At Risk or Hibernating"),
                                    ("no order in the last 180 days", "no order in the last 180 days"),
                                    ("no order in the last 90 days", "no order in the last 90 days"))),
    "dormant": Descriptor(_RECENCY, (("the Hibernating RFM segment", "Hibernating"),
                                     ("no order in the last 180 days", "no order in the last 180 days"))),
    "inactive": Descriptor(_RECENCY, (("no order in the last 180 days", "no order in the last 180 days"),
                                      ("the Hibernating RFM segment", "Hibernating"))),
    "churned": Descriptor(_RECENCY, (("the Lost RFM segment", "Lost"),
                                     ("no order in the last 365 days", "no order in the last 365 days"))),
    "lost": Descriptor(_RECENCY, (("the Lost RFM segment", "Lost"),
                                  ("no order in the last 365 days", "no order in the last 365 days")), settled=True),
    "active": Descriptor(_RECENCY, (("ordered in the last 90 days", "ordered in the last 90 days"),
                                    ("probability still active over 50%", "p alive over 0.5"))),
    "recent": Descriptor(_RECENCY + ("signup_date", "first_order_date"),
                         (("ordered in the last 30 days", "ordered in the last 30 days"),
                          ("signed up in the last 30 days", "signed up in the last 30 days"))),
    "new": Descriptor(("first_order_date", "signup_date", "rfm_segment", "tenure_days"),
                      (("the New RFM segment", "New"),
                       ("signed up in the last 30 days", "signed up in the last 30 days"))),
    "loyal": Descriptor(("orders", "rfm_segment", "avg_days_between_orders"),
                        (("the Loyal RFM segment", "Loyal"),)),
    "at risk": Descriptor(("rfm_segment", "churn_band", "churn_probability"),
                          (("the At Risk RFM segment", "At Risk segment"), ("high churn risk", "high churn risk"))),
}
DESCRIPTOR_PHRASES: dict[str, str] = {
    "vip": "vip", "vips": "vip", "v.i.p": "vip", "vip customers": "vip", "vip members": "vip",
    "whale": "whale", "whales": "whale", "big spenders": "big spender", "big spender": "big spender",
    "top spenders": "big spender", "high spenders": "big spender", "heavy spenders": "big spender",
    "lapsed": "lapsed", "dormant": "dormant", "inactive": "inactive", "churned": "churned", "lost": "lost",
    "active": "active", "recent": "recent", "new": "new", "loyal": "loyal",
    "high value": "high value", "high-value": "high value",
}

# Words that strengthen a level the catalogue does not have ("very high churn risk"): never dropped.
INTENSIFIERS = ("very", "extremely", "super", "ultra", "really", "highly", "exceptionally", "mega", "a lot", "lots",
                "significantly", "sharply", "massively", "hugely", "dramatically", "substantially", "greatly",
                "considerably", "a great deal", "slightly", "a little", "a bit", "somewhat", "marginally")

# "usually reorder within 30 days": a habit, read from the average days between orders.
HABIT_WORDS = ("usually", "typically", "normally", "generally", "tend to", "tends to", "regularly")
# "the same period" / "same window": the time window of the previous condition.
SAME_WINDOW: tuple[str, ...] = ("same period", "the same period", "same window", "the same window", "same time frame",
               "same timeframe", "that period", "the same time", "same time", "same quarter", "the same quarter",
               "that quarter", "same month", "the same month", "that month", "same year", "the same year",
               "that year", "same week", "the same week", "that week", "that same period", "those days",
               "that time", "that window", "same timespan", "the same timespan", "same span", "that day",
               "on that day", "the same day", "same day", "on the day", "that weekend", "the same weekend",
               "those dates", "that date", "in that period", "that same day")
_WINDOW_NOUNS = ("period", "window", "stretch", "span", "spell", "time frame", "timeframe", "timespan", "range",
                 "interval", "dates", "days", "weeks", "months", "quarter", "month", "week", "year", "weekend", "day",
                 "date", "time", "run")
_WINDOW_DETERMINERS = ("that", "that same", "the same", "this same", "those", "those same", "these same")
SAME_WINDOW = tuple(dict.fromkeys(SAME_WINDOW + tuple(
    f"{det} {noun}" for det in _WINDOW_DETERMINERS for noun in _WINDOW_NOUNS) + (
    "on the day itself", "that day itself", "the day itself", "on the day", "in the same period",
    "over the same period", "over that period", "during that period", "during that time", "in that time")))
# "spent under 20 there", "spent over 50 on it": the previous condition's product categories and period.
REFERENCES = ("there", "in there", "on it", "on them", "on those", "on these", "on that", "of it", "of that",
              "of them", "in it", "from it", "from there", "on those items", "on that category", "in that category",
              "on those products", "on that stuff", "on the same category", "in the same category", "on the same",
              "on those categories", "in those categories", "on that range", "in that range")
# "spent over 100 per order": the spend of one order on average (average order value).
PER_ORDER = ("per order", "per purchase", "per basket", "per transaction", "each order", "per visit",
             "an order on average", "per order on average", "a basket")
# "already passed": a date before the data's last date.
PASSED = ("already passed", "has passed", "have passed", "passed", "in the past", "gone by", "is past",
          "already past")
# Words that say how far a condition reaches ("both in the last 180 days", "each of Q1 and Q2", "every
# quarter"): content words, never dropped; a rule must use them, else the parser asks.
SCOPE_WORDS = ("both", "each", "every", "both of", "each of", "both of them", "each of them", "all of them",
               "all three")
# "bought Home in Q4 and again in Q1": the previous condition again, in another window.
AGAIN_WORDS = ("again", "once again", "once more", "as well")
