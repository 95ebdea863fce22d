"""Monthly MD premium remittances from the farm's cooperative, and the farm's monthly premium report.

Month M's remittances pay for the milk sold in M-1 (`sales_period`) and arrive between the 8th and the 15th
of M: one a month, or two when the milk of two buyers is attributed separately. The amount is the
hundredweight sold times the buyer's premium per cwt.
"""

from __future__ import annotations

from datetime import date, timedelta

from services.generate.calendar import Month
from services.generate.emit import Emitter, cents
from services.generate.farm import Farm
from services.generate.names import BUYER_RATE


def remit(farm: Farm, month: Month, out: Emitter) -> int:
    """Emit this month's remittances; returns the cents received (the premium month's pool base)."""
    if month.first <= farm.enrolled_on.replace(day=1):
        return 0  # the first sales period is the enrolment month, paid the month after
    rng = farm.rng
    days_sold = (month.first - timedelta(days=1)).day
    cwt = farm.cows * rng.randint(68, 80) * days_sold // 100
    if len(farm.buyers) > 1 and rng.random() < 0.5:
        split = cwt * rng.randint(40, 60) // 100
        parts = [(farm.buyers[0], split), (farm.buyers[1], cwt - split)]
    else:
        parts = [(farm.buyers[0], cwt)]
    total = 0
    for buyer, volume in parts:
        amount = volume * BUYER_RATE[buyer]
        received = month.day(rng, 8, 15)
        total += amount
        farm.sold.append((buyer, month.previous_period(), volume))
        out.emit(rng, "PremiumRemitted", farm.farm_id, received, 10 * 60, ("cooperative", farm.cooperative_id), {
            "remittance_id": farm.next_id("rem"), "payor_id": farm.cooperative_id, "attributed_buyer_id": buyer,
            "sales_period": month.previous_period(), "amount": cents(amount), "received_on": received.isoformat(),
            "reference": f"{rng.choice(('CHK', 'ACH'))}-{rng.randrange(10**7):07d}",
        })
    return total


def report(farm: Farm, month: Month, received: int, out: Emitter) -> None:
    """The premium report for last month's sales (PT-6: due the 15th); a few are late, very few missing."""
    if not received or farm.mistake(0.01):
        return
    rng = farm.rng
    day: date = month.day(rng, 16, 28) if farm.mistake(0.03) else month.day(rng, 2, 14)
    out.emit(rng, "PremiumReportSubmitted", farm.farm_id, day, 11 * 60, farm.actor,
             {"sales_period": month.previous_period(), "submitted_on": day.isoformat()})
