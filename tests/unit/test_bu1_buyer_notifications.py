"""BU-1: every standing change reaches each buyer linked to the farm on that date, in order per farm, with
a stable id; AU-8 probation says "arrange alternative supply"; stays and appeal outcomes are told too."""

from __future__ import annotations

from services.ledger import queries
from services.ledger.embedded import EmbeddedLedger
from tests.unit.test_su_common import Farm


def told(farm: Farm, buyer: str) -> list[tuple[str, str, str]]:
    return [(n["kind"], n["standing"], n["effective_on"]) for n in queries.notifications(farm.ledger.engine, buyer)
            if n["farm_id"] == farm.id]


def link(farm: Farm, buyer: str, since: str) -> None:
    farm.post("BuyerLinked", since, {"buyer_id": buyer, "since": since})


def test_bu1_only_buyers_linked_on_the_date_are_told(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    link(farm, "b-linked", "2025-01-06")
    link(farm, "b-gone", "2025-01-06")
    farm.post("BuyerUnlinked", "2025-02-01", {"buyer_id": "b-gone", "on": "2025-02-01"})
    link(farm, "b-later", "2025-03-01")
    farm.suspend("s-1", "2025-02-03")
    assert told(farm, "b-linked") == [("suspension", "suspended", "2025-02-03")]
    assert told(farm, "b-gone") == []
    assert told(farm, "b-later") == []


def test_bu1_stay_and_appeal_outcome_in_order(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    link(farm, "b-1", "2025-01-06")
    farm.suspend("s-1", "2025-03-05")
    farm.appeal("ap-1", "suspension", "s-1", "2025-03-07")
    farm.decide("ap-1", "2025-04-01", "upheld")
    assert told(farm, "b-1") == [("suspension", "suspended", "2025-03-05"),
                                 ("suspension_stayed", "good_standing", "2025-03-07"),
                                 ("appeal_upheld", "suspended", "2025-04-01")]
    other = Farm(ledger, "farm-2", "o-2")
    link(other, "b-1", "2025-01-06")
    other.suspend("s-1", "2025-03-05")
    other.appeal("ap-1", "suspension", "s-1", "2025-03-07")
    other.decide("ap-1", "2025-04-01", "overturned")
    assert [k for k, _, _ in told(other, "b-1")] == ["suspension", "suspension_stayed", "appeal_overturned"]


def test_bu1_au8_probation_says_arrange_alternative_supply(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    link(farm, "b-1", "2025-01-06")
    farm.audit("r-1", "2025-03-03", "remedial", "fail", cap_id="cap-1")
    farm.post("InvestigationImpeded", "2025-06-02", {"complaint_id": "c-1", "on": "2025-06-02"})
    kinds = [k for k, _, _ in told(farm, "b-1")]
    assert "arrange alternative supply" in kinds[0]
    assert kinds[1:] == []  # still on probation under AU-8: the CO-3 ground changes nothing to tell
    farm.audit("r-2", "2025-03-20", "remedial", "pass", cap_id="cap-1")  # recorded late, dated earlier
    assert told(farm, "b-1")[1:] == [("probation_ended", "good_standing", "2025-03-20"),
                                     ("probation", "probation", "2025-06-02")]
    other = Farm(ledger, "farm-2", "o-2")
    link(other, "b-1", "2025-01-06")
    other.post("InvestigationImpeded", "2025-03-03", {"complaint_id": "c-1", "on": "2025-03-03"})
    assert told(other, "b-1") == [("probation", "probation", "2025-03-03")]  # no alternative supply


def test_bu1_ids_are_stable_and_delivered_once(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    link(farm, "b-1", "2025-01-06")
    link(farm, "b-2", "2025-01-06")
    farm.suspend("s-1", "2025-02-03")
    farm.reentry("2025-03-06")
    before = queries.notifications(ledger.engine, "b-1")
    assert len(before) == 2 and len({n["notification_id"] for n in before}) == 2
    assert {n["notification_id"] for n in before}.isdisjoint(
        n["notification_id"] for n in queries.notifications(ledger.engine, "b-2"))
    ledger.rebuild()
    assert queries.notifications(ledger.engine, "b-1") == before
    assert [d["data"]["notification_id"] for d in farm.derived("BuyerNotified")] == [d["event_id"] for d in
                                                                                       farm.derived("BuyerNotified")]
