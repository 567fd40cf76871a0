"""Personal-data helpers: which columns are PII and how to redact free text.

Member data is personal data. Nothing that reaches a prompt or a log may carry raw emails,
phone numbers or names; use :func:`redact_text` on free text and :data:`PII_COLUMNS` to drop columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

PII_COLUMNS: frozenset[str] = frozenset(
    {"email", "phone", "first_name", "last_name", "full_name", "name", "address", "street", "postcode"}
)

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# Phone-like: 7+ digits with optional separators / leading +, not part of a longer word.
PHONE_RE = re.compile(r"(?<![\w.])\+?\d[\d\s().-]{6,}\d(?![\w.])")


def redact_text(text: str, names: Iterable[str] = ()) -> str:
    """Replace emails, phone numbers and the given names in ``text`` with placeholders."""
    text = EMAIL_RE.sub("[email]", text)
    text = PHONE_RE.sub(lambda m: "[phone]" if sum(c.isdigit() for c in m.group()) >= 7 else m.group(), text)
    for name in sorted({n for n in names if n and len(n) > 1}, key=len, reverse=True):
        text = re.sub(rf"\b{re.escape(name)}\b", "[name]", text, flags=re.IGNORECASE)
    return text


def strip_pii(record: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``record`` without personal columns."""
    return {k: v for k, v in record.items() if k.lower() not in PII_COLUMNS}


def contains_pii(text: str, names: Iterable[str] = ()) -> bool:
    """True when ``text`` holds an email, a phone number or one of ``names``."""
    return redact_text(text, names) != text
