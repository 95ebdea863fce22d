"""Builders shared by the PT rule tests, and the tests of what every PT rule stands on: the program's rates
in force by date, and a fold state that is JSON-native, free of ledger time and the same on replay."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import orjson
import pytest

from events.types import DEFAULT_TZ
from projections.compliance import FarmView
from projections.passthrough.books import Books
from projections.reference.rates import RateMissing, livable_wage_on, minimum_wage_on, worker_share_on
from services.ledger import queries
from services.ledger.embedded import EmbeddedLedger
from services.store.states import all_states
from tests.conftest import event, post

FARM = "farm-pt"
LABEL = "MD Bonus/Bono LcD"
MINIMUM = "13.67"
LIVABLE = "17.00"
SHARE = "0.5"


# -- builders ---------------------------------------------------------------------------------------------

def enrol(farm: str = FARM, enrolled_on: str = "2022-01-03", jurisdiction: str = "VT") -> dict[str, Any]:
    data = {"owner_id": f"owner-{farm}", "name": "Maple Hill", "jurisdiction": jurisdiction,
            "enrolled_on": enrolled_on, "time_zone": "America/New_York"}
    return event("FarmEnrolled", farm, enrolled_on, data, schema_version=2)


def hire(worker: str, hired_on: str = "2022-01-03", supervisory: bool = False, relative: bool = False,
         farm: str = FARM) -> dict[str, Any]:
    return event("WorkerHired", farm, hired_on, {"worker_id": worker, "hired_on": hired_on,
                                                 "supervisory": supervisory, "relative_of_owner": relative},
                 role="farm")


def separate(worker: str, on: str, farm: str = FARM) -> dict[str, Any]:
    return event("WorkerSeparated", farm, on, {"worker_id": worker, "on": on}, role="farm")


def minimum_wage(hourly: str, effective_on: str, jurisdiction: str = "VT") -> dict[str, Any]:
    return event("MinimumWageSet", "program", effective_on,
                 {"jurisdiction": jurisdiction, "effective_on": effective_on, "hourly": hourly})


def livable_wage(hourly: str, effective_on: str) -> dict[str, Any]:
    return event("LivableWageSet", "program", effective_on, {"effective_on": effective_on, "hourly": hourly})


def worker_share(share: str, effective_on: str) -> dict[str, Any]:
    return event("BonusWorksheetSet", "program", effective_on, {"effective_on": effective_on, "worker_share": share})


def rates(minimum: str = MINIMUM, livable: str = LIVABLE, share: str = SHARE) -> list[dict[str, Any]]:
    return [minimum_wage(minimum, "2020-01-01"), livable_wage(livable, "2020-01-01"), worker_share(share, "2020-01-01")]


def remit(amount: str, received_on: str, sales_period: str | None = None, reference: str | None = None,
          payor: str = "coop-1", farm: str = FARM, **envelope: Any) -> dict[str, Any]:
    reference = reference or f"chk-{received_on}-{amount}"
    sales = sales_period or received_on[:7]
    return event("PremiumRemitted", farm, received_on, {
        "remittance_id": f"{payor}/{reference}", "payor_id": payor, "attributed_buyer_id": "buyer-1",
        "sales_period": sales, "amount": amount, "received_on": received_on, "reference": reference,
    }, role="cooperative", **envelope)


def report(sales_period: str, submitted_on: str, farm: str = FARM) -> dict[str, Any]:
    return event("PremiumReportSubmitted", farm, submitted_on,
                 {"sales_period": sales_period, "submitted_on": submitted_on}, role="farm")


def line(worker: str, start: str, end: str, hours: str, wage: str = "15.00", *, scheduled: str | None = None,
         paid: str | None = "scheduled", bonus: str = "0.00", label: str | None = LABEL,
         bonus_period: str | None = None, housing: str = "0.00", health: str = "0.00", other: str = "0.00",
         gross: str | None = None, corrects: str | None = None, farm: str = FARM, **envelope: Any) -> dict[str, Any]:
    """A payroll line; gross defaults to hours x wage + bonuses, net to gross less deductions."""
    scheduled = scheduled or end
    paid_on = scheduled if paid == "scheduled" else paid
    pay = (Decimal(hours) * Decimal(wage)).quantize(Decimal("0.01"))
    gross_amount = Decimal(gross) if gross is not None else pay + Decimal(bonus) + Decimal(other)
    deductions = [{"kind": k, "amount": a, "consented": True}
                  for k, a in (("housing", housing), ("health_insurance", health)) if Decimal(a) > 0]
    net = gross_amount - sum((Decimal(d["amount"]) for d in deductions), Decimal(0))
    data = {
        "worker_id": worker, "period_start": start, "period_end": end, "scheduled_pay_date": scheduled,
        "paid_on": paid_on, "hours_worked": hours, "hourly_wage": wage, "md_bonus": bonus,
        "md_bonus_label": label if Decimal(bonus) > 0 else None,
        "md_bonus_period": bonus_period if Decimal(bonus) > 0 or bonus_period else None,
        "other_bonuses": other, "gross": str(gross_amount), "deductions": deductions, "net": str(net),
    }
    if corrects:
        data["corrects"] = corrects
    return event("PayrollLineRecorded", farm, paid_on or scheduled, data, role="farm", **envelope)


def full_month(worker: str, period: str, weekly_hours: str = "40", wage: str = "15.00", **kw: Any) -> dict[str, Any]:
    """One line covering a whole calendar month at a given weekly average."""
    from projections.calendar import month_bounds

    first, last = month_bounds(period)
    days = (last - first).days + 1
    hours = (Decimal(weekly_hours) * days / 7).quantize(Decimal("0.01"))
    return line(worker, first.isoformat(), last.isoformat(), str(hours), wage, **kw)


def setup(ledger: EmbeddedLedger, *workers: str, **rate_kw: str) -> None:
    report_ = post(ledger, enrol(), *rates(**rate_kw), *(hire(w) for w in workers))
    assert not report_.rejected, report_.rejected


def ok(ledger: EmbeddedLedger, *events: dict[str, Any]) -> None:
    result = post(ledger, *events)
    assert not result.rejected, result.rejected


# -- asking the ledger ------------------------------------------------------------------------------------

def end_of(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time.max, DEFAULT_TZ)


def view(ledger: EmbeddedLedger, as_of: str, farm: str = FARM) -> FarmView:
    return queries.farm_view(ledger.engine, farm, end_of(as_of))


def books(ledger: EmbeddedLedger, as_of: str = "2099-12-31", farm: str = FARM) -> Books:
    return Books.of(view(ledger, as_of, farm))


def deadlines(ledger: EmbeddedLedger, as_of: str, rule: str, farm: str = FARM) -> list[dict[str, Any]]:
    return [r for r in queries.deadlines(ledger.engine, farm, end_of(as_of)) if r["rule"] == rule]


def findings(ledger: EmbeddedLedger, as_of: str, rule: str, farm: str = FARM) -> list[dict[str, Any]]:
    return [r for r in queries.findings(ledger.engine, farm, end_of(as_of)) if r["rule"] == rule]


def passthrough(ledger: EmbeddedLedger, period: str, as_of: str = "2099-12-31", farm: str = FARM) -> dict[str, Any]:
    return queries.passthrough(ledger.engine, farm, period, end_of(as_of))


def worker_row(answer: dict[str, Any], worker: str) -> dict[str, Any]:
    return next(w for w in answer["workers"] if w["worker_id"] == worker)


def stored_states(ledger: EmbeddedLedger) -> dict[tuple[str, str], bytes]:
    with ledger.engine.connect() as conn:
        return {(p, k): orjson.dumps(s) for (p, k), s in all_states(conn).items() if p in ("passthrough", "reference")}


# -- tests: reference rates and the fold --------------------------------------------------------------------

def test_rates_in_force_follow_the_effective_date_not_the_arrival_order(ledger: EmbeddedLedger) -> None:
    ok(ledger, livable_wage("16.00", "2024-07-01"), livable_wage("15.00", "2023-01-01"),
       worker_share("0.6", "2024-07-01"), worker_share("0.5", "2023-01-01"),
       minimum_wage("14.01", "2025-01-01"), minimum_wage("13.67", "2024-01-01"),
       minimum_wage("7.25", "2009-07-24", "US"))
    ref = queries.states_of(ledger.engine, "program")["reference"]
    assert livable_wage_on(ref, date(2024, 6, 30)).value == Decimal("15.00")
    assert livable_wage_on(ref, date(2024, 7, 1)).value == Decimal("16.00")
    assert worker_share_on(ref, date(2024, 7, 31)).value == Decimal("0.6")
    assert minimum_wage_on(ref, "VT", date(2024, 12, 31)).value == Decimal("13.67")
    assert minimum_wage_on(ref, "VT", date(2025, 1, 1)).value == Decimal("14.01")
    assert minimum_wage_on(ref, "VT", date(2023, 6, 1)).value == Decimal("7.25")  # only the federal floor yet
    assert minimum_wage_on(ref, "NY", date(2024, 6, 1)).value == Decimal("7.25")


def test_a_day_with_no_rate_in_force_is_an_error_never_zero(ledger: EmbeddedLedger) -> None:
    ok(ledger, livable_wage("15.00", "2023-01-01"), worker_share("0.5", "2023-01-01"))
    ref = queries.states_of(ledger.engine, "program")["reference"]
    with pytest.raises(RateMissing, match="no LivableWageSet in force on 2022-12-31"):
        livable_wage_on(ref, date(2022, 12, 31))
    with pytest.raises(RateMissing, match="BonusWorksheetSet"):
        worker_share_on(ref, date(2022, 1, 1))
    with pytest.raises(RateMissing, match="MinimumWageSet in force for jurisdiction 'VT'"):
        minimum_wage_on(ref, "VT", date(2024, 1, 1))


def test_the_fold_keeps_json_native_state_without_ledger_time(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1")
    ok(ledger, remit("100.00", "2024-03-05"), report("2024-02", "2024-03-10"),
       full_month("w1", "2024-03", bonus="10.00", bonus_period="2024-03"))
    states = stored_states(ledger)
    for raw in states.values():
        assert b"recorded_at" not in raw
        assert orjson.loads(raw) == orjson.loads(orjson.dumps(orjson.loads(raw)))
    state = orjson.loads(states[("passthrough", FARM)])
    assert {r["amount"] for r in state["remittances"].values()} == {"100.00"}


def test_replay_builds_the_same_state_as_live_ingest(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1", "w2")
    ok(ledger, remit("100.00", "2024-03-05"), full_month("w1", "2024-03"), full_month("w2", "2024-03", "20"))
    live = stored_states(ledger)
    answer = passthrough(ledger, "2024-03")
    ledger.rebuild()
    assert stored_states(ledger) == live
    assert passthrough(ledger, "2024-03") == answer
