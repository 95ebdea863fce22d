"""Appeals to the arbitrator: filing (sometimes late), notice, hearing, decision, the fee and its payment."""

from __future__ import annotations

from datetime import date, timedelta

from projections.calendar import add_business_days
from services.generate.emit import Emitter, cents
from services.generate.farm import Farm

WINDOW = {"cap": 14, "cr": 7, "suspension": 10, "nda": 10}  # days from the final notice (AP-1)
ARBITRATOR = ("arbitrator", "arbitrator-01")
OUTCOMES = {"cap": ("mdsc_adopted", "farm_adopted"), "cr": ("mdsc_adopted", "farm_adopted"),
            "suspension": ("upheld", "overturned"), "nda": ("upheld", "overturned")}


def appeal(farm: Farm, subject: str, subject_id: str, notice_on: date, out: Emitter) -> None:
    """One appeal of a final notice. A late one is recorded (and rejected by the ledger) and goes no further."""
    rng, fid = farm.rng, farm.farm_id
    window = WINDOW[subject]
    late = farm.mistake(0.1)
    filed = notice_on + timedelta(days=rng.randint(window + 2, window + 6) if late else rng.randint(2, window - 1))
    appeal_id = farm.next_id("apl")
    out.emit(rng, "AppealFiled", fid, filed, 11 * 60, farm.actor,
             {"appeal_id": appeal_id, "subject": subject, "subject_id": subject_id, "filed_on": filed.isoformat()})
    if late:
        return
    noticed = filed + timedelta(days=rng.randint(3, 10))
    roll = rng.random()  # AP-2: 10-15 days after the notice; now and then later, or sooner
    hearing = noticed + timedelta(days=rng.randint(17, 21) if roll < 0.05 else rng.randint(5, 9) if roll < 0.08
                                  else rng.randint(10, 15))
    decided = add_business_days(hearing, rng.randint(3, 5) if rng.random() < 0.05 else rng.randint(1, 2))
    outcome = OUTCOMES[subject][0] if rng.random() < 0.65 else OUTCOMES[subject][1]
    out.emit(rng, "ArbitratorAvailabilityNoticed", fid, noticed, 10 * 60, ARBITRATOR,
             {"appeal_id": appeal_id, "noticed_on": noticed.isoformat(), "hearing_on": hearing.isoformat()})
    out.emit(rng, "HearingHeld", fid, hearing, 10 * 60, ARBITRATOR, {"appeal_id": appeal_id, "on": hearing.isoformat()})
    out.emit(rng, "AppealDecided", fid, decided, 16 * 60, ARBITRATOR,
             {"appeal_id": appeal_id, "decided_on": decided.isoformat(), "outcome": outcome})
    _fee(farm, appeal_id, decided, out)


def _fee(farm: Farm, appeal_id: str, decided: date, out: Emitter) -> None:
    """The farm's half of the arbitrator's fee, due within 45 days (AP-5): mostly paid, a few late or never."""
    rng = farm.rng
    invoiced = decided + timedelta(days=rng.randint(3, 10))
    out.emit(rng, "ArbitrationInvoiced", farm.farm_id, invoiced, 10 * 60, ARBITRATOR, {
        "appeal_id": appeal_id, "invoiced_on": invoiced.isoformat(), "farm_share": cents(rng.randint(600, 1500) * 100),
    })
    roll = rng.random()
    if roll < 0.05 * farm.sloppy:
        return
    paid = invoiced + timedelta(days=rng.randint(50, 70) if roll < 0.15 * farm.sloppy else rng.randint(10, 40))
    out.emit(rng, "ArbitrationReimbursed", farm.farm_id, paid, 12 * 60, farm.actor,
             {"appeal_id": appeal_id, "on": paid.isoformat()})
