"""What the rule queries read once per FarmView (the payroll books and their indexes, the conduct facts) is
never read by another view: a new question, or the same view moved to another date, reads its own states.
And each index of the books is the scan it replaced."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from projections.compliance import FarmView
from projections.passthrough.books import Books
from projections.passthrough.payroll import touching
from projections.passthrough.remittances import received_in
from projections.standing.view import facts

FARM = "farm-memo"


def raw_line(event_id: str, worker: str, start: date, end: date, bonus: str = "0.00",
             bonus_period: str | None = None) -> dict[str, Any]:
    return {"event_id": event_id, "occurred_at": f"{end.isoformat()}T12:00:00-05:00", "worker_id": worker,
            "period_start": start.isoformat(), "period_end": end.isoformat(),
            "scheduled_pay_date": end.isoformat(), "paid_on": end.isoformat(), "hours_worked": "80.00",
            "hourly_wage": "15.00", "md_bonus": bonus, "md_bonus_period": bonus_period, "gross": "1200.00",
            "net": "1200.00", "deductions": []}


def fact(event_id: str, type_: str, on: str, seq: int, **data: Any) -> dict[str, Any]:
    return {"event_id": event_id, "type": type_, "on": on, "seq": seq, "data": data}


def raw_remittance(n: int, received_on: date, sales_period: str) -> dict[str, Any]:
    return {"event_id": f"r{n:02d}", "occurred_at": f"{received_on.isoformat()}T12:00:00-05:00",
            "remittance_id": f"coop/{n}", "payor_id": "coop", "attributed_buyer_id": "buyer",
            "sales_period": sales_period, "amount": "100.00", "received_on": received_on.isoformat(),
            "reference": f"chk-{n}"}


def view(lines: list[dict[str, Any]], as_of: date, conduct: list[dict[str, Any]] | None = None,
         remitted: list[dict[str, Any]] | None = None) -> FarmView:
    states = {"passthrough": {"lines": {x["event_id"]: x for x in lines},
                              "remittances": {x["event_id"]: x for x in remitted or []}},
              "conduct": {"facts": {f["event_id"]: f for f in conduct or []}}}
    return FarmView(FARM, states, {}, as_of)


def test_pt_a_view_reads_its_books_once_and_another_view_reads_its_own() -> None:
    first = view([raw_line("a", "w1", date(2024, 1, 1), date(2024, 1, 15))], date(2024, 6, 30))
    books = Books.of(first)
    assert Books.of(first) is books and books.as_of == date(2024, 6, 30)
    earlier = replace(first, as_of=date(2024, 1, 31))  # the same states asked about another day
    assert Books.of(earlier) is not books and Books.of(earlier).as_of == date(2024, 1, 31)
    assert Books.of(first) is books  # and the first view still has its own
    grown = view([raw_line("a", "w1", date(2024, 1, 1), date(2024, 1, 15)),
                  raw_line("b", "w1", date(2024, 1, 16), date(2024, 1, 31))], date(2024, 6, 30))
    assert [x.event_id for x in Books.of(grown).worker_lines("w1")] == ["a", "b"]
    assert [x.event_id for x in Books.of(first).worker_lines("w1")] == ["a"]


def test_co_a_view_moved_to_an_earlier_day_reads_only_the_facts_of_that_day() -> None:
    conduct = [fact("c1", "ComplaintReceived", "2024-02-01", 1, complaint_id="c-1"),
               fact("c2", "ComplaintReceived", "2024-05-01", 2, complaint_id="c-2")]
    late = view([], date(2024, 6, 30), conduct)
    assert [f["event_id"] for f in facts(late, "ComplaintReceived")] == ["c1", "c2"]
    early = replace(late, as_of=date(2024, 3, 1))
    assert [f["event_id"] for f in facts(early, "ComplaintReceived")] == ["c1"]
    assert [f["event_id"] for f in facts(late)] == ["c1", "c2"]
    facts(late).clear()  # a caller's list is its own: the next ask is whole
    assert len(facts(late, "ComplaintReceived")) == 2


day = st.integers(0, 400).map(lambda n: date(2023, 11, 1) + timedelta(days=n))
periods = st.sampled_from(["2023-12", "2024-01", "2024-02", "2024-06", "2024-12", "2025-01"])


@settings(max_examples=200)
@given(st.lists(st.tuples(st.sampled_from(["w1", "w2", "w3"]), day, st.integers(-3, 70), st.booleans(), periods),
                max_size=25),
       st.lists(st.tuples(day, periods), max_size=8), periods, day)
def test_pt_the_books_indexes_are_the_scans_they_replace(drawn: list[tuple[str, date, int, bool, str]],
                                                         remitted: list[tuple[date, str]], period: str,
                                                         as_of: date) -> None:
    raws = [raw_line(f"e{i:02d}", worker, start, start + timedelta(days=length),
                     "10.00" if bonus else "0.00", bonus_period)
            for i, (worker, start, length, bonus, bonus_period) in enumerate(drawn)]
    books = Books.of(view(raws, date(2030, 1, 1), remitted=[raw_remittance(i, on, sales)
                                                            for i, (on, sales) in enumerate(remitted)]))
    for asked in (None, as_of):
        assert books.received_in(period, asked) == received_in(books.remittances, period, asked)
    assert books.touching(period) == touching(books.lines, period)
    assert books.bonus_lines(period) == [x for x in books.lines if x.md_bonus_period == period and x.md_bonus > 0]
    for worker in ("w1", "w2", "w3", "nobody"):
        assert books.worker_lines(worker) == [x for x in books.lines if x.worker_id == worker]
