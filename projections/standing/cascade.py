"""SU-2 process manager: a farm's suspension suspends every farm of the same owner for the same period.

Farms are partitioned by farm, so the owner's other farms learn of it through the log: on each
`StandingChanged` about one of this farm's own suspensions (took effect, stayed, upheld, overturned), one
`SuspensionNoticed{cascade_of}` is addressed to each sibling farm, with a deterministic id. A change that
happens purely by time has no event yet in the embedded mode; `pending_cascades` gives a sibling, at
query time, the notices the timer would have sent (same ids, so nothing is counted twice).

Which notices reach a sibling depends only on the suspension's notices so far and the sibling's enrolment
date (`reaches`), never on which of the two was applied first: the notice is sent when the change is
applied if the sibling is enrolled by then (`cascade`), or when the sibling's enrolment is applied
otherwise (`catch_up`), from the insert-only `cascades` directory. Both make the same events.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from events.recorded import RecordedEvent
from projections.derive import derive, derived_id
from projections.projection import Derived, State
from projections.standing.facts import Fact, fact_order
from projections.standing.query import standing_changes

_STATUS = {"suspension": "effective", "appeal_upheld": "effective", "suspension_stayed": "stayed",
           "appeal_overturned": "void"}

_Notice = tuple[str, dict[str, Any], RecordedEvent]
"""A notice's key and data, and the origin's change it follows."""

CascadeRow = Mapping[str, Any]
"""A row of the `cascades` directory: {"origin", "suspension_id", "on", "change"} where `change` is the
origin's `StandingChanged` body and `on` its date in the origin's time zone."""


def notice(origin: str, change: Mapping[str, Any], on: str) -> tuple[str, dict[str, Any]] | None:
    """The key and data of the notice a change of `origin` sends its siblings, if it sends one."""
    status = _STATUS.get(change.get("kind") or "")
    sid = change.get("suspension_id")
    if change.get("cascade_of") or status is None or sid is None:
        return None  # a cascaded suspension never cascades again
    if status == "effective" and change["standing"] != "suspended":
        return None
    data = {"suspension_id": sid, "notice_on": on, "effective_on": on, "until": change.get("until"),
            "basis": f"SU-2: {origin} suspended ({sid})", "cascade_of": origin, "cascade_status": status}
    return f"{origin}/{sid}/{status}/{on}", data


def reaches(notices: Sequence[Mapping[str, Any]], enrolled_on: str) -> bool:
    """Whether a suspension whose notices so far are `notices` (their data) reaches a farm enrolled on
    `enrolled_on`: once one of them showed it in force on or after that day (a period ending then or
    later) or stayed pending an appeal. Sticky, so every later notice of it (the stay, the outcome)
    follows; a period over before the farm enrolled does not reach it."""
    return any(n["cascade_status"] == "stayed"
               or (n["cascade_status"] == "effective" and (n.get("until") is None or n["until"] >= enrolled_on))
               for n in notices)


def cascade(change: RecordedEvent, on: str, siblings: Mapping[str, str],
            so_far: Sequence[CascadeRow]) -> list[Derived]:
    """The notices a `StandingChanged` of `change.farm_id` sends the owner's other farms (`siblings`: farm
    -> enrolled_on). `so_far` are the directory rows of the same suspension in order (this change's
    included, or appended here): a sibling it reaches for the first time gets the earlier notices too."""
    made = notice(change.farm_id, change.data, on)
    if made is None:
        return []
    notices = [_notice_of(r) for r in so_far]
    keys = [key for key, _, _ in notices]
    notices = notices[: keys.index(made[0]) + 1] if made[0] in keys else [*notices, (*made, change)]
    out: list[Derived] = []
    for farm, enrolled_on in sorted(siblings.items()):
        if farm == change.farm_id or not reaches([d for _, d, _ in notices], enrolled_on):
            continue
        first = not reaches([d for _, d, _ in notices[:-1]], enrolled_on)
        out += [_to(farm, *n) for n in (_arrival(notices) if first else notices[-1:])]
    return out


def catch_up(farm: str, enrolled_on: str, rows: Sequence[CascadeRow]) -> list[Derived]:
    """For a farm whose enrolment is applied now: the notices its owner's other farms' suspensions sent so
    far (`rows`, in the order they were derived) that reach it, as `cascade` would have sent them."""
    by_suspension: dict[tuple[str, str], list[_Notice]] = {}
    for row in rows:
        if row["origin"] != farm:
            by_suspension.setdefault((row["origin"], row["suspension_id"]), []).append(_notice_of(row))
    out: list[Derived] = []
    for _, notices in sorted(by_suspension.items()):
        if reaches([d for _, d, _ in notices], enrolled_on):
            out += [_to(farm, *n) for n in _arrival(notices)]
    return out


def _arrival(notices: list[_Notice]) -> list[_Notice]:
    """The order to send several notices of one suspension in at once: a stay or an overturn arriving
    before the notice that put the suspension in force is set aside by the sibling's machine, so the
    sibling's fold (which emits on each arrival) shows the outcome they make together, never "suspended"
    and then "stayed" on one day."""
    return sorted(notices, key=lambda n: n[1]["cascade_status"] == "effective")


def _notice_of(row: CascadeRow) -> _Notice:
    change = RecordedEvent.from_wire(dict(row["change"]))
    made = notice(row["origin"], change.data, row["on"])
    assert made is not None, "the directory holds only changes that cascade"
    return made[0], made[1], change


def _to(farm: str, key: str, data: dict[str, Any], change: RecordedEvent) -> Derived:
    return derive("SuspensionNoticed", farm, change.occurred_at, data, [change], key)


def pending_cascades(farm_id: str, state: State, siblings: Mapping[str, State], as_of: date,
                     linked: Callable[[str, str], bool] | None = None) -> State:
    """`state` (this farm's standing) plus the cascade notices its siblings' not-yet-emitted changes up to
    `as_of` would send it: what the distributed timer would have delivered by then. `linked(sibling, day)`
    says whether a sibling shares an owner or a controller in force with this farm on that day (SU-2
    through `ControlRecorded`); always, when not given."""
    have = {f["event_id"] for f in state.get("facts", [])}
    settled = (state.get("snapshot") or {}).get("on", "")
    extra: list[Fact] = []
    for origin, other in sorted(siblings.items()):
        if origin == farm_id:
            continue
        emitted = set(other.get("emitted", []))
        for change in standing_changes(other, as_of):
            if linked is not None and not linked(origin, change.on.isoformat()):
                continue
            made = notice(origin, change.as_data(), change.on.isoformat()) if change.key() not in emitted else None
            if made is None:
                continue
            key, data = made
            event_id = derived_id("SuspensionNoticed", farm_id, key)
            if data["notice_on"] <= settled:  # the snapshot is past it: the tick will re-open it when it writes
                continue
            if event_id not in have:  # numbered as a relayed notice is (see StandingProjection._seq)
                extra.append({"type": "SuspensionNoticed", "on": data["notice_on"], "seq": 0,
                              "event_id": event_id, "data": data})
    return {**state, "facts": sorted([*state.get("facts", []), *extra], key=fact_order)} if extra else state
