"""Builders shared by the CO/AU/SU/AP/PE/BU tests: a farm posted to an embedded ledger, queried by date."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from events.types import DEFAULT_TZ
from services.ledger import queries
from services.ledger.embedded import EmbeddedLedger
from services.store.history import history_bodies
from tests.conftest import event, post

ENROLLED = "2025-01-06"  # a Monday


def at(day: str, hour: int = 12) -> str:
    """Noon (or `hour`) on a New York date, as an ISO instant."""
    return datetime.combine(date.fromisoformat(day), time(hour), DEFAULT_TZ).isoformat()


def end_of(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time.max, DEFAULT_TZ)


def plus(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


class Farm:
    """One enrolled farm; `post` records a fact dated `on` (its occurred_at is noon of that day)."""

    def __init__(self, ledger: EmbeddedLedger, farm_id: str = "farm-1", owner: str = "owner-1",
                 enrolled: str = ENROLLED) -> None:
        self.ledger, self.id = ledger, farm_id
        self.post("FarmEnrolled", enrolled, {"owner_id": owner, "name": farm_id.title(), "jurisdiction": "VT",
                                             "enrolled_on": enrolled, "time_zone": "America/New_York"})

    def post(self, type_: str, on: str, data: dict[str, Any], role: str = "mdsc") -> None:
        report = post(self.ledger, event(type_, self.id, at(on), data, role=role))
        assert report.accepted == 1 and not report.rejected, report.as_json()

    # -- facts ---------------------------------------------------------------------------------
    def violation(self, vid: str, on: str, article: str, clause: str | None, role: str = "none",
                  person: str | None = None, **extra: Any) -> None:
        self.post("ViolationFound", on, {"violation_id": vid, "source_id": "audit-1", "article": article,
                                         "clause": clause, "found_on": on,
                                         "offender": {"role": role, "person_id": person}, **extra})

    def audit(self, audit_id: str, on: str, kind: str, outcome: str, **extra: Any) -> None:
        self.post("AuditConducted", on, {"audit_id": audit_id, "kind": kind, "conducted_on": on, "outcome": outcome,
                                         **extra})

    def suspend(self, sid: str, on: str, **extra: Any) -> None:
        self.post("SuspensionNoticed", on, {"suspension_id": sid, "notice_on": on, "basis": "Art. II o", **extra})

    def appeal(self, aid: str, subject: str, subject_id: str, on: str, **extra: Any) -> None:
        self.post("AppealFiled", on, {"appeal_id": aid, "subject": subject, "subject_id": subject_id,
                                      "filed_on": on, **extra}, role="farm")

    def decide(self, aid: str, on: str, outcome: str) -> None:
        self.post("AppealDecided", on, {"appeal_id": aid, "decided_on": on, "outcome": outcome}, role="arbitrator")

    def reentry(self, on: str, outcome: str = "pass") -> None:
        self.audit(f"reentry-{on}", on, "reentry", outcome)

    # -- queries -------------------------------------------------------------------------------
    def standing(self, on: str) -> dict[str, Any]:
        return queries.standing(self.ledger.engine, self.id, end_of(on))

    def is_(self, on: str) -> str:
        value: str = self.standing(on)["standing"]
        return value

    def deadlines(self, on: str, rule: str) -> list[dict[str, Any]]:
        return [r for r in queries.deadlines(self.ledger.engine, self.id, end_of(on)) if r["rule"] == rule]

    def deadline(self, on: str, rule: str) -> dict[str, Any]:
        rows = self.deadlines(on, rule)
        assert len(rows) == 1, rows
        return rows[0]

    def findings(self, on: str, rule: str) -> list[dict[str, Any]]:
        return [r for r in queries.findings(self.ledger.engine, self.id, end_of(on)) if r["rule"] == rule]

    def derived(self, type_: str) -> list[dict[str, Any]]:
        import orjson

        with self.ledger.engine.connect() as conn:
            events = [orjson.loads(b) for _, _, b in history_bodies(conn, self.id)]
            return [e for e in events if e["type"] == type_]
