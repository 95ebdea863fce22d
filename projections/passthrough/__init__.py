"""Premium and pass-through (SPEC §3 PT-1..PT-9): the fold of remittances, reports and payroll lines, and the
rule queries over it. `DEADLINES` and `FINDINGS` are what the registry plugs in."""

from __future__ import annotations

from projections.compliance import DeadlineQuery, FindingQuery
from projections.passthrough.consent import consent_findings
from projections.passthrough.deadlines import first_pass_through, monthly_bonus_lines, premium_reports
from projections.passthrough.holidays import holiday_findings
from projections.passthrough.labels import label_findings
from projections.passthrough.minimum_wage import minimum_wage_findings
from projections.passthrough.not_owed import not_owed
from projections.passthrough.pay_timeliness import pay_deadlines, pay_frequency_findings
from projections.passthrough.projection import Passthrough
from projections.passthrough.shortfalls import shortfalls

DEADLINES: list[DeadlineQuery] = [first_pass_through, monthly_bonus_lines, premium_reports, pay_deadlines]
FINDINGS: list[FindingQuery] = [shortfalls, label_findings, minimum_wage_findings, pay_frequency_findings, not_owed,
                             consent_findings, holiday_findings]

__all__ = ["DEADLINES", "FINDINGS", "Passthrough"]
