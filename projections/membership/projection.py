"""The farm directory: enrolment, owner, time zone, links to buyers and cooperatives, workers.

State (JSON-native):
  {"enrolled_on", "owner_id", "name", "jurisdiction", "time_zone", "withdrawn_on",
   "buyers": {buyer_id: [[since, until|None], ...]}, "cooperatives": [ids],
   "workers": {worker_id: {"hired_on", "separated_on", "supervisory", "relative_of_owner",
               "regular_day_hours", "recruited_via", "separation": {by, housed, vacate_by, article_i_termination}}},
   "orientation_on", "controllers": [{"controller_id", "role", "since", "until"}]}
"""

from __future__ import annotations

from typing import ClassVar

from events.recorded import RecordedEvent
from projections.projection import Derived, State


class Membership:
    name: ClassVar[str] = "membership"
    types: ClassVar[frozenset[str]] = frozenset(
        {"FarmEnrolled", "FarmWithdrawn", "BuyerLinked", "BuyerUnlinked", "CooperativeLinked",
         "OrientationCompleted", "WorkerHired", "WorkerSeparated", "ControlRecorded"}
    )

    def initial(self, key: str) -> State:
        return {"farm_id": key, "buyers": {}, "cooperatives": [], "workers": {}}

    def apply(self, state: State, event: RecordedEvent) -> list[Derived]:
        d = event.data
        match event.type:
            case "FarmEnrolled":
                state.update(
                    enrolled_on=d["enrolled_on"], owner_id=d["owner_id"], name=d["name"],
                    jurisdiction=d["jurisdiction"], time_zone=d["time_zone"],
                )
            case "FarmWithdrawn":
                state["withdrawn_on"] = d["on"]
            case "BuyerLinked":
                state["buyers"].setdefault(d["buyer_id"], []).append([d["since"], None])
            case "BuyerUnlinked":
                spans = state["buyers"].get(d["buyer_id"], [])
                if spans and spans[-1][1] is None:
                    spans[-1][1] = d["on"]
            case "CooperativeLinked":
                if d["cooperative_id"] not in state["cooperatives"]:
                    state["cooperatives"].append(d["cooperative_id"])
            case "OrientationCompleted":
                state.setdefault("orientation_on", d["on"])
            case "WorkerHired":
                state["workers"][d["worker_id"]] = {
                    "hired_on": d["hired_on"], "separated_on": None,
                    "supervisory": d.get("supervisory", False), "relative_of_owner": d.get("relative_of_owner", False),
                    "regular_day_hours": d.get("regular_day_hours") or "8", "recruited_via": d.get("recruited_via"),
                }
            case "WorkerSeparated":
                worker = state["workers"].get(d["worker_id"])
                if worker is not None:
                    worker["separated_on"] = d["on"]
                    keys = ("by", "housed", "vacate_by", "article_i_termination")
                    worker["separation"] = {**{k: d.get(k) for k in keys}, "event_id": event.event_id}
            case "ControlRecorded":
                entry = {k: d.get(k) for k in ("controller_id", "role", "since", "until")}
                if entry not in state.setdefault("controllers", []):
                    state["controllers"].append(entry)
                    state["controllers"].sort(key=lambda c: (c["controller_id"], c["since"], c["until"] or ""))
        return []


def buyers_on(state: State, day: str) -> list[str]:
    """Buyers linked to the farm on an ISO date (SPEC BU-1)."""
    return sorted(
        buyer
        for buyer, spans in state.get("buyers", {}).items()
        if any(since <= day and (until is None or day < until) for since, until in spans)
    )


def controllers_on(state: State, day: str) -> list[str]:
    """Who controls the farm on an ISO date (SU-2): its owner and every `ControlRecorded` in force."""
    found = {c["controller_id"] for c in state.get("controllers", [])
             if c["since"] <= day and (c["until"] is None or day <= c["until"])}
    if state.get("owner_id"):
        found.add(str(state["owner_id"]))
    return sorted(found)
