"""The pure policy (issue 5): who may post which event types for which farm, who may read which farm or
buyer, who may unseal. Every role is tried on an allowed and a refused case."""

from __future__ import annotations

import pytest

from services.auth import policy
from services.auth.roles import ROLES, Principal
from services.auth.scope import FarmScope

FARM = FarmScope("farm-1", True, frozenset({"coop-1"}), frozenset({"buyer-1"}),
                 frozenset({("arb-1", "ap-1")}))
OTHER = FarmScope("farm-2", True, frozenset({"coop-2"}), frozenset({"buyer-2"}), frozenset({("arb-2", "ap-9")}))
WHO = {
    "mdsc": Principal("mdsc", "alice"), "farm": Principal("farm", "farm-1"),
    "cooperative": Principal("cooperative", "coop-1"), "buyer": Principal("buyer", "buyer-1"),
    "arbitrator": Principal("arbitrator", "arb-1"),
}
CAN_READ = {
    "history": {"mdsc", "farm"}, "deadlines": {"mdsc", "farm"}, "findings": {"mdsc", "farm"},
    "passthrough": {"mdsc", "farm"}, "dashboard": {"mdsc", "farm"}, "appeals": {"mdsc", "farm", "arbitrator"},
    "standing": set(ROLES),
}


@pytest.mark.parametrize("what", sorted(CAN_READ))
@pytest.mark.parametrize("role", ROLES)
def test_each_role_reads_only_what_it_may_of_its_own_farms(role: str, what: str) -> None:
    who = WHO[role]
    assert bool(policy.may_read(who, what, FARM)) == (role in CAN_READ[what])
    # a farm that is not linked to the principal: only MDSC reads it
    assert bool(policy.may_read(who, what, OTHER)) == (role == "mdsc")


def test_an_unknown_resource_is_refused_to_everyone() -> None:
    assert not any(policy.may_read(w, "payroll-secrets", FARM) for w in WHO.values())


def test_a_farm_token_never_reads_another_farm() -> None:
    neighbour = FarmScope("farm-2", True, frozenset({"coop-1"}), frozenset({"buyer-1"}))
    refusal = policy.may_read(WHO["farm"], "history", neighbour)
    assert not refusal and "farm-2" in refusal.reason


def test_a_former_buyer_keeps_reading_what_it_was_linked_to_but_not_other_farms() -> None:
    assert policy.may_read(Principal("buyer", "buyer-1"), "standing", FARM)
    assert not policy.may_read(Principal("buyer", "buyer-2"), "standing", FARM)


def test_notifications_are_the_buyers_own_and_mdscs() -> None:
    assert policy.may_read_buyer(WHO["buyer"], "buyer-1")
    assert not policy.may_read_buyer(WHO["buyer"], "buyer-2")
    assert policy.may_read_buyer(WHO["mdsc"], "buyer-2")
    for role in ("farm", "cooperative", "arbitrator"):
        assert not policy.may_read_buyer(Principal(role, "buyer-1"), "buyer-1")


@pytest.mark.parametrize("role", ROLES)
def test_only_mdsc_unseals_and_administers(role: str) -> None:
    assert bool(policy.may_unseal(WHO[role])) == (role == "mdsc")
    assert bool(policy.may_administer(WHO[role])) == (role == "mdsc")
    assert bool(policy.may_read_all(WHO[role])) == (role == "mdsc")


def test_arbitrators_see_only_their_appeals() -> None:
    assert policy.visible_appeals(WHO["arbitrator"], FARM) == {"ap-1"}
    assert policy.visible_appeals(Principal("arbitrator", "arb-2"), FARM) == set()
    assert policy.visible_appeals(WHO["mdsc"], FARM) is None


# -- posting --------------------------------------------------------------------------------------------
ALLOWED = [
    ("cooperative", "PremiumRemitted", {"payor_id": "coop-1"}),
    ("farm", "PayrollLineRecorded", {}),
    ("farm", "WorkerHired", {}),
    ("farm", "AppealFiled", {}),
    ("farm", "ComplaintReceived", {"received_by": "farm"}),
    ("arbitrator", "HearingHeld", {"appeal_id": "ap-1"}),
    ("arbitrator", "AppealDecided", {"appeal_id": "ap-1"}),
    ("mdsc", "ViolationFound", {}),
    ("mdsc", "SuspensionNoticed", {}),
    ("mdsc", "ComplaintReceived", {"received_by": "worker_org"}),
]
REFUSED = [
    ("cooperative", "PayrollLineRecorded", {}, "type"),
    ("farm", "PremiumRemitted", {}, "type"),
    ("farm", "ViolationFound", {}, "type"),
    ("farm", "SuspensionNoticed", {}, "type"),
    ("farm", "ComplaintReceived", {"received_by": "mdsc"}, "data.received_by"),
    ("buyer", "BuyerLinked", {}, "type"),
    ("buyer", "PremiumRemitted", {}, "type"),
    ("arbitrator", "HearingHeld", {"appeal_id": "ap-2"}, "data.appeal_id"),
    ("arbitrator", "CapAgreed", {"appeal_id": "ap-1"}, "type"),
]


@pytest.mark.parametrize(("role", "event_type", "data"), ALLOWED)
def test_each_role_posts_its_own_event_types_for_its_farms(role: str, event_type: str, data: dict[str, str]) -> None:
    assert policy.may_post(WHO[role], event_type, FARM, data)


@pytest.mark.parametrize(("role", "event_type", "data", "field"), REFUSED)
def test_each_role_is_refused_other_event_types(role: str, event_type: str, data: dict[str, str],
                                                field: str) -> None:
    refusal = policy.may_post(WHO[role], event_type, FARM, data)
    assert not refusal and refusal.field == field and refusal.reason


@pytest.mark.parametrize(("role", "event_type", "data"), [a for a in ALLOWED if a[0] != "mdsc"])
def test_nobody_but_mdsc_posts_for_a_farm_not_linked_to_it(role: str, event_type: str, data: dict[str, str]) -> None:
    refusal = policy.may_post(WHO[role], event_type, OTHER, data)
    assert not refusal and refusal.field in ("farm_id", "data.appeal_id")
    assert policy.may_post(WHO["mdsc"], event_type, OTHER, data)


def test_co4_confidential_complainant_is_withheld_from_farm_buyer_and_cooperative() -> None:
    body = {"type": "ComplaintReceived", "data": {"complaint_id": "c-1", "confidential": True,
                                                  "complainant": {"person_id": "p-1", "sealed": "xyz"}}}
    for role in ("farm", "buyer", "cooperative"):
        assert policy.visible(Principal(role, "x"), body)["data"]["complainant"] is None
    assert policy.visible(WHO["mdsc"], body)["data"]["complainant"] == {"person_id": "p-1", "sealed": "xyz"}
    open_complaint = {**body, "data": {**body["data"], "confidential": False}}
    assert policy.visible(WHO["farm"], open_complaint)["data"]["complainant"]["person_id"] == "p-1"


def test_sse_feed_carries_standing_of_readable_farms_and_a_buyers_own_notifications() -> None:
    assert policy.sees_feed(WHO["buyer"], "BuyerNotified", "buyer-1", FARM)
    assert not policy.sees_feed(WHO["buyer"], "BuyerNotified", "buyer-2", FARM)
    assert not policy.sees_feed(WHO["buyer"], "StandingChanged", None, FARM)  # told through its notifications
    assert policy.sees_feed(WHO["cooperative"], "StandingChanged", None, FARM)
    assert policy.sees_feed(WHO["farm"], "StandingChanged", None, FARM)
    assert not policy.sees_feed(WHO["farm"], "StandingChanged", None, OTHER)
    assert not policy.sees_feed(WHO["farm"], "BuyerNotified", "buyer-1", FARM)
    assert policy.sees_feed(WHO["mdsc"], "BuyerNotified", "buyer-2", OTHER)
