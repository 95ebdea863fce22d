"""SU-2 whichever comes first: a farm whose enrolment is applied after its sibling's suspension still gets the
cascade (from the `cascades` directory, when its `FarmEnrolled` is applied), with the same event a sibling
enrolled earlier gets. A farm enrolled during the owner's suspension is suspended for the rest of the period
(Part 7 ¶2, App. C III: "all Participating Farms belonging to ... that owner"); one enrolled after the
period gets nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from services.ledger import queries
from services.ledger.embedded import EmbeddedLedger
from services.store.schema import events
from tests.conftest import event, post
from tests.unit.test_su_common import Farm, at


def enrol_with_buyer(ledger: EmbeddedLedger, farm: str, owner: str, on: str, buyer: str = "b-1") -> Farm:
    """Enrolment and the buyer link in one ingest, as an enrolment form would post them."""
    report = post(ledger, event("FarmEnrolled", farm, at(on), {
        "owner_id": owner, "name": farm, "jurisdiction": "VT", "enrolled_on": on, "time_zone": "America/New_York"}),
        event("BuyerLinked", farm, at(on), {"buyer_id": buyer, "since": on}))
    assert report.accepted == 2, report.as_json()
    made = Farm.__new__(Farm)
    made.ledger, made.id = ledger, farm
    return made


def told(ledger: EmbeddedLedger, farm: str, buyer: str = "b-1") -> list[tuple[str, str, str]]:
    return [(n["kind"], n["standing"], n["effective_on"]) for n in queries.notifications(ledger.engine, buyer)
            if n["farm_id"] == farm]


def logged(ledger: EmbeddedLedger, farm: str, type_: str) -> list[str]:
    with ledger.engine.connect() as conn:
        return list(conn.execute(select(events.c.event_id).where(events.c.farm_id == farm, events.c.type == type_)))


def test_su2_a_farm_enrolled_during_the_owners_suspension_is_suspended_for_the_rest_of_the_period(
    ledger: EmbeddedLedger,
) -> None:
    origin = Farm(ledger, "farm-a", "owner-1")
    origin.violation("v-1", "2025-02-03", "I", "a")  # AU-3: suspended 2025-02-03 .. 2025-03-05
    sibling = enrol_with_buyer(ledger, "farm-b", "owner-1", "2025-02-10")  # applied after the suspension
    stranger = enrol_with_buyer(ledger, "farm-c", "owner-2", "2025-02-10")

    [notice] = sibling.derived("SuspensionNoticed")
    assert (notice["data"]["cascade_of"], notice["data"]["until"]) == ("farm-a", "2025-03-05")
    assert len(logged(ledger, "farm-b", "SuspensionNoticed")) == 1  # a fact of its stream: on the log
    answer = sibling.standing("2025-02-10")
    assert (answer["standing"], answer["since"], answer["suspended_until"], answer["suspension_count"]) == (
        "suspended", "2025-02-10", "2025-03-05", 1)
    assert told(ledger, "farm-b") == [("suspension", "suspended", "2025-02-10")]
    assert sibling.is_("2025-03-10") == "suspended"  # served, but its own reentry audit is still needed
    sibling.reentry("2025-03-10")
    assert sibling.is_("2025-03-10") == "good_standing"
    assert stranger.is_("2025-02-10") == "good_standing" and stranger.derived("SuspensionNoticed") == []


def test_su2_a_farm_enrolled_after_the_period_is_not_suspended(ledger: EmbeddedLedger) -> None:
    origin = Farm(ledger, "farm-a", "owner-1")
    origin.violation("v-1", "2025-02-03", "I", "a")  # period ends 2025-03-05; no reentry audit yet
    late = enrol_with_buyer(ledger, "farm-d", "owner-1", "2025-03-06")
    assert origin.is_("2025-03-06") == "suspended"  # the origin still waits for its reentry audit
    assert late.is_("2025-03-06") == "good_standing"
    assert late.derived("SuspensionNoticed") == [] and late.derived("StandingChanged") == []
    assert told(ledger, "farm-d") == []


def test_su2_a_farm_enrolled_during_a_stay_is_stayed_and_follows_the_outcome(ledger: EmbeddedLedger) -> None:
    origin = Farm(ledger, "farm-a", "owner-1")
    origin.suspend("s-1", "2025-03-05")
    origin.appeal("ap-1", "suspension", "s-1", "2025-03-07")
    sibling = enrol_with_buyer(ledger, "farm-b", "owner-1", "2025-03-10")
    answer = sibling.standing("2025-03-10")
    assert (answer["standing"], answer["stayed"], answer["suspension_count"]) == ("good_standing", True, 0)
    origin.decide("ap-1", "2025-04-01", "upheld")
    after = sibling.standing("2025-04-01")
    assert (after["standing"], after["since"], after["suspension_count"]) == ("suspended", "2025-04-01", 1)
    assert told(ledger, "farm-b") == [("suspension_stayed", "good_standing", "2025-03-10"),
                                      ("appeal_upheld", "suspended", "2025-04-01")]


def test_su2_the_sibling_gets_the_same_notice_whichever_is_applied_first(ledger: EmbeddedLedger,
                                                                        tmp_path: Path) -> None:
    """Enrolled on 2025-01-20 in both ledgers; recorded before the suspension in one, after it in the other."""
    other = EmbeddedLedger(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        enrol_first, suspend_first = ledger, other
        a = Farm(enrol_first, "farm-a", "owner-1")
        enrol_with_buyer(enrol_first, "farm-b", "owner-1", "2025-01-20")
        a.violation("v-1", "2025-02-03", "I", "a")
        b = Farm(suspend_first, "farm-a", "owner-1")
        b.violation("v-1", "2025-02-03", "I", "a")
        enrol_with_buyer(suspend_first, "farm-b", "owner-1", "2025-01-20")

        def cascaded(led: EmbeddedLedger) -> list[dict[str, Any]]:
            farm = Farm.__new__(Farm)
            farm.ledger, farm.id = led, "farm-b"
            return [{k: v for k, v in n.items() if k != "recorded_at"} for n in farm.derived("SuspensionNoticed")]

        assert cascaded(enrol_first) == cascaded(suspend_first) != []
        assert (queries.standing(enrol_first.engine, "farm-b", _end("2025-02-03"))
                == queries.standing(suspend_first.engine, "farm-b", _end("2025-02-03")))
        assert told(enrol_first, "farm-b") == told(suspend_first, "farm-b") == [
            ("suspension", "suspended", "2025-02-03")]
    finally:
        other.engine.dispose()


def _end(day: str) -> Any:
    from tests.unit.test_su_common import end_of

    return end_of(day)
