"""Who may post which events for which farm, who may read which farm or buyer, who may unseal.

Pure functions of a `Principal`, a `FarmScope` and the event: no I/O, so each role's rights are tested
one by one. Reads answer 403 for a farm the principal is not linked to, whether or not the farm exists,
so a token never learns of farms that are not its own. CO-4 and unsealing are the complaints rules'
(`projections/complaints/confidential.py`); this module applies them per principal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from projections.complaints import confidential
from services.auth.roles import Principal
from services.auth.scope import FarmScope


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str = ""
    field: str | None = None

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Decision(True)


def deny(reason: str, field: str | None = None) -> Decision:
    return Decision(False, reason, field)


# -- reading ---------------------------------------------------------------------------------------------

READERS: Mapping[str, frozenset[str]] = {
    "history": frozenset({"mdsc", "farm"}),
    "deadlines": frozenset({"mdsc", "farm"}),
    "findings": frozenset({"mdsc", "farm"}),
    "passthrough": frozenset({"mdsc", "farm"}),
    "dashboard": frozenset({"mdsc", "farm"}),
    "appeals": frozenset({"mdsc", "farm", "arbitrator"}),
    "standing": frozenset({"mdsc", "farm", "cooperative", "buyer", "arbitrator"}),
    "risk": frozenset({"mdsc", "farm", "buyer"}),
}
"""What each role may read of a farm it is linked to (SPEC §1, issue 5)."""


def linked(principal: Principal, scope: FarmScope) -> bool:
    """Is the farm one of the principal's: its own, linked to it, or party to an appeal it hears."""
    match principal.role:
        case "mdsc":
            return True
        case "farm":
            return principal.subject == scope.farm_id
        case "cooperative":
            return principal.subject in scope.cooperatives
        case "buyer":
            return principal.subject in scope.buyers
        case "arbitrator":
            return any(a == principal.subject for a, _ in scope.assignments)
    return False


def may_read(principal: Principal, what: str, scope: FarmScope) -> Decision:
    if principal.role not in READERS.get(what, frozenset()):
        return deny(f"a {principal.role} token may not read {what}")
    if not linked(principal, scope):
        return deny(f"farm {scope.farm_id!r} is not linked to {principal.role} {principal.subject!r}")
    return ALLOW


def may_read_all(principal: Principal) -> bool:
    """Program-wide answers (every farm's deadlines, every buyer's notifications) are MDSC's."""
    return principal.role == "mdsc"


def may_read_buyer(principal: Principal, buyer_id: str) -> Decision:
    if principal.role == "mdsc" or (principal.role == "buyer" and principal.subject == buyer_id):
        return ALLOW
    return deny(f"notifications of buyer {buyer_id!r} are that buyer's and MDSC's only")


def visible_appeals(principal: Principal, scope: FarmScope) -> frozenset[str] | None:
    """The appeal ids of the farm this principal may see (None: all of them)."""
    if principal.role == "arbitrator":
        return frozenset(appeal for a, appeal in scope.assignments if a == principal.subject)
    return None


def rewrites(principal: Principal, event_type: object) -> bool:
    """Whether `visible` may change an event of this type for this principal: the others it gives as they
    are, so a reader may pass their encoded bodies on without decoding them. A type not known (a row that does
    not say) may be rewritten: the reader decodes it and `visible` looks at the body itself."""
    if not isinstance(event_type, str):
        return True
    return (event_type == "RecruiterReviewed" and principal.role != "mdsc") or confidential.may_hide(
        event_type, principal.role)


def visible(principal: Principal, body: dict[str, Any]) -> dict[str, Any]:
    """An event as this principal may see it (CO-4: no confidential complainant for farm or buyer roles;
    RR-4: a worker's review of a recruiter is MDSC's, others see aggregates only)."""
    if not rewrites(principal, body.get("type")):
        return body
    if body.get("type") == "RecruiterReviewed":
        data = body.get("data") or {}
        return {**body, "data": {"review_id": data.get("review_id"), "contractor_id": data.get("contractor_id")}}
    return confidential.visible_body(body, principal.role)


def may_unseal(principal: Principal) -> Decision:
    if confidential.may_unseal(principal.role):
        return ALLOW
    return deny("only MDSC may unseal personal data")


def may_administer(principal: Principal) -> Decision:
    """Assigning appeals to arbitrators, forgetting a person: MDSC's acts."""
    return ALLOW if principal.role == "mdsc" else deny("only MDSC may do this")


def sees_feed(principal: Principal, kind: str, buyer_id: str | None, scope: FarmScope) -> bool:
    """Which derived events a principal's server-sent-event stream carries: a buyer its own notifications
    (the standing changes of its farms while linked, BU-1); the others the standing changes of the farms
    whose standing they may read; MDSC everything."""
    if kind == "BuyerNotified":
        return bool(may_read_buyer(principal, buyer_id or ""))
    return principal.role != "buyer" and bool(may_read(principal, "standing", scope))


# -- posting ---------------------------------------------------------------------------------------------

POSTERS: Mapping[str, frozenset[str]] = {
    "cooperative": frozenset({"PremiumRemitted", "MilkPurchased"}),
    "farm": frozenset({
        "PayrollLineRecorded", "WorkerHired", "WorkerSeparated", "PersonnelHired", "PremiumReportSubmitted",
        "ComplaintReceived", "ComplaintReportedToMDSC", "OffenderTerminated", "CapAgreed", "CapActionCompleted",
        "ResolutionAgreed", "AppealFiled", "ArbitrationReimbursed", "HandbookDistributed", "RecruitmentFeeReimbursed",
    }),
    "arbitrator": frozenset({"ArbitratorAvailabilityNoticed", "HearingHeld", "AppealDecided", "ArbitrationInvoiced"}),
    "buyer": frozenset(),
}
"""Event types each role may post; MDSC may post every type a sender may post (SPEC §1: MDSC records
complaints, audits, violations, CAPs, CRs, suspensions, appeals and the program's reference data)."""


def may_post(principal: Principal, event_type: str, scope: FarmScope, data: Mapping[str, Any]) -> Decision:
    if principal.role == "mdsc":
        return ALLOW
    if event_type not in POSTERS.get(principal.role, frozenset()):
        return deny(f"a {principal.role} token may not post {event_type}", "type")
    match principal.role:
        case "farm" if principal.subject != scope.farm_id:
            return deny(f"a farm token posts for its own farm ({principal.subject!r}) only", "farm_id")
        case "farm" if event_type == "ComplaintReceived" and data.get("received_by") != "farm":
            return deny("a farm records the complaints the farm received (received_by: farm)", "data.received_by")
        case "cooperative" if event_type == "PremiumRemitted" and data.get("payor_id") != principal.subject:
            return deny(f"a cooperative token posts remittances it paid: payor_id must be {principal.subject!r}",
                        "data.payor_id")
        case "cooperative" if event_type == "MilkPurchased" and data.get("via") not in (None, principal.subject):
            return deny(f"a cooperative token posts the milk that went through it: via must be {principal.subject!r}",
                        "data.via")
        case "cooperative" if principal.subject not in scope.cooperatives:
            return deny(f"farm {scope.farm_id!r} is not linked to cooperative {principal.subject!r}", "farm_id")
        case "arbitrator" if (principal.subject, str(data.get("appeal_id"))) not in scope.assignments:
            return deny(f"appeal {data.get('appeal_id')!r} of farm {scope.farm_id!r} is not assigned to "
                        f"arbitrator {principal.subject!r}", "data.appeal_id")
    return ALLOW
