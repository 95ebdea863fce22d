"""Every CO/AU/AP/PE rule query, for the registry."""

from __future__ import annotations

from projections.appeals import rules as appeals
from projections.audits import rules as audits
from projections.complaints import deadlines as complaints
from projections.compliance import DeadlineQuery, FindingQuery
from projections.personnel import rules as personnel

DEADLINES: list[DeadlineQuery] = [*complaints.DEADLINES, *audits.DEADLINES, *appeals.DEADLINES, *personnel.DEADLINES]
FINDINGS: list[FindingQuery] = [*audits.FINDINGS, *appeals.FINDINGS, *personnel.FINDINGS]
