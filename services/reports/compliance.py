"""A farm's compliance report for a period: what `dignity standing`, `passthrough`, `deadlines` and `findings`
answer, cut to the period, in one object the PDF (services/reports/pdf.py) and the CSV lists draw from.

A period is `YYYY-MM` (a month), `YYYY` (a year) or `YYYY-MM..YYYY-MM` (months, both included). The report
is as of the end of the period's last day in the farm's time zone (or now, if that is later than now):
deadlines due in the period, met or missed by then; findings dated in the period; standing changes in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from events.types import DEFAULT_TZ
from projections.standing.query import NAME as STANDING
from projections.standing.query import standing_changes
from services.ledger import queries
from services.ledger.months import Month, months
from services.store.database import now

_MONTH = r"\d{4}-(?:0[1-9]|1[0-2])"
_PERIOD = re.compile(rf"^(?P<year>\d{{4}})$|^(?P<one>{_MONTH})$|^(?P<first>{_MONTH})\.\.(?P<last>{_MONTH})$")


@dataclass(frozen=True, slots=True)
class Period:
    first: str
    """YYYY-MM"""
    last: str

    @classmethod
    def parse(cls, text: str) -> Period:
        m = _PERIOD.match(text.strip())
        if m is None:
            raise ValueError(f"period: {text!r} is not YYYY, YYYY-MM or YYYY-MM..YYYY-MM")
        if m["year"]:
            return cls(f"{m['year']}-01", f"{m['year']}-12")
        if m["one"]:
            return cls(m["one"], m["one"])
        if m["first"] > m["last"]:
            raise ValueError(f"period: {m['first']} comes after {m['last']}")
        return cls(m["first"], m["last"])

    @property
    def start(self) -> date:
        return date.fromisoformat(self.first + "-01")

    @property
    def end(self) -> date:
        y, mo = int(self.last[:4]), int(self.last[5:])
        return date(y + mo // 12, mo % 12 + 1, 1) - timedelta(days=1)

    def holds(self, day: str | date) -> bool:
        d = day if isinstance(day, date) else date.fromisoformat(str(day)[:10])
        return self.start <= d <= self.end

    def __str__(self) -> str:
        return self.first if self.first == self.last else f"{self.first}..{self.last}"


@dataclass
class Report:
    farm_id: str
    period: Period
    as_of: date
    member: dict[str, Any]
    standing: dict[str, Any]
    changes: list[dict[str, Any]]
    months: list[Month]
    deadlines: list[dict[str, Any]]
    """Due in the period: met, missed, or still open at its end."""
    findings: list[dict[str, Any]]
    at_start: dict[str, Any]
    """The standing the period began with (good standing if the farm enrolled during it, SU-3)."""
    not_evaluated: list[str] = field(default_factory=list)

    @property
    def missed(self) -> list[dict[str, Any]]:
        return [d for d in self.deadlines if d["status"] == "missed"]

    def per_rule(self) -> list[dict[str, Any]]:
        """Deadlines met / missed / open per rule, in rule order."""
        rules: dict[str, dict[str, Any]] = {}
        for d in self.deadlines:
            row = rules.setdefault(d["rule"], {"rule": d["rule"], "met": 0, "missed": 0, "open": 0})
            row[d["status"]] += 1
        return [rules[k] for k in sorted(rules)]


def farm_report(engine: Engine, farm_id: str, period: Period) -> Report:
    """LookupError for a farm never enrolled."""
    member = queries.load_state(engine, "membership", farm_id) or {}
    if not member.get("enrolled_on"):
        raise LookupError(f"unknown farm {farm_id!r} (no FarmEnrolled recorded)")
    tz = ZoneInfo(member["time_zone"]) if member.get("time_zone") else DEFAULT_TZ
    as_of = min(datetime.combine(period.end, time.max, tz), now())
    view = queries.farm_view(engine, farm_id, as_of)
    errors: list[str] = []
    deadlines = [d for d in queries.deadlines(engine, farm_id, as_of, errors) if period.holds(d["due"])]
    findings = [f for f in queries.findings(engine, farm_id, as_of, errors) if period.holds(f["on"])]
    changes = [{"on": c.on.isoformat(), "standing": c.standing, "stayed": c.stayed, "kind": c.kind,
                "rule": c.rule, "subject_id": c.subject_id, "until": c.until.isoformat() if c.until else None}
               for c in standing_changes(view.state(STANDING), view.as_of) if period.holds(c.on)]
    in_period = [m for m in months(engine, farm_id, as_of) if period.first <= m.period <= period.last]
    before = datetime.combine(period.start - timedelta(days=1), time.max, tz)
    at_start = (queries.standing(engine, farm_id, before) if period.start > date.fromisoformat(member["enrolled_on"])
                else {"standing": "good_standing", "stayed": False})
    return Report(farm_id, period, view.as_of, member, queries.standing(engine, farm_id, as_of), changes,
                  in_period, deadlines, findings, at_start, sorted(set(errors)))


def month_rows(report: Report) -> list[dict[str, Any]]:
    return [{"period": m.period, "premium": m.premium, "pool": m.pool if m.pool is not None else "",
             "paid": m.paid, "shortfall": m.shortfall, "note": m.note} for m in report.months]
