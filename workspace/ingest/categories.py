"""A small keyword categoriser for product titles, and the non-product code rule.

Exports such as UCI Online Retail have no category column. A handful of categories from
title words is enough to make category-level analytics and copy meaningful; anything unmatched
is ``Uncategorised``. Rules are ordered: the first matching category wins (``T-LIGHT HOLDER`` is
lighting before it is decor; ``CHRISTMAS MUG`` is seasonal before it is kitchen).
"""

from __future__ import annotations

import re

import pandas as pd

UNCATEGORISED = "Uncategorised"
NON_PRODUCT = "Non-product"

_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Christmas & Seasonal", ("CHRISTMAS", "XMAS", "ADVENT", "SANTA", "REINDEER", "SNOWFLAKE", "SNOWMAN",
                              "EASTER", "HALLOWEEN", "BAUBLE", "NATIVITY", "TREE DECORATION")),
    ("Lighting & Candles", ("T-LIGHT", "TLIGHT", "LANTERN", "CANDLE", "LAMP", "LIGHT", "LIGHTS", "NIGHTLIGHT",
                            "CANDLEHOLDER", "INCENSE", "FAIRY LIGHT")),
    ("Kitchen & Dining", ("MUG", "CUP", "CUPS", "SAUCER", "PLATE", "BOWL", "JUG", "TEAPOT", "TEA", "COFFEE",
                          "CAKE", "CAKES", "BAKING", "KITCHEN", "SPOON", "CUTLERY", "NAPKIN", "NAPKINS",
                          "LUNCH", "JAR", "TRAY", "WINE", "COASTER", "CAKESTAND", "RECIPE", "APRON",
                          "PANTRY", "BOTTLE", "CHOPSTICKS", "OVEN", "TUMBLER", "DINNER", "CHOPPING",
                          "EGG", "PAN", "FRYING", "DISH", "FOOD", "COSY", "BEAKER", "SNACK", "BISCUIT")),
    ("Stationery & Gift Wrap", ("CARD", "CARDS", "WRAP", "PAPER", "NOTEBOOK", "PEN", "PENS", "PENCIL",
                                "PENCILS", "STICKER", "STICKERS", "RIBBON", "RIBBONS", "TAPE", "ENVELOPE",
                                "ENVELOPES", "CALENDAR", "JOURNAL", "TAG", "TAGS", "NOTEPAD", "ERASER",
                                "DIARY", "BOOK", "CHALK", "GIFT", "PARTY", "TISSUE", "TISSUES")),
    ("Toys & Games", ("TOY", "TOYS", "GAME", "GAMES", "DOLL", "DOLLY", "PUZZLE", "JIGSAW", "BALLOON",
                      "BALLOONS", "SPACEBOY", "PLAYHOUSE", "TEDDY", "SKIPPING", "DOMINOES", "SOLDIER",
                      "MONEY BOX", "KIT", "SKITTLES", "SPINNING TOP", "CRAYONS", "CHILDRENS")),
    ("Garden & Outdoor", ("GARDEN", "PLANT", "PLANTER", "WATERING", "BIRD", "BIRDHOUSE", "FLOWER POT",
                          "PICNIC", "PARASOL", "UMBRELLA", "HAMMOCK", "SEEDS", "OUTDOOR", "SPADE", "TROWEL")),
    ("Jewellery & Accessories", ("NECKLACE", "NECKLAC", "BRACELET", "EARRINGS", "RING", "RINGS", "HAIR",
                                 "CLIP", "CLIPS", "BROOCH", "JEWEL", "JEWELLERY", "CHARM", "SCARF", "HAT",
                                 "GLOVES", "SUNGLASSES", "KEYRING", "KEY RING", "PURSE", "WALLET", "HANDBAG", "PASSPORT",
                                 "WARMER")),
    ("Bags & Storage", ("BAG", "BAGS", "BOX", "BOXES", "STORAGE", "BASKET", "TIN", "TINS", "CASE",
                        "HOLDER", "DRAWER", "CRATE", "HAMPER", "SHOPPER", "TOTE", "JARS", "WASHBAG", "BIN", "CABINET")),
    ("Home Decor", ("FRAME", "CLOCK", "SIGN", "MIRROR", "CUSHION", "DOORSTOP", "HEART", "DECORATION",
                    "HANGING", "WREATH", "VASE", "ORNAMENT", "DOORMAT", "WALL", "PLAQUE", "KNOB", "HOOK",
                    "HOOKS", "COAT RACK", "BUNTING", "GARLAND", "THROW", "BLANKET", "QUILT", "TOWEL",
                    "SOAP", "BATH", "CHIME", "ART", "PHOTO", "DECOR", "FLOWER", "FLOWERS", "MAGNET", "TILE", "DOOR",
                    "CURTAIN", "HANGER", "LETTERS", "MOBILE", "SLATE", "STAR", "DOORSIGN")),
)
_PATTERNS = tuple((name, re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")(?:S|ES)?\b"))
                  for name, words in _RULES)

# Stock codes that are not goods: postage, manual entries, discounts, fees, samples, adjustments.
NON_PRODUCT_CODES = frozenset({
    "POST", "DOT", "M", "D", "C2", "C3", "S", "B", "CRUK", "PADS", "AMAZONFEE", "BANK CHARGES",
    "ADJUST", "ADJUST2", "TEST001", "TEST002",
})


def categorise(titles: pd.Series) -> pd.Series:
    """Category per title from keyword rules; ``Uncategorised`` when no rule matches."""
    upper = titles.fillna("").astype("str").str.upper()
    out = pd.Series(UNCATEGORISED, index=titles.index, dtype="str")
    assigned = pd.Series(False, index=titles.index)
    for name, pattern in _PATTERNS:
        hit = upper.str.contains(pattern, regex=True) & ~assigned
        out[hit] = name
        assigned |= hit
    return out


def is_product_code(codes: pd.Series) -> pd.Series:
    """False for non-product stock codes.

    Known fee/postage/adjustment codes, gift vouchers (``gift_0001_20``), test codes, and codes
    without any digit (``BANK CHARGES``), except the ``DCGS...`` party-bag codes, which are goods.
    """
    upper = codes.astype("str").str.strip().str.upper()
    no_digit = ~upper.str.contains(r"[0-9]", regex=True) & ~upper.str.startswith("DCGS")
    non = (upper.isin(NON_PRODUCT_CODES) | no_digit | upper.str.startswith("TEST")
           | upper.str.startswith("GIFT_"))
    return ~non
