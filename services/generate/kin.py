"""The kin programs in the generated program: premium rates and milk purchases (BP-1), labour contractors,
hires through them, recruitment fees and their reimbursement, workers' reviews (RR-1..RR-4), risk
indicators and MDSC's risk answers (RK-1, RK-2).

Everything here draws from generators of its own (one for the program, one per farm), never from the farm's
`rng`, so the rest of the program is the same events with the same ids as without it. Indicator values are
the illustrative ones of `examples/risk-indicators.jsonl`, never a real index.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from events.types import PROGRAM_KEY
from projections.calendar import add_months
from services.generate.calendar import Month
from services.generate.emit import Emitter, cents
from services.generate.farm import Farm
from services.generate.names import BUYER_RATE, CONTRACTORS
from services.generate.reference import MDSC

PROGRAM_RATE = "0.25"  # dollars per cwt, when a buyer sets none of its own
ILLUSTRATIVE = "illustrative example value (examples/risk-indicators.jsonl), not a real index"
INDICATORS: dict[str, list[tuple[str, str, str, bool, str]]] = {
    # (indicator, value, max, inverse, weight): the seed-003 data sources and weights, values invented.
    "forced_labor": [
        ("3p_anti_trafficking", "13", "15", True, "0.025"), ("us_tip_tier", "1", "4", False, "0.025"),
        ("group_grievance", "6.1", "10", False, "0.05"), ("rule_of_law", "0.69", "1", True, "0.075"),
        ("gni_per_capita_ppp", "76000", "130000", True, "0.075"), ("informality", "0.18", "1", False, "0.05"),
        ("migration_recruitment", "0.78", "1", False, "0.10"),
    ],
    "child_labor": [
        ("unicef_workplace_index", "6.2", "10", True, "0.23"), ("expected_schooling", "16.3", "23", True, "0.10"),
        ("hazardous_tasks_list", "1", "1", True, "0.07"),
    ],
}
COMMENTS = ("trato justo, pagaron el viaje", "no cobraron nada", "cobraron por el transporte",
            "nos prometieron más horas", "buen trato", "cobraron la visa")
QUALITY = dict(zip(CONTRACTORS, ((4, 5), (3, 5), (1, 3), (1, 2)), strict=True))
"""Ratings workers give each contractor."""
FEE_RATE = dict(zip(CONTRACTORS, (0.0, 0.1, 0.7, 0.8), strict=True))


def emit_kin_reference(start: date, months: int, published: date, seed: int, out: Emitter) -> random.Random:
    """The program's premium rates, contractors and indicators; returns the program's kin generator."""
    rng = random.Random(f"kin/{seed}")

    def put(type_: str, data: dict[str, Any], day: date = published) -> None:
        out.emit(rng, type_, PROGRAM_KEY, day, 8 * 60 + 30, MDSC, data)

    put("PremiumRateSet", {"effective_on": published.isoformat(), "per_cwt": PROGRAM_RATE})
    for buyer, rate in sorted(BUYER_RATE.items()):
        put("PremiumRateSet", {"buyer_id": buyer, "effective_on": published.isoformat(), "per_cwt": cents(rate)})
    lapse = add_months(start, max(1, months // 2))
    certified, licensed, lapsing, _unregistered = CONTRACTORS
    for cid, name, expires in ((certified, "Green Valley Farm Labor", add_months(start, 36)),
                               (licensed, "Northern Crews", add_months(start, 24)),
                               (lapsing, "Border Staffing Services", lapse)):
        put("LaborContractorRegistered", {"contractor_id": cid, "name": name, "jurisdiction": "VT",
                                          "license_no": f"FLC-{rng.randrange(10**6):06d}",
                                          "license_expires_on": expires.isoformat()})
    for cid in (certified, lapsing):
        put("ContractorCertified", {"contractor_id": cid, "scheme": "Clearview", "certified_on": published.isoformat(),
                                    "expires_on": add_months(start, 36).isoformat()})
    ended = published + timedelta(days=90)  # reference data is all posted before the first farm fact
    put("ContractorCertificationEnded", {"contractor_id": lapsing, "scheme": "Clearview", "on": ended.isoformat(),
                                         "reason": "recruitment fees found at audit"})
    for theme, rows in INDICATORS.items():
        for indicator, value, top, inverse, weight in rows:
            put("RiskIndicatorSet", {"jurisdiction": "US", "theme": theme, "indicator": indicator, "value": value,
                                     "max_value": top, "inverse": inverse, "weight": weight,
                                     "effective_on": published.isoformat(), "source": ILLUSTRATIVE})
    return rng


def attach(farm: Farm, seed: int) -> None:
    farm.kin = random.Random(f"kin/{seed}/{farm.farm_id}")


def kin_month(farm: Farm, month: Month, out: Emitter, first_month: bool) -> None:
    """The farm's kin facts of a month: purchases behind its remittances, fees and reviews of this month's
    hires through contractors, and MDSC's risk answers in its first month."""
    rng = farm.kin
    assert rng is not None
    if first_month:
        _risk_answers(farm, max(month.first, farm.enrolled_on), out)
    for buyer, period, cwt in farm.sold:
        short = rng.random() < 0.04 * farm.sloppy  # the buyer paid for less milk than it bought
        bought = cwt * rng.randint(103, 108) // 100 if short else cwt
        out.emit(rng, "MilkPurchased", farm.farm_id, month.first, 9 * 60, ("cooperative", farm.cooperative_id),
                 {"buyer_id": buyer, "sales_period": period, "cwt": str(bought), "via": farm.cooperative_id,
                  "purchase_id": f"{farm.cooperative_id}/{farm.farm_id}/{buyer}/{period}"})
    farm.sold.clear()
    for worker in farm.workers:
        if worker.recruited_via and month.first <= worker.hired_on <= month.last:
            _recruited(farm, worker.worker_id, worker.hired_on, worker.recruited_via, out)


def _recruited(farm: Farm, worker_id: str, hired_on: date, contractor_id: str, out: Emitter) -> None:
    rng = farm.kin
    assert rng is not None
    if rng.random() < FEE_RATE[contractor_id]:
        reported = hired_on + timedelta(days=rng.randint(5, 25))
        fee_id = f"fee-{farm.farm_id}-{worker_id}"
        amount = rng.randint(150, 900) * 100
        out.emit(rng, "RecruitmentFeeReported", farm.farm_id, reported, 11 * 60, MDSC, {
            "fee_id": fee_id, "worker_id": worker_id, "contractor_id": contractor_id,
            "kind": rng.choice(("fee", "travel", "visa")), "amount": cents(amount),
            "paid_on": hired_on.isoformat(), "reported_on": reported.isoformat()})
        draw = rng.random()
        if draw < 0.85:  # most reimbursed, some of them late; the rest never
            back = reported + timedelta(days=rng.randint(3, 28) if draw < 0.55 else rng.randint(35, 70))
            out.emit(rng, "RecruitmentFeeReimbursed", farm.farm_id, back, 14 * 60, farm.actor,
                     {"fee_id": fee_id, "amount": cents(amount), "on": back.isoformat()})
    if rng.random() < 0.7:
        low, high = QUALITY[contractor_id]
        on = hired_on + timedelta(days=rng.randint(10, 40))
        out.emit(rng, "RecruiterReviewed", farm.farm_id, on, 15 * 60, ("worker_org", "worker-org"), {
            "review_id": f"review-{farm.farm_id}-{worker_id}", "contractor_id": contractor_id,
            "worker_id": worker_id, "rating": rng.randint(low, high), "comment": rng.choice(COMMENTS),
            "reviewed_on": on.isoformat()})


def _risk_answers(farm: Farm, on: date, out: Emitter) -> None:
    """MDSC's answers to the questions the ledger holds no evidence for, from its desk review of the farm."""
    rng = farm.kin
    assert rng is not None
    relatives = sum(1 for w in farm.workers if w.relative)
    answers = {"FL-1": 1, "FL-4": int(farm.cows > 600), "FL-5": 0, "FL-6": 0, "FL-7": 0, "FL-8": 1,
               "CL-1": 1, "CL-2": int(relatives >= 2), "CL-3": 0, "CL-4": 0, "CL-5": 0, "CL-6": 0, "CL-7": 0}
    for qid, answer in answers.items():
        theme = "forced_labor" if qid.startswith("FL") else "child_labor"
        out.emit(rng, "RiskAnswerRecorded", farm.farm_id, on, 16 * 60, MDSC, {
            "theme": theme, "question_id": qid, "answer": answer, "source": "MDSC desk review",
            "on": on.isoformat()})
