"""Properties of the pass-through: a month's expected shares add up to the pool to the cent, and
eligibility (and the whole answer) never depends on the order the month's events arrive in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from events.codec import validate
from events.recorded import RecordedEvent
from projections.compliance import FarmView
from projections.membership.projection import Membership
from projections.passthrough.books import Books
from projections.passthrough.pool import split
from projections.passthrough.projection import Passthrough
from projections.passthrough.query import pass_through
from projections.reference.projection import Reference
from tests.unit.test_pt_common import FARM, enrol, hire, line, rates, remit

cents = st.integers(min_value=0, max_value=10_000_000).map(lambda c: Decimal(c) / 100)
hours = st.fractions(min_value=Fraction(1, 100), max_value=400, max_denominator=100)


@given(pool=cents, weights=st.dictionaries(st.text("abcdefgh", min_size=1, max_size=3), hours, min_size=1,
                                           max_size=12))
def test_expected_shares_add_up_to_the_pool_to_the_cent(pool: Decimal, weights: dict[str, Fraction]) -> None:
    shares = split(pool, weights)
    assert sum(shares.values(), Decimal(0)) == pool
    assert all(s >= 0 and s == s.quantize(Decimal("0.01")) for s in shares.values())
    total = sum(weights.values(), Fraction(0))
    for worker, share in shares.items():  # each share is within a cent of its exact proportion
        assert abs(Fraction(share) - Fraction(pool) * weights[worker] / total) < Fraction(1, 100)


def recorded(raw: dict[str, Any], n: int) -> RecordedEvent:
    body = validate(raw).model_dump(mode="json")
    body["recorded_at"] = (datetime(2024, 6, 1, tzinfo=UTC) + timedelta(seconds=n)).isoformat()
    return RecordedEvent.from_wire(body)


def answer(events: list[RecordedEvent], period: str) -> dict[str, Any]:
    states: dict[str, dict[str, Any]] = {}
    program: dict[str, dict[str, Any]] = {}
    for projection in (Membership(), Reference(), Passthrough()):
        for e in events:
            if e.type in projection.types:
                target = program if e.farm_id == "program" else states
                state = target.setdefault(projection.name, projection.initial(e.farm_id))
                projection.apply(state, e)
    return pass_through(Books.of(FarmView(FARM, states, program, date(2099, 1, 1))), period).as_json()


month_lines = st.lists(
    st.tuples(st.sampled_from(["w1", "w2", "w3", "boss"]), st.integers(1, 28), st.integers(0, 10),
              st.integers(0, 120), st.sampled_from(["14.00", "16.99", "17.00", "18.50"]),
              st.sampled_from(["0.00", "150.00"]), st.one_of(st.none(), st.integers(0, 9))),
    min_size=1, max_size=10,
)
"""(worker, start day, length, hours, wage, housing, index of an earlier line this one corrects)"""


@settings(max_examples=60, deadline=None)
@given(specs=month_lines, order=st.randoms(use_true_random=False))
def test_eligibility_never_depends_on_event_order_within_a_month(specs: list[tuple[Any, ...]], order: Any) -> None:
    raws = [enrol(), *rates(), hire("w1"), hire("w2"), hire("w3"), hire("boss", supervisory=True),
            remit("1234.57", "2024-02-07"), remit("99.99", "2024-02-21")]
    lines: list[dict[str, Any]] = []
    for worker, start, length, hrs, wage, housing, fixes in specs:
        first = date(2024, 2, start)
        last = min(first + timedelta(days=length), date(2024, 3, 5))
        corrects = lines[fixes]["event_id"] if fixes is not None and fixes < len(lines) else None
        if hrs * Decimal(wage) < Decimal(housing):  # net pay is never negative (SPEC §6)
            housing = "0.00"
        lines.append(line(worker, first.isoformat(), last.isoformat(), str(hrs), wage, housing=housing,
                          corrects=corrects))
    raws += lines
    events = [recorded(r, n) for n, r in enumerate(raws)]
    baseline = answer(events, "2024-02")
    shuffled = events[:]
    order.shuffle(shuffled)
    again = answer(shuffled, "2024-02")
    assert again == baseline
    assert sum(Decimal(w["expected"]) for w in again["workers"]) == (
        Decimal(again["bonus_pool"]) if any(w["eligible"] for w in again["workers"]) else Decimal(0))
