"""Every fold projection the runners apply, and every rule query. A new rule plugs in here only."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime

from projections.audits import annual, referral
from projections.audits.risk import RiskLevels
from projections.buyers.projection import BuyerNotifications
from projections.compliance import DeadlineQuery, FindingQuery
from projections.education import rules as education
from projections.education.projection import Education
from projections.housing import rules as housing
from projections.leave import sick, vacation
from projections.membership.projection import Membership
from projections.passthrough import DEADLINES as PASSTHROUGH_DEADLINES
from projections.passthrough import FINDINGS as PASSTHROUGH_FINDINGS
from projections.passthrough import Passthrough
from projections.premium import FINDINGS as PREMIUM_FINDINGS
from projections.premium import PremiumRates, Purchases
from projections.projection import Derived, Projection, State
from projections.recruitment import DEADLINES as RECRUITMENT_DEADLINES
from projections.recruitment import FINDINGS as RECRUITMENT_FINDINGS
from projections.recruitment import Contractors, Recruitment
from projections.reference import Reference
from projections.risk import Risk, RiskIndicators
from projections.standing.conduct import ConductFacts
from projections.standing.projection import StandingProjection
from projections.standing.projection import tick as standing_tick
from projections.standing.rules import DEADLINES as CONDUCT_DEADLINES
from projections.standing.rules import FINDINGS as CONDUCT_FINDINGS


def all_projections() -> list[Projection]:
    return [Membership(), Reference(), Passthrough(), StandingProjection(), BuyerNotifications(), Education(),
            RiskLevels(), *kin_projections(), ConductFacts()]


def kin_projections() -> list[Projection]:
    """Buyers' premium, recruitment and risk maps (SPEC §5)."""
    return [Purchases(), PremiumRates(), Contractors(), Recruitment(), RiskIndicators(), Risk()]


Tick = Callable[[Mapping[str, State], date, datetime], list[Derived]]
"""A pure step over one farm's states (by projection name): the derived events time alone has brought by the
end of a farm-local date, recorded at a ledger time; folded by the runner like a fact's derived events."""


def tickers() -> list[Tick]:
    return [standing_tick]


def deadline_queries() -> list[DeadlineQuery]:
    return [*CONDUCT_DEADLINES, *PASSTHROUGH_DEADLINES, *education.DEADLINES, *annual.DEADLINES,
            *referral.DEADLINES, *vacation.DEADLINES, *RECRUITMENT_DEADLINES]


def finding_queries() -> list[FindingQuery]:
    return [*CONDUCT_FINDINGS, *PASSTHROUGH_FINDINGS, *housing.FINDINGS, *sick.FINDINGS, *PREMIUM_FINDINGS,
            *RECRUITMENT_FINDINGS]
