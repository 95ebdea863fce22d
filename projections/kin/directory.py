"""The `kin_facts` directory: what one farm's events tell the rules of other farms (and the program-wide
queries), without shared memory. Written by the fold (insert-only, keyed by kind and event id); read at
query time by `services/ledger/queries.py`, which hands the rows to the pure rules in the farm's view.

Kinds (key, value):
  purchase              buyer_id, "sales_period cwt"     BP-1 by buyer, RK-2 portfolio
  contractor_hire       contractor_id, worker_id         `dignity contractors`
  contractor_fee        contractor_id, fee_id            RR-3 flag (an RR-2 finding)
  contractor_violation  contractor_id, violation_id      RR-3 flag (an Article I violation naming it)
  contractor_review     contractor_id, rating            review aggregates
  article_i             "jurisdiction/clause", violation_id   RK-1 FL-R / CL-R at other farms
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from events.recorded import RecordedEvent
from projections.projection import State

TABLE = "kin_facts"
TYPES = frozenset({"MilkPurchased", "WorkerHired", "RecruitmentFeeReported", "ViolationFound", "RecruiterReviewed"})
FLAG_KINDS = ("contractor_fee", "contractor_violation")
VIEW = "kin_facts"
"""The farm view's entry: {"flags": [rows of the contractors it hired through], "article_i": [rows of its
jurisdiction]} (the loader fills it)."""


def row(kind: str, event: RecordedEvent, key: str, on: str, value: str) -> tuple[str, dict[str, Any]]:
    return TABLE, {"kind": kind, "event_id": event.event_id, "key": key, "farm_id": event.farm_id,
                   "on": on, "value": value}


def directory_rows(event: RecordedEvent, states: Mapping[str, State]) -> list[tuple[str, dict[str, Any]]]:
    d = event.data
    match event.type:
        case "MilkPurchased":
            return [row("purchase", event, d["buyer_id"], f"{d['sales_period']}-01", f"{d['sales_period']} {d['cwt']}")]
        case "WorkerHired" if d.get("recruited_via"):
            return [row("contractor_hire", event, d["recruited_via"], str(d["hired_on"]), d["worker_id"])]
        case "RecruitmentFeeReported" if d.get("contractor_id"):
            return [row("contractor_fee", event, d["contractor_id"], str(d["reported_on"]), d["fee_id"])]
        case "RecruiterReviewed":
            on = str(d.get("reviewed_on") or event.occurred_at.date().isoformat())
            return [row("contractor_review", event, d["contractor_id"], on, str(d["rating"]))]
        case "ViolationFound" if d.get("article") == "I":
            out = []
            jurisdiction = (states.get("membership") or {}).get("jurisdiction")
            if jurisdiction:
                out.append(row("article_i", event, f"{jurisdiction}/{d['clause']}", str(d["found_on"]),
                               d["violation_id"]))
            if d.get("contractor_id"):
                out.append(row("contractor_violation", event, d["contractor_id"], str(d["found_on"]),
                               d["violation_id"]))
            return out
    return []
