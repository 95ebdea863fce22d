"""The farm page reads only what it shows (issue 8): the year the timeline marks and the conduct events, never
the farm's whole history; what it shows is what the whole history gave. So does a case page: its farm's
conduct events, never a payroll line."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from events.catalogue import Event
from projections.standing.query import NAME as STANDING
from projections.standing.query import standing_changes
from services.auth import policy
from services.auth.roles import Principal
from services.cli.commands.demo import SAMPLE_END
from services.cli.common import parse_moment
from services.dashboard import cases, pages, timeline
from services.dashboard.cases import cases_of
from services.dashboard.charts import timeline_svg
from services.ledger import queries
from services.store.database import connect, now
from tests.unit.test_demo import demo_db as demo_db

WHOLE = queries.farm_history


def whole_history_page(engine: Any, who: Principal, farm: str, as_of: datetime) -> tuple[Any, ...]:
    """The timeline, conduct list and cases as the page made them from the farm's whole history."""
    view = queries.farm_view(engine, farm, as_of)
    member = view.state("membership")
    history = [policy.visible(who, body) for body in WHOLE(engine, farm, as_of, now())]
    line = timeline.build(date.fromisoformat(member["enrolled_on"]), view.as_of,
                          standing_changes(view.state(STANDING), view.as_of), history,
                          queries.deadlines(engine, farm, as_of, []), member.get("time_zone"))
    conduct = [b for b in history if timeline.lane_of(b["type"]) == "conduct" and b["type"] not in timeline.DERIVED]
    return timeline_svg(line), conduct[-pages.CONDUCT_LIMIT:][::-1], cases_of(history)


@pytest.mark.parametrize("day", ["2025-06-30", SAMPLE_END])
def test_farm_page_shows_what_the_whole_history_gave_reading_neither_old_payroll_nor_derived_rows(
        demo_db: str, day: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine, as_of = connect(demo_db), parse_moment(day)
    monkeypatch.setattr(pages, "CONDUCT_LIMIT", 3)  # the list's bound bites on the sample's farms too
    read: list[dict[str, Any]] = []

    def spied(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        rows = WHOLE(*args, **kwargs)
        read.extend(rows)
        return rows

    monkeypatch.setattr(queries, "farm_history", spied)
    old_payroll = 0
    for farm in queries.farm_ids(engine):
        for who in (Principal("mdsc", "auditor-1"), Principal("farm", farm)):
            page = pages.farm_page(engine, who, farm, as_of)
            assert (page.timeline, page.conduct, page.cases) == whole_history_page(engine, who, farm, as_of), farm
        enrolled = date.fromisoformat(page.member["enrolled_on"])
        first_shown = max(min(enrolled, page.as_of), page.as_of - timeline.WINDOW)
        cutoff = datetime.combine(first_shown - timedelta(days=1), time.min, UTC)  # a day early: time zones

        def unshown_payroll(rows: list[dict[str, Any]], cutoff: datetime = cutoff) -> int:
            return sum(1 for b in rows if b["type"] == "PayrollLineRecorded"
                       and datetime.fromisoformat(b["occurred_at"]) < cutoff)

        old_payroll += unshown_payroll(WHOLE(engine, farm, as_of, now()))
        assert unshown_payroll(read) == 0, farm
        assert not [b for b in read if b["type"] in timeline.DERIVED], farm
        read.clear()
    assert old_payroll > 0 or day == "2025-06-30"  # by the sample's end, months of payroll lie before the year shown


def test_history_since_and_exclude_leave_out_in_sql_what_a_filter_of_the_whole_history_would(demo_db: str) -> None:
    engine, far = connect(demo_db), parse_moment("2030-01-01")
    since = parse_moment("2025-09-01", end_of_day=False)
    leave = frozenset({"PayrollLineRecorded", "WorkerHired", "StandingChanged"})
    for farm in queries.farm_ids(engine)[:4]:
        whole = WHOLE(engine, farm, far, far)
        assert queries.farm_history(engine, farm, far, far, since=since, exclude=leave) == [
            b for b in whole if b["type"] not in leave and datetime.fromisoformat(b["occurred_at"]) >= since]
        assert queries.farm_history(engine, farm, far, far, exclude=leave) == [b for b in whole
                                                                              if b["type"] not in leave]
        assert {b["type"] for b in whole} & leave  # something was left out


def test_a_case_page_shows_what_the_whole_history_gave_reading_no_pay_membership_or_unnamed_derived_event(
        demo_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine, as_of = connect(demo_db), parse_moment(SAMPLE_END)
    read: list[dict[str, Any]] = []

    def whole(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:  # the reader the case page had: everything
        return WHOLE(*args)

    def spied(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        rows = WHOLE(*args, **kwargs)
        read.extend(rows)
        return rows

    payroll = 0
    for farm in queries.farm_ids(engine):
        history = WHOLE(engine, farm, as_of, now())
        payroll += sum(1 for b in history if b["type"] == "PayrollLineRecorded")
        for kind, case_id in [*cases_of(history), ("complaint", "no-such-case")]:
            for who in (Principal("mdsc", "auditor-1"), Principal("farm", farm)):
                monkeypatch.setattr(queries, "farm_history", whole)
                try:
                    expected: Any = cases.case(engine, who, farm, kind, case_id, as_of)
                except LookupError as exc:
                    expected = str(exc)
                monkeypatch.setattr(queries, "farm_history", spied)
                try:
                    found: Any = cases.case(engine, who, farm, kind, case_id, as_of)
                except LookupError as exc:
                    found = str(exc)
                assert found == expected, (farm, kind, case_id)
                # read: conduct events alone, and of the derived ones only those a subject may tie to the case
                assert not [b for b in read if timeline.lane_of(b["type"]) != "conduct"
                            or b["type"] in timeline.DERIVED - cases.NAMING_A_SUBJECT], (farm, kind, case_id)
                read.clear()
    assert payroll > 0  # the whole history the case page read before held payroll lines


def test_no_event_a_case_page_leaves_out_can_name_a_case() -> None:
    """The SQL leaves `cases.NEVER_SHOWN` unread: no such type may carry a field a case is found by."""
    fields = {cls.__name__: set(cls.model_fields["data"].annotation.model_fields)
              for cls in Event.__origin__.__args__}  # type: ignore[attr-defined]
    assert set(fields) >= cases.NEVER_SHOWN
    assert not {name for name in cases.NEVER_SHOWN if fields[name] & cases.KEYS}
    assert {name for name in fields if fields[name] & cases.KEYS} & cases.NAMING_A_SUBJECT  # the check can bite
