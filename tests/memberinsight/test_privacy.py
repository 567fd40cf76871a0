from __future__ import annotations

from memberinsight.privacy import contains_pii, redact_text, strip_pii


def test_redacts_emails_phones_and_names() -> None:
    text = "Write to Jane Doe at jane.doe@example.com or +44 7700 900123 about order 12345."
    out = redact_text(text, names=["Jane", "Doe"])
    assert "jane.doe@example.com" not in out and "7700" not in out
    assert "Jane" not in out and "Doe" not in out
    assert "[email]" in out and "[phone]" in out and "[name]" in out
    assert "12345" in out  # order numbers are not phone numbers


def test_prices_dates_and_percentages_survive() -> None:
    text = "Save 15% on orders over £49.99 until 2026-10-31."
    assert redact_text(text) == text
    assert not contains_pii(text)


def test_strip_pii_drops_personal_columns() -> None:
    row = {"member_id": "M1", "email": "a@b.co", "phone": "123", "first_name": "A", "city": "Leeds"}
    assert strip_pii(row) == {"member_id": "M1", "city": "Leeds"}
