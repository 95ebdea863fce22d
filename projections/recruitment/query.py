"""SPEC §4 `dignity contractors [--contractor ID] [--as-of DATE]`: each contractor's registry entry, the
farms that hired through it, its certification on each hire (RR-4), its findings (RR-1..RR-3) and its
workers' reviews as aggregates (the comments stay sealed; MDSC reads them one by one elsewhere).

Pure: the program's registry and the `kin_facts` rows of the contractors asked about, as of a date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from projections.calendar import add_years
from projections.compliance import Finding
from projections.kin.directory import FLAG_KINDS
from projections.projection import State
from projections.recruitment.projection import CONTRACTORS
from projections.recruitment.registry import certification_on, licence_on, name_of
from projections.recruitment.rules import FLAG_YEARS, Hire, hire_findings

Row = Mapping[str, Any]


def contractor_ids(program: State, rows: Iterable[Row]) -> list[str]:
    return sorted(set((program.get(CONTRACTORS) or {}).get("contractors", {})) | {r["key"] for r in rows})


def review_summary(rows: Iterable[Row]) -> dict[str, Any]:
    ratings = [int(r["value"]) for r in rows]
    mean = (Decimal(sum(ratings)) / len(ratings)).quantize(Decimal("0.01"), ROUND_HALF_UP) if ratings else None
    return {"count": len(ratings), "mean_rating": str(mean) if mean is not None else None,
            "by_rating": {str(n): ratings.count(n) for n in range(1, 6)}}


def contractor_row(program: State, contractor_id: str, rows: list[Row], as_of: date) -> dict[str, Any]:
    """One contractor as of a date. `rows`: its kin_facts rows (hires, fees, violations, reviews)."""
    day = as_of.isoformat()
    mine = [r for r in rows if r["key"] == contractor_id and r["on"] <= day]
    flags = [r for r in mine if r["kind"] in FLAG_KINDS]
    hires = [Hire(r["farm_id"], r["value"], date.fromisoformat(r["on"]), contractor_id, r["event_id"])
             for r in mine if r["kind"] == "contractor_hire"]
    findings: list[Finding] = []
    farms: dict[str, dict[str, Any]] = {}
    for hire in sorted(hires, key=lambda h: (h.hired_on, h.farm_id, h.worker_id)):
        findings += hire_findings(hire, program, flags)
        farm = farms.setdefault(hire.farm_id, {"farm_id": hire.farm_id, "hires": 0, "uncertified_hires": 0})
        farm["hires"] += 1
        if certification_on(program, contractor_id, hire.hired_on) is None:
            farm["uncertified_hires"] += 1
    for fee in (r for r in mine if r["kind"] == "contractor_fee"):
        findings.append(Finding("RR-2", fee["farm_id"], fee["value"], date.fromisoformat(fee["on"]),
                                {"contractor_id": contractor_id}, (fee["event_id"],)))
    cert = certification_on(program, contractor_id, as_of)
    return {
        "contractor_id": contractor_id, "name": name_of(program, contractor_id),
        "licence_in_force": licence_on(program, contractor_id, as_of).in_force,
        "certified": cert["scheme"] if cert else None,
        "farms": [farms[f] for f in sorted(farms)], "hires": len(hires),
        "uncertified_hires": sum(f["uncertified_hires"] for f in farms.values()),
        "flagged": any(as_of < add_years(date.fromisoformat(f["on"]), FLAG_YEARS) for f in flags),
        "findings": [f.as_json() for f in sorted(findings, key=lambda f: (f.on, f.rule, f.farm_id, f.subject_id))],
        "reviews": review_summary(r for r in mine if r["kind"] == "contractor_review"),
    }


def contractors(program: State, rows: list[Row], as_of: date, contractor_id: str | None = None
                ) -> list[dict[str, Any]]:
    ids = [contractor_id] if contractor_id else contractor_ids(program, rows)
    return [contractor_row(program, c, rows, as_of) for c in ids]
