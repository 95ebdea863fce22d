"""The labour-contractor registry as of a date (RR-1, RR-4): is the licence in force, which certification is.

A registration's licence is in force from `license_issued_on` (else the day it was registered) to
`license_expires_on`, both inclusive; a renewal is a new registration. A certification is in force from
`certified_on` to `expires_on` unless a `ContractorCertificationEnded` of the same scheme fell in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from projections.projection import State
from projections.recruitment.projection import CONTRACTORS


@dataclass(frozen=True, slots=True)
class Licence:
    in_force: bool
    reason: str
    """Why not, when not: `not registered`, `licence expired on ...`, `licence not yet in force on ...`."""
    event_id: str | None = None


def contractor(program: State | dict[str, Any], contractor_id: str) -> dict[str, Any] | None:
    entry: dict[str, Any] | None = (program.get(CONTRACTORS) or {}).get("contractors", {}).get(contractor_id)
    return entry


def licence_on(program: State | dict[str, Any], contractor_id: str, day: date) -> Licence:
    entry = contractor(program, contractor_id)
    if not entry or not entry["registrations"]:
        return Licence(False, "not registered")
    iso = day.isoformat()
    for r in entry["registrations"]:
        start = r.get("license_issued_on") or r["registered_on"]
        if start <= iso <= r["license_expires_on"]:
            return Licence(True, "", r["event_id"])
    last = max(entry["registrations"], key=lambda r: r["license_expires_on"])
    if last["license_expires_on"] < iso:
        return Licence(False, f"licence expired on {last['license_expires_on']}", last["event_id"])
    return Licence(False, f"licence not yet in force on {iso}", last["event_id"])


def certification_on(program: State | dict[str, Any], contractor_id: str, day: date) -> dict[str, Any] | None:
    """The certification in force on `day` (the latest-starting one), or None (RR-4)."""
    entry = contractor(program, contractor_id)
    if not entry:
        return None
    iso = day.isoformat()
    live = []
    for c in entry["certifications"]:
        if not c["certified_on"] <= iso <= c["expires_on"]:
            continue
        if any(e["scheme"] == c["scheme"] and c["certified_on"] <= e["on"] <= iso for e in entry["ended"]):
            continue
        live.append(c)
    return max(live, key=lambda c: (c["certified_on"], c["event_id"])) if live else None


def name_of(program: State | dict[str, Any], contractor_id: str) -> str | None:
    entry = contractor(program, contractor_id)
    if not entry or not entry["registrations"]:
        return None
    return str(entry["registrations"][-1]["name"])
