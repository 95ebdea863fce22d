"""SU-2 through `ControlRecorded` (Part 7 ¶2, App. C III): a suspension suspends every farm of the same
owner, operator, person or entity in control, for the same period, while that control is in force."""

from __future__ import annotations

from services.ledger.embedded import EmbeddedLedger
from tests.unit.test_su_common import Farm


def control(farm: Farm, controller: str, since: str, until: str | None = None, role: str = "operator") -> None:
    farm.post("ControlRecorded", since, {"controller_id": controller, "role": role, "since": since, "until": until})


def test_su2_a_shared_operator_in_force_suspends_the_other_farm(ledger: EmbeddedLedger) -> None:
    a, b = Farm(ledger, "farm-a", "owner-1"), Farm(ledger, "farm-b", "owner-2")
    stranger = Farm(ledger, "farm-c", "owner-3")
    control(a, "op-9", "2025-01-06")
    control(b, "op-9", "2025-01-06")
    a.suspend("s-1", "2025-02-03")
    assert b.standing("2025-02-03")["suspended_until"] == a.standing("2025-02-03")["suspended_until"] == "2025-03-05"
    assert stranger.is_("2025-02-03") == "good_standing"


def test_su2_control_ended_before_the_suspension_does_not_reach(ledger: EmbeddedLedger) -> None:
    a, b = Farm(ledger, "farm-a", "owner-1"), Farm(ledger, "farm-b", "owner-2")
    control(a, "op-9", "2025-01-06")
    control(b, "op-9", "2025-01-06", until="2025-02-02")  # the day before
    a.suspend("s-1", "2025-02-03")
    assert b.is_("2025-02-03") == "good_standing"
    assert b.derived("SuspensionNoticed") == []


def test_su2_the_owner_of_one_farm_operating_another_links_them(ledger: EmbeddedLedger) -> None:
    a, b = Farm(ledger, "farm-a", "owner-1"), Farm(ledger, "farm-b", "owner-2")
    control(b, "owner-1", "2025-01-06")  # farm-a's owner operates farm-b
    a.suspend("s-1", "2025-02-03")
    assert b.is_("2025-02-03") == "suspended"


def test_su2_control_recorded_late_still_cascades_both_ways(ledger: EmbeddedLedger) -> None:
    a, b = Farm(ledger, "farm-a", "owner-1"), Farm(ledger, "farm-b", "owner-2")
    control(a, "op-9", "2025-01-06")
    a.suspend("s-1", "2025-02-03")
    assert b.is_("2025-02-03") == "good_standing"
    control(b, "op-9", "2025-01-06")  # recorded after the suspension
    assert b.standing("2025-02-03")["suspended_until"] == "2025-03-05"
    c, d = Farm(ledger, "farm-c", "owner-3"), Farm(ledger, "farm-d", "owner-4")
    control(d, "op-7", "2025-01-06")
    c.suspend("s-2", "2025-02-03")
    control(c, "op-7", "2025-01-06")  # the suspended farm's control recorded late
    assert d.is_("2025-02-03") == "suspended"


def test_su2_a_time_brought_suspension_previewed_at_query_time_respects_the_control_span(
        ledger: EmbeddedLedger) -> None:
    a, b, c = Farm(ledger, "farm-a", "owner-1"), Farm(ledger, "farm-b", "owner-2"), Farm(ledger, "farm-c", "owner-3")
    control(a, "op-9", "2025-01-06")
    control(b, "op-9", "2025-01-06")
    control(c, "op-9", "2025-01-06", until="2025-02-04")
    a.violation("v-1", "2025-02-03", "I", "c", role="worker", person="p-1")  # AU-4: suspended on 02-05 by time
    assert b.is_("2025-02-05") == "suspended"  # the preview of the tick's notice
    assert c.is_("2025-02-05") == "good_standing"  # its control ended the day before
