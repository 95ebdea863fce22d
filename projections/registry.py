"""Every fold projection the runners apply, and every rule query. A new rule plugs in here only."""

from __future__ import annotations

from projections.compliance import DeadlineQuery, FindingQuery
from projections.membership.projection import Membership
from projections.projection import Projection


def all_projections() -> list[Projection]:
    return [Membership()]


def deadline_queries() -> list[DeadlineQuery]:
    return []


def finding_queries() -> list[FindingQuery]:
    return []
