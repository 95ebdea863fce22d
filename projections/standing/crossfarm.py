"""The cross-farm rules, without shared memory: what each event writes to the insert-only directories
(`owners`, `enrolments`, `cascades`, `bans`, `notifications`), and what the process managers derive from
an event plus a directory lookup (SU-2 cascade, PE-1 banned hire). The runner supplies the lookup and
serialises the events of one owner (`owner_scope`); everything here is pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, Protocol

from events.recorded import RecordedEvent
from projections.buyers.projection import notification_row
from projections.calendar import local_date
from projections.derive import derive
from projections.membership.projection import controllers_on
from projections.personnel.bans import ban_on, ban_row, violation_data
from projections.projection import Derived, State
from projections.standing.cascade import cascade, catch_up, notice

Row = tuple[str, dict[str, Any]]
"""(directory table, row)."""

TYPES = frozenset({"FarmEnrolled", "ViolationFound", "OffenderTerminated", "BuyerNotified", "StandingChanged",
                   "PersonnelHired", "WorkerHired", "ControlRecorded", "WorkerSeparated"})

Spans = list[tuple[str, str | None]]


class Directory(Protocol):
    def enrolments(self, owner_id: str) -> dict[str, str]:
        """Every farm of the owner, with its enrolment date."""
        ...

    def cascades(self, owner_id: str, origin: str | None = None, suspension_id: str | None = None
                 ) -> list[dict[str, Any]]:
        """The `cascades` rows of the owner's farms (of one origin and suspension), in the order derived."""
        ...

    def bans_of(self, person_id: str) -> list[dict[str, Any]]: ...

    def controlled(self, controller_id: str) -> dict[str, tuple[str, Spans]]:
        """Every farm the controller owns or controls (`ControlRecorded`): farm -> (enrolled_on, spans)."""
        ...

    def cascades_from(self, origins: list[str]) -> list[dict[str, Any]]:
        """The `cascades` rows of these origin farms, in the order derived."""
        ...

    def employments_of(self, person_id: str) -> list[dict[str, Any]]:
        """The person's `employments` rows ({farm_id, on, kind: hired|separated}) at every farm."""
        ...


def owner_scope(event: RecordedEvent, states: Mapping[str, State]) -> str | None:
    """The owner whose SU-2 directories this event reads and writes: the runner holds a lock per owner
    around them, so a farm's enrolment and its sibling's suspension never miss each other."""
    if event.type == "FarmEnrolled":
        return str(event.data["owner_id"])
    if event.type == "StandingChanged" and notice(event.farm_id, event.data, "") is not None:
        return _owner(states)
    return None


def lock_scopes(event: RecordedEvent, states: Mapping[str, State]) -> list[str]:
    """Every group whose SU-2 directories this event reads or writes (`owner_scope`, plus the controllers
    of a `ControlRecorded` or in force on a cascading change), locked in sorted order."""
    scopes = {s for s in [owner_scope(event, states)] if s is not None}
    if event.type == "ControlRecorded":
        scopes.add(str(event.data["controller_id"]))
    elif scopes and event.type == "StandingChanged":
        scopes.update(controllers_on(states.get("membership") or {}, _local_day(event, states)))
    return sorted(scopes)


def directory_rows(event: RecordedEvent, states: Mapping[str, State]) -> list[Row]:
    d = event.data
    match event.type:
        case "FarmEnrolled":
            return [("owners", {"owner_id": d["owner_id"], "farm_id": event.farm_id}),
                    ("enrolments", {"farm_id": event.farm_id, "owner_id": d["owner_id"],
                                    "enrolled_on": str(d["enrolled_on"])})]
        case "StandingChanged":
            owner, on = _owner(states), _local_day(event, states)
            made = notice(event.farm_id, d, on)
            if made is None or owner is None:
                return []
            return [("cascades", {"notice_key": made[0], "owner_id": owner, "origin": event.farm_id,
                                  "suspension_id": d["suspension_id"], "on": on, "change": event.raw})]
        case "ViolationFound" | "OffenderTerminated":
            row = _ban(event, states)
            return [("bans", row)] if row else []
        case "WorkerHired" | "PersonnelHired":
            person = d.get("person_id") or d["worker_id"]
            return [("employments", {"person_id": person, "farm_id": event.farm_id,
                                     "on": str(d.get("hired_on") or d["on"]), "kind": "hired"})]
        case "WorkerSeparated":
            return [("employments", {"person_id": d["worker_id"], "farm_id": event.farm_id, "on": str(d["on"]),
                                     "kind": "separated"})]
        case "BuyerNotified":
            return [("notifications", notification_row(event))]
        case "ControlRecorded":
            return [("controls", {"controller_id": d["controller_id"], "farm_id": event.farm_id,
                                  "since": str(d["since"]), "until": str(d["until"]) if d.get("until") else None}),
                    ("owners", {"owner_id": d["controller_id"], "farm_id": event.farm_id})]
    return []


def react(event: RecordedEvent, states: Mapping[str, State], directory: Directory) -> list[Derived]:
    if event.type == "StandingChanged":
        owner = owner_scope(event, states)
        if owner is None:
            return []
        on = _local_day(event, states)
        return cascade(event, on, {**_controlled_with(event.farm_id, states, directory, on),
                                   **directory.enrolments(owner)},
                       directory.cascades(owner, event.farm_id, event.data["suspension_id"]))
    if event.type == "ControlRecorded":
        return _control_catch_up(event, states, directory)
    if event.type == "FarmEnrolled":
        owner = str(event.data["owner_id"])
        return catch_up(event.farm_id, str(event.data["enrolled_on"]), directory.cascades(owner))
    if event.type in ("ViolationFound", "OffenderTerminated"):
        row = _ban(event, states)
        if row is None or (event.type == "OffenderTerminated" and _named(event, states)):
            return []  # no ban, or the finding named the person already: it raised what there was to raise
        return _employed_elsewhere(event, row, directory)
    if event.type in ("PersonnelHired", "WorkerHired"):
        person = event.data.get("person_id") or event.data["worker_id"]
        hired = date.fromisoformat(str(event.data.get("on") or event.data["hired_on"]))
        ban = ban_on(directory.bans_of(person), person, hired)
        if ban is None:
            return []
        last = ban.until - timedelta(days=1) if ban.until else None
        data = {"person_id": person, "banned_until": last.isoformat() if last else None,
                "hired_on": hired.isoformat()}
        return [derive("PersonnelBanViolated", event.farm_id, event.occurred_at, data, [event],
                       f"{person}/{hired.isoformat()}")]
    return []


def _in(spans: Spans, day: str) -> bool:
    return any(since <= day and (until is None or day <= until) for since, until in spans)


def _controlled_with(farm: str, states: Mapping[str, State], directory: Directory, on: str) -> dict[str, str]:
    """SU-2 through `ControlRecorded`: the farms that share a controller in force on `on` with `farm` (its
    owner's other farms aside: `enrolments` gives those), each with its enrolment date."""
    membership = states.get("membership") or {}
    out: dict[str, str] = {}
    for controller in controllers_on(membership, on):
        for other, (enrolled_on, spans) in directory.controlled(controller).items():
            if other != farm and _in(spans, on):
                out[other] = enrolled_on
    return out


def _control_catch_up(event: RecordedEvent, states: Mapping[str, State], directory: Directory) -> list[Derived]:
    """A control recorded after the fact: the suspensions of the controller's other farms during the span
    reach this farm, and this farm's reach them, as if the control had been on record then."""
    d = event.data
    since, until = str(d["since"]), str(d["until"]) if d.get("until") else None
    group = directory.controlled(str(d["controller_id"]))
    enrolled_on = str((states.get("membership") or {}).get("enrolled_on") or "")
    others = {f: v for f, v in group.items() if f != event.farm_id}
    if not others or not enrolled_on:
        return []
    out: list[Derived] = []
    theirs = [r for r in directory.cascades_from(sorted(others)) if _in([(since, until)], r["on"])
              and _in(others[r["origin"]][1], r["on"])]
    out += catch_up(event.farm_id, enrolled_on, theirs)
    ours = [r for r in directory.cascades_from([event.farm_id]) if _in([(since, until)], r["on"])]
    for other, (other_enrolled, spans) in sorted(others.items()):
        out += catch_up(other, other_enrolled, [r for r in ours if _in(spans, r["on"])])
    return out


def _ban(event: RecordedEvent, states: Mapping[str, State]) -> dict[str, Any] | None:
    """The ban row a violation (or the termination naming its offender) imposes, if any."""
    d = event.data
    if event.type == "ViolationFound":
        return ban_row(event.farm_id, d)
    violation = violation_data(states.get("standing") or {}, d["violation_id"])
    return ban_row(event.farm_id, violation, d["person_id"]) if violation else None


def _named(event: RecordedEvent, states: Mapping[str, State]) -> bool:
    violation = violation_data(states.get("standing") or {}, event.data["violation_id"])
    return violation is not None and ban_row(event.farm_id, violation) is not None


def _employed_elsewhere(event: RecordedEvent, row: Mapping[str, Any], directory: Directory) -> list[Derived]:
    """PE-1 (App. C IV.1): a ban that starts while the person works at another participating farm (hired
    before that day, not separated before it) raises `PersonnelBanViolated` there, once per farm and ban
    start. A hire recorded after the ban is the hire check's."""
    start = str(row["from_on"])
    hired: dict[str, str] = {}
    left: dict[str, list[str]] = {}
    for r in directory.employments_of(str(row["person_id"])):
        if r["farm_id"] == event.farm_id:
            continue
        if r["kind"] == "hired" and r["on"] < start:
            hired[r["farm_id"]] = max(hired.get(r["farm_id"], r["on"]), r["on"])
        elif r["kind"] == "separated":
            left.setdefault(r["farm_id"], []).append(r["on"])
    out = []
    for farm, on in sorted(hired.items()):
        if any(on <= gone < start for gone in left.get(farm, [])):
            continue
        ban = ban_on(directory.bans_of(str(row["person_id"])), str(row["person_id"]), date.fromisoformat(start))
        last = ban.until - timedelta(days=1) if ban and ban.until else None
        data = {"person_id": row["person_id"], "banned_until": last.isoformat() if last else None, "hired_on": on}
        out.append(derive("PersonnelBanViolated", farm, event.occurred_at, data, [event],
                          f"{row['person_id']}/employed/{row['violation_id']}"))
    return out


def _owner(states: Mapping[str, State]) -> str | None:
    owner = (states.get("membership") or {}).get("owner_id")
    return str(owner) if owner is not None else None


def _local_day(event: RecordedEvent, states: Mapping[str, State]) -> str:
    return local_date(event.occurred_at, (states.get("membership") or {}).get("time_zone")).isoformat()
