"""Every fold projection the runners apply, and every rule query. A new rule plugs in here only."""

from __future__ import annotations

from projections.buyers.projection import BuyerNotifications
from projections.compliance import DeadlineQuery, FindingQuery
from projections.membership.projection import Membership
from projections.passthrough import DEADLINES as PASSTHROUGH_DEADLINES
from projections.passthrough import FINDINGS as PASSTHROUGH_FINDINGS
from projections.passthrough import Passthrough
from projections.projection import Projection
from projections.reference import Reference
from projections.standing.projection import StandingProjection
from projections.standing.rules import DEADLINES as CONDUCT_DEADLINES
from projections.standing.rules import FINDINGS as CONDUCT_FINDINGS


def all_projections() -> list[Projection]:
    return [Membership(), Reference(), Passthrough(), StandingProjection(), BuyerNotifications()]


def deadline_queries() -> list[DeadlineQuery]:
    return [*CONDUCT_DEADLINES, *PASSTHROUGH_DEADLINES]


def finding_queries() -> list[FindingQuery]:
    return [*CONDUCT_FINDINGS, *PASSTHROUGH_FINDINGS]
