"""Program reference data (keyed `program`): minimum wages, the livable wage, the bonus worksheet share."""

from projections.reference.projection import Reference
from projections.reference.rates import RateMissing, livable_wage_on, minimum_wage_on, worker_share_on

__all__ = ["RateMissing", "Reference", "livable_wage_on", "minimum_wage_on", "worker_share_on"]
