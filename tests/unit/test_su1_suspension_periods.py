"""SU-1: 30 days, 90 days, then one calendar year; reinstatement needs the period served AND a passed
reentry audit, whichever is later (App. C III, I.10, Part 7 ¶3)."""

from __future__ import annotations

from services.ledger.embedded import EmbeddedLedger
from tests.unit.test_su_common import Farm


def test_su1_first_suspension_lasts_30_days_then_waits_for_the_reentry_audit(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    farm.suspend("s-1", "2025-02-03")
    assert farm.standing("2025-02-03") == {"farm_id": "farm-1", "standing": "suspended", "since": "2025-02-03",
                                           "stayed": False, "suspension_count": 1, "suspended_until": "2025-03-05"}
    assert farm.is_("2025-03-05") == "suspended"
    assert farm.is_("2025-03-20") == "suspended"  # served, but no reentry audit yet: still suspended
    farm.reentry("2025-03-21", outcome="fail")
    assert farm.is_("2025-03-21") == "suspended"
    farm.reentry("2025-03-24")
    answer = farm.standing("2025-03-24")
    assert (answer["standing"], answer["since"], answer["suspended_until"]) == ("good_standing", "2025-03-24", None)
    assert answer["suspension_count"] == 1


def test_su1_reentry_audit_passed_early_reinstates_when_the_period_is_served(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    farm.suspend("s-1", "2025-02-03")
    farm.reentry("2025-02-20")  # passed during the period: the later of the two decides
    assert farm.is_("2025-03-05") == "suspended"
    assert farm.standing("2025-03-06")["standing"] == "good_standing"
    assert farm.standing("2025-03-06")["since"] == "2025-03-06"


def test_su1_a_reentry_audit_before_the_suspension_does_not_count(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    farm.reentry("2025-01-20")
    farm.suspend("s-1", "2025-02-03")
    assert farm.is_("2025-04-01") == "suspended"


def test_su1_second_is_90_days_and_third_one_calendar_year_across_a_year_end(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    farm.suspend("s-1", "2025-02-03")
    farm.reentry("2025-03-06")
    farm.suspend("s-2", "2025-04-01")
    second = farm.standing("2025-04-01")
    assert (second["suspension_count"], second["suspended_until"]) == (2, "2025-06-30")
    farm.reentry("2025-07-01")
    assert farm.is_("2025-07-01") == "good_standing"
    farm.suspend("s-3", "2025-12-15")
    third = farm.standing("2026-06-01")
    assert third == {"farm_id": "farm-1", "standing": "suspended", "since": "2025-12-15", "stayed": False,
                     "suspension_count": 3, "suspended_until": "2026-12-15"}
    farm.reentry("2026-12-16")
    assert farm.is_("2026-12-15") == "suspended"
    assert farm.is_("2026-12-16") == "good_standing"


def test_su1_third_suspension_from_a_leap_day(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger, enrolled="2023-06-01")
    farm.suspend("s-1", "2023-09-01")
    farm.reentry("2023-10-02")
    farm.suspend("s-2", "2023-11-01")
    farm.reentry("2024-02-01")
    farm.suspend("s-3", "2024-02-29")
    assert farm.standing("2024-02-29")["suspended_until"] == "2025-02-28"
    farm.reentry("2024-06-01")
    assert farm.is_("2025-02-28") == "suspended"
    assert farm.is_("2025-03-01") == "good_standing"


def test_su1_future_dates_are_answered_from_the_events_alone(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    farm.suspend("s-1", "2025-02-03", effective_on="2025-02-10")
    assert farm.is_("2025-02-09") == "good_standing"  # noticed, not yet effective
    assert farm.standing("2025-02-10")["suspended_until"] == "2025-03-12"
    farm.reentry("2025-02-24")
    assert farm.is_("2030-01-01") == "good_standing"
    assert farm.standing("2030-01-01")["since"] == "2025-03-13"
