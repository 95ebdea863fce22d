"""PT-4: the workers' bonus pool of a premium month and each eligible worker's expected share.

pool = sum over the month's remittances of amount x worker_share in force on the day it was received,
rounded once to the cent (half up). Shares are in proportion to hours and use the largest-remainder
method, so the cents always add up to the pool exactly; ties go to the smaller worker id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from math import lcm

from events.types import CENT
from projections.passthrough.payroll import PayrollLine
from projections.passthrough.remittances import Remittance
from projections.projection import State
from projections.reference.rates import worker_share_on

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Pool:
    premium: Decimal
    """Premium received in the month."""
    amount: Decimal
    """The workers' bonus pool, in cents."""
    causes: tuple[str, ...]
    """The remittances and the worksheet shares it was computed from."""


def bonus_pool(month: Iterable[Remittance], reference: State) -> Pool:
    """Raises RateMissing when a remittance was received on a day with no BonusWorksheetSet in force."""
    premium, exact, causes = ZERO, Decimal(0), []
    for r in month:
        share = worker_share_on(reference, r.received_on)
        premium += r.amount
        exact += r.amount * share.value
        causes += [r.event_id, share.event_id]
    return Pool(premium, exact.quantize(CENT, rounding=ROUND_HALF_UP), tuple(dict.fromkeys(causes)))


def split(pool: Decimal, hours: Mapping[str, Fraction]) -> dict[str, Decimal]:
    """Each worker's share of `pool` by hours, in cents that add up to `pool` exactly (largest remainder).

    Exact in integers: with every worker's hours over one common denominator (h_w = H_w / D), a worker's
    exact share cents * h_w / total is cents * H_w / T (T = sum of H_w): floor and remainder by divmod."""
    common = lcm(*(h.denominator for h in hours.values())) if hours else 1
    scaled = {w: h.numerator * (common // h.denominator) for w, h in hours.items()}
    total = sum(scaled.values())
    if not hours or total <= 0:
        return {w: ZERO for w in hours}
    cents = int(pool / CENT)
    parts = {w: divmod(cents * h, total) for w, h in scaled.items()}
    base = {w: q for w, (q, _) in parts.items()}
    left = cents - sum(base.values())
    by_remainder = sorted(hours, key=lambda w: (-parts[w][1], w))
    for w in by_remainder[:left]:
        base[w] += 1
    return {w: Decimal(c) * CENT for w, c in base.items()}


def paid_by(bonus: Iterable[PayrollLine], as_of: date | None = None) -> list[PayrollLine]:
    """Those of a premium month's bonus lines (`Books.bonus_lines`) paid by `as_of` (ever, when None)."""
    return [line for line in bonus if line.paid_on is not None and (as_of is None or line.paid_on <= as_of)]
