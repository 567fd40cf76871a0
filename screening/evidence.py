"""A review's evidence for the operator (and, quoted as untrusted data, for an LLM summary).

Evidence names members by id only: no names, emails or phones. Review text is untrusted user
content; :func:`evidence_prompt` wraps it with ``agent.llm.quote_untrusted`` so an LLM treats it as
a quotation, and nothing an LLM says about it can change a decision (decisions come only from
:func:`screening.queue.decide`, called for a person).
"""

from __future__ import annotations

from typing import Any

from memberinsight.errors import NotFoundError
from memberinsight.screening.queue import get_item


def review_evidence(ws, review_id: str) -> dict[str, Any]:
    """The review's text and context: product, member id, rating, dates, verified flag, account age."""
    with ws.analytics(read_only=True) as con:
        row = con.execute(
            "SELECT r.review_id, r.text, r.rating, r.created_at, r.verified_purchase, r.product_id, p.title, "
            "p.category, r.member_id, m.signup_date FROM reviews r LEFT JOIN products p USING (product_id) "
            "LEFT JOIN members m USING (member_id) WHERE r.review_id = ?", [review_id]).fetchone()
    if row is None:
        raise NotFoundError(f"review {review_id!r} does not exist")
    (rid, text, rating, created, verified, pid, title, category, member, signup) = row
    age = None
    if created is not None and signup is not None:
        age = (created.date() - signup).days if hasattr(created, "date") else None
    return {"review_id": rid, "text": text, "rating": int(rating), "created_at": str(created),
            "verified_purchase": bool(verified) if verified is not None else None, "product_id": pid,
            "product_title": title, "category": category, "member_id": member, "account_age_days": age}


def evidence_prompt(ws, review_id: str) -> str:
    """A prompt block summarising why a review was flagged, with the review text quoted as untrusted data.

    Only our own numbers and reason sentences are plain text; the review text (and the product
    title, which came from an import) are inside ``quote_untrusted`` blocks.
    """
    from memberinsight.untrusted import UNTRUSTED_RULE, quote_untrusted

    item = get_item(ws, review_id)
    ev = review_evidence(ws, review_id)
    reasons = "\n".join(f"- {r['text']}" for r in item.reasons) or "- (no reasons recorded)"
    return (f"{UNTRUSTED_RULE}\n\n"
            f"Review {item.review_id} (member {ev['member_id'] or 'anonymous'}, {ev['rating']} stars, "
            f"risk {item.risk:.2f}, status {item.status}).\n"
            f"Product {ev['product_id']}: {quote_untrusted(str(ev['product_title'] or ''), 'product title', 300)}\n"
            f"Why it was flagged:\n{reasons}\n"
            f"Review text:\n{quote_untrusted(ev['text'] or '', 'review text', 2000)}")
