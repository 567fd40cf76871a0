"""Shared set-up for the campaign tests: accounts and a campaign walked up to a chosen state."""

from __future__ import annotations

from typing import Any

from memberinsight.governance.campaigns import (
    approve_campaign,
    create_campaign,
    export_campaign,
    submit_campaign,
)
from memberinsight.workspace.users import add_user

SEGMENT = "Champions"
"""An RFM segment of the built demo workspace (a few hundred members)."""


def add_accounts(ws: Any) -> None:
    """alice and bob are admins (may approve), olivia an operator (may not)."""
    add_user(ws, "alice", "password-1", role="admin")
    add_user(ws, "bob", "password-1", role="admin")
    add_user(ws, "olivia", "password-1", role="operator")


def campaign_in(ws: Any, state: str, *, holdout_pct: float = 0.0, author: str = "alice",
                approver: str = "bob") -> Any:
    """A new campaign on :data:`SEGMENT` by ``author``, taken to ``state`` (approved/exported by ``approver``)."""
    c = create_campaign(ws, actor=author, name="Thank our champions", segment=SEGMENT, channel="email",
                        offer="15% off the next order", variants=("Thanks, {first_name}",), holdout_pct=holdout_pct)
    if state == "draft":
        return c
    c = submit_campaign(ws, c.campaign_id, actor=author, version=c.version)
    if state == "in_review":
        return c
    c = approve_campaign(ws, c.campaign_id, actor=approver, version=c.version)
    if state == "approved":
        return c
    export_campaign(ws, c.campaign_id, actor=approver, reason="spring thank-you send")
    return c
