"""Catalogue tools: semantic product search and recommendations for a member."""

from __future__ import annotations

from memberinsight.agent.registry import FreeText
from memberinsight.agent.tools._common import as_frame, backend, markdown_table
from memberinsight.agent.types import ToolContext, ToolResult


def product_search(ctx: ToolContext, query: FreeText, k: int = 10) -> ToolResult:
    """Search the product catalogue by meaning (not just keywords).

    Args:
        query: what to look for, in plain words.
        k: how many products to return.

    Examples:
        find products for hiking in the rain
        search for a gift for a coffee lover
        do we have anything for keeping plants watered
        products similar to a leather dog lead
        look up items for a beach holiday
        which products help with sleep
        what can I offer someone who bakes bread
        show products like a kids' wooden train set
        find lightweight camping gear
        anything for a cosy living room
        search catalogue for eco-friendly kitchen tools
        items for a new puppy
        what do we sell that helps new parents
        which of our products suit a marathon runner
        anything available for a rainy day walk
    """
    hits = as_frame(backend("memberinsight.retrieval", "search_products", "Product search")(ctx.ws, query, k=k, settings=ctx.settings))
    if hits.empty:
        return ToolResult(f"No products match “{query}”.", table=hits)
    return ToolResult(f"**Products for “{query}”**\n\n{markdown_table(hits, k)}", table=hits)


def recommend_for_member(ctx: ToolContext, member_id: str, k: int = 5) -> ToolResult:
    """Recommend products for one member, based on what they and similar members bought.

    Args:
        member_id: the member's id.
        k: how many products to recommend.

    Examples:
        recommend products for member 10234
        what should customer 55501 buy next
        suggestions for M000777
        which products fit member 20001
        personalised picks for customer 31415
        next best offer for member 27182
        what to show 16180 in the newsletter
        five recommendations for customer 14142
        items member 17320 would probably like
        upsell options for 99999
    """
    recs = as_frame(backend("memberinsight.retrieval", "recommend_for_member", "Recommendations")(
        ctx.ws, member_id, k=k, settings=ctx.settings))
    if recs.empty:
        return ToolResult(f"No recommendations for member {member_id} (not enough history).", table=recs,
                          subject={"member_id": member_id})
    return ToolResult(f"**Recommended for member {member_id}**\n\n{markdown_table(recs, k)}", table=recs,
                      subject={"member_id": member_id})
