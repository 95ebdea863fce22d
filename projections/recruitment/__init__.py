"""Responsible recruitment (SPEC §5 RR-1..RR-4; Stronger Together US, the employer-pays principle, Clearview
certification of labour contractors): the contractor registry, hires through contractors, recruitment fees
and their reimbursement, contractors flagged across farms, workers' reviews of recruiters."""

from projections.compliance import DeadlineQuery, FindingQuery
from projections.recruitment.projection import Contractors, Recruitment
from projections.recruitment.rules import fee_findings, flagged_hires, reimbursements, unlicensed_hires

DEADLINES: list[DeadlineQuery] = [reimbursements]
FINDINGS: list[FindingQuery] = [unlicensed_hires, fee_findings, flagged_hires]

__all__ = ["DEADLINES", "FINDINGS", "Contractors", "Recruitment"]
