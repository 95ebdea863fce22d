"""SU-2 process manager: a farm's suspension suspends every farm of the same owner for the same period.

Farms are partitioned by farm, so the owner's other farms learn of it through the log: on each
`StandingChanged` about one of this farm's own suspensions (took effect, stayed, upheld, overturned), one
`SuspensionNoticed{cascade_of}` is addressed to each sibling farm, with a deterministic id. A change that
happens purely by time has no event yet in the embedded mode; `pending_cascades` gives a sibling, at
query time, the notices the timer would have sent (same ids, so nothing is counted twice).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from events.recorded import RecordedEvent
from projections.calendar import local_date
from projections.derive import derive, derived_id
from projections.projection import Derived, State
from projections.standing.facts import Fact
from projections.standing.query import standing_changes

_STATUS = {"suspension": "effective", "appeal_upheld": "effective", "suspension_stayed": "stayed",
           "appeal_overturned": "void"}


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


def cascade(change: RecordedEvent, siblings: list[str], tz: str | None) -> list[Derived]:
    """The notices a `StandingChanged` of `change.farm_id` sends to the owner's other farms."""
    made = notice(change.farm_id, change.data, local_date(change.occurred_at, tz).isoformat())
    if made is None:
        return []
    key, data = made
    return [derive("SuspensionNoticed", farm, change.occurred_at, data, [change], key)
            for farm in sorted(siblings) if farm != change.farm_id]


def pending_cascades(farm_id: str, state: State, siblings: Mapping[str, State], as_of: date) -> State:
    """`state` (this farm's standing) plus the cascade notices its siblings' not-yet-emitted changes up to
    `as_of` would send it: what the distributed timer would have delivered by then."""
    have = {f["event_id"] for f in state.get("facts", [])}
    extra: list[Fact] = []
    for origin, other in sorted(siblings.items()):
        if origin == farm_id:
            continue
        emitted = set(other.get("emitted", []))
        for change in standing_changes(other, as_of):
            made = notice(origin, change.as_data(), change.on.isoformat()) if change.key() not in emitted else None
            if made is None:
                continue
            key, data = made
            event_id = derived_id("SuspensionNoticed", farm_id, key)
            if event_id not in have:  # numbered as a relayed notice is (see StandingProjection._seq)
                extra.append({"type": "SuspensionNoticed", "on": data["notice_on"], "seq": 0,
                              "event_id": event_id, "data": data})
    return {**state, "facts": [*state.get("facts", []), *extra]} if extra else state
