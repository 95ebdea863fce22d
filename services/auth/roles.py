"""The five users of SPEC §1 that hold tokens, and who a request speaks for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

RoleName = Literal["cooperative", "farm", "mdsc", "buyer", "arbitrator"]
ROLES: tuple[str, ...] = get_args(RoleName)

SUBJECT = {
    "cooperative": "the cooperative id (as farms' CooperativeLinked names it)",
    "farm": "the farm id",
    "mdsc": "the staff member or auditor",
    "buyer": "the participating buyer id (as BuyerLinked names it)",
    "arbitrator": "the arbitrator id (appeals are assigned with `dignity token assign`)",
}


@dataclass(frozen=True, slots=True)
class Principal:
    """The role and id a token was issued for: every request speaks for exactly one."""

    role: str
    subject: str
    token_id: str = ""
    csrf: str = ""
    """The CSRF token for the dashboard's forms, when the request came with the dashboard cookie."""

    @property
    def actor(self) -> dict[str, str]:
        """The `actor` of the events this principal posts."""
        return {"role": self.role, "id": self.subject}
