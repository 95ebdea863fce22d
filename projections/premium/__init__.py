"""Buyers' premium (SPEC §5 BP-1, Code App. B I.1): milk bought per farm and month, the premium per cwt owed
for it, and what was remitted against it."""

from projections.compliance import FindingQuery
from projections.premium.owed import underpayments
from projections.premium.projection import PremiumRates, Purchases

FINDINGS: list[FindingQuery] = [underpayments]

__all__ = ["FINDINGS", "PremiumRates", "Purchases"]
