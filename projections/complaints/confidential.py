"""CO-4: a confidential complainant's identity is never shown to farm or buyer roles (App. C II.1).

Applied to every event body before it leaves the ledger for a reader of that role (history, web pages,
topics for buyers). Only MDSC roles may unseal; to the others even the sealed blob and its person id are
withheld for a confidential complaint, since a stable person id is itself an identifier.
"""

from __future__ import annotations

from typing import Any

HIDDEN_FROM = frozenset({"farm", "buyer", "cooperative"})


def may_hide(event_type: object, role: str) -> bool:
    """Whether `visible_body` may withhold something of an event of this type from this role."""
    return event_type == "ComplaintReceived" and role in HIDDEN_FROM


def visible_body(body: dict[str, Any], role: str) -> dict[str, Any]:
    """The event as a reader of `role` may see it."""
    data = body.get("data") or {}
    if not may_hide(body.get("type"), role) or not data.get("confidential"):
        return body
    return {**body, "data": {**data, "complainant": None}}


def may_unseal(role: str) -> bool:
    """Personal data is unsealed for MDSC roles only (SPEC §2)."""
    return role == "mdsc"
