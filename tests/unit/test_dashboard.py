"""The dashboard's pure parts (issue 5): timeline bands and marks, and the inline SVG charts."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from projections.standing.query import standing_changes
from services.dashboard import timeline
from services.dashboard.charts import passthrough_svg, timeline_svg
from services.ledger import queries
from services.ledger.embedded import EmbeddedLedger
from services.ledger.months import Month, months
from tests.conftest import event, post
from tests.unit.test_su_common import Farm, at, end_of


def suspended_and_reinstated(ledger: EmbeddedLedger) -> Farm:
    farm = Farm(ledger, "farm-1")
    farm.violation("v-1", "2025-03-03", "I", "a")
    farm.appeal("ap-1", "suspension", "v-1", "2025-03-05")
    farm.decide("ap-1", "2025-03-20", "upheld")
    farm.reentry("2025-05-01")
    return farm


def test_timeline_bands_follow_the_standing_changes_up_to_as_of(ledger: EmbeddedLedger) -> None:
    suspended_and_reinstated(ledger)
    state = queries.states_of(ledger.engine, "farm-1")["standing"]
    bands = timeline.bands(date(2025, 1, 6), date(2025, 7, 1), standing_changes(state, date(2025, 7, 1)))
    assert [(b.start.isoformat(), b.end.isoformat(), b.standing, b.stayed) for b in bands] == [
        ("2025-01-06", "2025-03-03", "good_standing", False),
        ("2025-03-03", "2025-03-05", "suspended", False),
        ("2025-03-05", "2025-03-20", "good_standing", True),  # stayed by the appeal (SU-3)
        ("2025-03-20", "2025-05-01", "suspended", False),
        ("2025-05-01", "2025-07-01", "good_standing", False),
    ]
    earlier = timeline.bands(date(2025, 1, 6), date(2025, 3, 10), standing_changes(state, date(2025, 3, 10)))
    assert [b.standing for b in earlier] == ["good_standing", "suspended", "good_standing"]
    assert earlier[-1].end == date(2025, 3, 10)


def test_timeline_marks_events_by_lane_and_groups_deadlines_per_day_and_status() -> None:
    rows = [
        {"type": "PayrollLineRecorded", "occurred_at": "2025-02-07T00:00:00-05:00", "data": {}},
        {"type": "PayrollLineRecorded", "occurred_at": "2025-02-07T00:00:00-05:00", "data": {}},
        {"type": "ViolationFound", "occurred_at": "2025-03-03T12:00:00-05:00", "data": {"violation_id": "v-1"}},
        {"type": "StandingChanged", "occurred_at": "2025-03-03T12:00:00-05:00", "data": {}},
        {"type": "WorkerHired", "occurred_at": "2025-09-03T12:00:00-04:00", "data": {}},  # after as_of
    ]
    marks = timeline.event_marks(rows, "America/New_York", date(2025, 6, 30))
    assert [(m.on.isoformat(), m.lane, m.kind, m.count) for m in marks] == [
        ("2025-02-07", "pay", "PayrollLineRecorded", 2), ("2025-03-03", "conduct", "ViolationFound", 1)]
    assert "v-1" in marks[1].label
    deadlines = [
        {"rule": "PT-8", "due": "2025-02-10", "status": "met"}, {"rule": "PT-8", "due": "2025-02-10", "status": "met"},
        {"rule": "CO-1", "due": "2025-02-10", "status": "met"}, {"rule": "PT-8", "due": "2025-02-10",
                                                                 "status": "missed"},
    ]
    grouped = timeline.deadline_marks(deadlines, date(2025, 6, 30))
    assert [(m.kind, m.count, m.label) for m in grouped] == [
        ("met", 3, "due 2025-02-10, met: CO-1, 2 × PT-8"), ("missed", 1, "due 2025-02-10, missed: PT-8")]


def test_timeline_svg_draws_each_band_and_missed_deadline(ledger: EmbeddedLedger) -> None:
    suspended_and_reinstated(ledger)
    state = queries.states_of(ledger.engine, "farm-1")["standing"]
    deadlines = queries.deadlines(ledger.engine, "farm-1", end_of("2025-07-01"))
    line = timeline.build(date(2025, 1, 6), date(2025, 7, 1), standing_changes(state, date(2025, 7, 1)),
                          queries.farm_history(ledger.engine, "farm-1", end_of("2025-07-01"), end_of("2030-01-01")),
                          deadlines, None)
    svg = str(timeline_svg(line))
    assert svg.count('class="band band-suspended"') == 2
    assert svg.count("url(#stayed)") == 1
    missed = [d for d in deadlines if d["status"] == "missed"]
    assert missed and svg.count("deadline-missed") == len({d["due"] for d in missed})
    assert "<script" not in svg


def test_passthrough_chart_bars_are_proportional_and_mark_shortfalls() -> None:
    rows = [Month("2025-01", Decimal("4000.00"), Decimal("4000.00"), Decimal("0.00"), Decimal("5000.00")),
            Month("2025-02", Decimal("2000.00"), Decimal("1000.00"), Decimal("1000.00"), Decimal("2500.00")),
            Month("2025-03", None, Decimal("0.00"), Decimal("0.00"), Decimal("100.00"), "no LivableWageSet")]
    svg = str(passthrough_svg(rows))
    heights = {kind: [float(h) for h in re.findall(rf'class="bar bar-{kind}"[^>]*height="([\d.]+)"', svg)]
               for kind in ("pool", "paid")}
    assert heights["pool"][0] == 2 * heights["pool"][1]
    assert heights["paid"][0] == 4 * heights["paid"][1]
    assert svg.count('class="shortfall"') == 1 and "shortfall 1000.00" in svg
    assert "no rate" in svg
    assert "No premium" in str(passthrough_svg([Month("2025-01", Decimal(0), Decimal(0), Decimal(0), Decimal(0))]))


def test_months_run_from_the_first_premium_to_as_of(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger, "farm-1")
    assert [m.period for m in months(ledger.engine, "farm-1", end_of("2025-03-15"))] == [
        "2025-01", "2025-02", "2025-03"]  # no premium yet: from enrolment
    farm.post("PremiumRemitted", "2025-02-20", {
        "remittance_id": "r-1", "payor_id": "coop-1", "attributed_buyer_id": "buyer-1", "sales_period": "2025-01",
        "amount": "1000.00", "received_on": "2025-02-20", "reference": "CHK-1"}, role="cooperative")
    got = months(ledger.engine, "farm-1", end_of("2025-03-15"))
    assert [m.period for m in got] == ["2025-02", "2025-03"]
    assert got[0].pool is None and "BonusWorksheetSet" in got[0].note  # the query's RateMissing, shown
    post(ledger, event("BonusWorksheetSet", "program", at("2025-01-01"),
                       {"effective_on": "2025-01-01", "worker_share": "0.8"}))
    got = months(ledger.engine, "farm-1", end_of("2025-03-15"))
    assert (got[0].premium, got[0].pool, got[0].paid) == (Decimal("1000.00"), Decimal("800.00"), Decimal("0.00"))


def test_timeline_shows_the_year_to_as_of_with_the_standing_then_in_force() -> None:
    rows = [{"type": "AuditConducted", "occurred_at": "2023-05-01T12:00:00-04:00", "data": {}},
            {"type": "AuditConducted", "occurred_at": "2025-05-01T12:00:00-04:00", "data": {}}]
    line = timeline.build(date(2023, 1, 2), date(2025, 7, 1), [], rows, [], None)
    assert line.start == date(2024, 6, 30) and line.end == date(2025, 7, 1)
    assert [(b.start, b.end, b.standing) for b in line.bands] == [
        (date(2024, 6, 30), date(2025, 7, 1), "good_standing")]
    assert [m.on for m in line.marks] == [date(2025, 5, 1)]  # the 2023 audit is outside the window
    young = timeline.build(date(2025, 6, 1), date(2025, 6, 10), [], [], [], None)
    assert young.start == date(2025, 6, 1) and young.end == date(2025, 7, 31)  # at least two months drawn


def test_months_asked_again_are_read_as_stored_until_the_farm_changes(
        ledger: EmbeddedLedger, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 8: a farm page asked again reads its months' row instead of every month's pass-through."""
    import services.ledger.months as module

    farm = Farm(ledger, "farm-1")
    first = months(ledger.engine, "farm-1", end_of("2025-03-15"))

    def folded(view: object) -> list[Month]:
        raise AssertionError("folded again")

    monkeypatch.setattr(module, "months_of", folded)
    assert months(ledger.engine, "farm-1", end_of("2025-03-15")) == first  # the same day: read
    farm.post("PremiumRemitted", "2025-02-20", {
        "remittance_id": "r-1", "payor_id": "coop-1", "attributed_buyer_id": "buyer-1", "sales_period": "2025-01",
        "amount": "1000.00", "received_on": "2025-02-20", "reference": "CHK-1"}, role="cooperative")
    with pytest.raises(AssertionError, match="folded again"):  # the farm changed: its months are folded anew
        months(ledger.engine, "farm-1", end_of("2025-03-15"))
