"""What the dashboard pages show, gathered from the SPEC §4 queries (the same answers as the CLI)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine

from projections.standing.query import NAME as STANDING
from projections.standing.query import standing_changes
from services.auth import policy
from services.auth.roles import Principal
from services.auth.scope import load_scopes
from services.dashboard import timeline
from services.dashboard.cases import cases_of
from services.dashboard.charts import passthrough_svg, timeline_svg
from services.ledger import queries
from services.ledger.months import months
from services.store.database import now

CONDUCT_LIMIT = 200


def readable_farms(engine: Engine, who: Principal) -> list[str]:
    """The farms whose page this principal may open (all of them for MDSC, its own for a farm)."""
    ids = queries.farm_ids(engine)
    if policy.may_read_all(who):
        return ids
    scopes = load_scopes(engine, ids)
    return [f for f in ids if policy.may_read(who, "dashboard", scopes[f])]


def farm_rows(engine: Engine, who: Principal, as_of: datetime) -> list[dict[str, Any]]:
    rows = []
    for farm in readable_farms(engine, who):
        member = queries.load_state(engine, "membership", farm) or {}
        if not member.get("enrolled_on"):
            continue
        rows.append({**queries.standing(engine, farm, as_of), "name": member.get("name", farm),
                     "jurisdiction": member.get("jurisdiction", ""), "enrolled_on": member["enrolled_on"]})
    return rows


@dataclass
class FarmPage:
    farm_id: str
    as_of: date
    member: dict[str, Any]
    standing: dict[str, Any]
    timeline: Any
    passthrough: Any
    months: list[Any]
    missed: list[dict[str, Any]]
    open: list[dict[str, Any]]
    """Open obligations per rule: `{rule, count, next_due}` (PT-8 alone has one per pay line)."""
    open_count: int
    met_count: int
    findings: list[dict[str, Any]]
    conduct: list[dict[str, Any]] = field(default_factory=list)
    not_evaluated: list[str] = field(default_factory=list)
    """Rules a missing rate kept from answering (the CLI's stderr, the API's X-Not-Evaluated)."""
    cases: list[tuple[str, str]] = field(default_factory=list)
    """(complaint|violation, id) of each case page."""


def farm_page(engine: Engine, who: Principal, farm_id: str, as_of: datetime) -> FarmPage:
    view = queries.farm_view(engine, farm_id, as_of)
    member = view.state("membership")
    tz, enrolled = member.get("time_zone"), date.fromisoformat(member["enrolled_on"])
    marked, conduct = page_history(engine, who, farm_id, as_of, enrolled, view.as_of)
    errors: list[str] = []
    deadlines = queries.deadlines(engine, farm_id, as_of, errors)
    line = timeline.build(enrolled, view.as_of, standing_changes(view.state(STANDING), view.as_of), marked,
                          deadlines, tz)
    month_rows = months(engine, farm_id, as_of)
    return FarmPage(
        farm_id=farm_id, as_of=view.as_of, member=member, standing=queries.standing(engine, farm_id, as_of),
        timeline=timeline_svg(line), passthrough=passthrough_svg(month_rows), months=month_rows,
        missed=[d for d in deadlines if d["status"] == "missed"], open=open_by_rule(deadlines),
        open_count=sum(1 for d in deadlines if d["status"] == "open"),
        met_count=sum(1 for d in deadlines if d["status"] == "met"),
        findings=queries.findings(engine, farm_id, as_of, errors), conduct=conduct[-CONDUCT_LIMIT:][::-1],
        not_evaluated=sorted(set(errors)), cases=cases_of(conduct),
    )


def page_history(engine: Engine, who: Principal, farm_id: str, as_of: datetime, enrolled: date, day: date
                 ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The farm's events the page shows, as this principal may see them: those the timeline marks (the year to
    `day`, no derived event) and the conduct events of every year (the list, the cases). Left out in SQL, so
    the earlier years' payroll lines, hires and remittances are never read."""
    known_at = now()
    return (visible_history(engine, who, farm_id, as_of, known_at, since=timeline.marked_since(enrolled, day),
                            exclude=timeline.DERIVED),
            visible_history(engine, who, farm_id, as_of, known_at, exclude=timeline.NOT_CONDUCT))


def visible_history(engine: Engine, who: Principal, farm_id: str, as_of: datetime, known_at: datetime, *,
                    since: datetime | None = None, exclude: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """`queries.farm_history` as this principal may see it (CO-4, RR-4)."""
    return [policy.visible(who, body) for body in queries.farm_history(engine, farm_id, as_of, known_at,
                                                                        since=since, exclude=exclude)]


def open_by_rule(deadlines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rules: dict[str, dict[str, Any]] = {}
    for d in deadlines:
        if d["status"] == "open":
            row = rules.setdefault(d["rule"], {"rule": d["rule"], "count": 0, "next_due": d["due"],
                                               "subject_id": d["subject_id"]})
            row["count"] += 1
            if d["due"] < row["next_due"]:
                row["next_due"], row["subject_id"] = d["due"], d["subject_id"]
    return sorted(rules.values(), key=lambda r: (r["next_due"], r["rule"]))
