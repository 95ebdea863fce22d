"""Audits and findings: audits, violations and what follows a violation."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from events.envelope import Envelope, Model
from events.types import Day, Instant

ARTICLE_I_CLAUSES = frozenset("abcde")
ARTICLE_II_CLAUSES = frozenset("abcdefghijklmno")


class AuditConductedData(Model):
    audit_id: str = Field(min_length=1)
    kind: Literal["baseline", "annual", "remedial", "reentry"]
    conducted_on: Day
    outcome: Literal["pass", "fail", "impeded", "likely_to_comply"]
    cap_id: str | None = None
    cure_by: Day | None = None
    """AU-8: MDSC's end of the cure period after a failed remedial audit (default 30 days)."""


class Offender(Model):
    role: Literal["owner", "manager", "supervisor", "worker", "none"]
    person_id: str | None = None


class ViolationFoundData(Model):
    violation_id: str = Field(min_length=1)
    source_id: str = Field(min_length=1)
    article: Literal["I", "II", "III"]
    clause: str | None = None
    found_on: Day
    offender: Offender = Offender(role="none")
    with_contact: bool = True
    """Article I (d): sexual harassment with physical contact (AU-4); ignored for other clauses."""
    contractor_id: str | None = Field(default=None, min_length=1)
    """The labour contractor involved, if any (RR-3)."""

    @model_validator(mode="after")
    def _clause_fits_article(self) -> ViolationFoundData:
        allowed = {"I": ARTICLE_I_CLAUSES, "II": ARTICLE_II_CLAUSES}.get(self.article)
        if allowed is None and self.clause is not None:
            raise ValueError("clause must be null for Article III")
        if allowed is not None and self.clause not in allowed:
            raise ValueError(f"clause must be one of {''.join(sorted(allowed))} for Article {self.article}")
        return self


class LawEnforcementReferredData(Model):
    violation_id: str = Field(min_length=1)
    on: Day


class OffenderTerminatedData(Model):
    violation_id: str = Field(min_length=1)
    person_id: str = Field(min_length=1)
    terminated_at: Instant


class RemedyDesignatedData(Model):
    violation_id: str = Field(min_length=1)
    due_on: Day


class RemedyCompletedData(Model):
    violation_id: str = Field(min_length=1)
    on: Day


class AuditConducted(Envelope):
    type: Literal["AuditConducted"]
    data: AuditConductedData


class ViolationFound(Envelope):
    type: Literal["ViolationFound"]
    data: ViolationFoundData


class LawEnforcementReferred(Envelope):
    type: Literal["LawEnforcementReferred"]
    data: LawEnforcementReferredData


class OffenderTerminated(Envelope):
    type: Literal["OffenderTerminated"]
    data: OffenderTerminatedData


class RemedyDesignated(Envelope):
    type: Literal["RemedyDesignated"]
    data: RemedyDesignatedData


class RemedyCompleted(Envelope):
    type: Literal["RemedyCompleted"]
    data: RemedyCompletedData
