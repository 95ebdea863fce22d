"""Risk maps (SPEC §5 RK-1, RK-2): the Rainforest Alliance child- and forced-labour method applied to each
farm from the ledger's own evidence, and seed 004's medium-risk-hours equivalents per farm and buyer."""

from projections.risk.projection import Risk, RiskIndicators
from projections.risk.score import levels

__all__ = ["Risk", "RiskIndicators", "levels"]
