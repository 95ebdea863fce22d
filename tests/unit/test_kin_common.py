"""Builders shared by the kin-program tests (BP-1, RR-1..RR-4, RK-1, RK-2)."""

from __future__ import annotations

from typing import Any

from tests.conftest import event
from tests.unit.test_pt_common import FARM, enrol, hire


def purchase(buyer: str, period: str, cwt: str, farm: str = FARM, **data: Any) -> dict[str, Any]:
    return event("MilkPurchased", farm, f"{period}-28", {"buyer_id": buyer, "sales_period": period, "cwt": cwt,
                                                        **data}, role="cooperative")


def rate(per_cwt: str, effective_on: str, buyer: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"effective_on": effective_on, "per_cwt": per_cwt}
    if buyer:
        data["buyer_id"] = buyer
    return event("PremiumRateSet", "program", effective_on, data)


def remit_for(buyer: str, period: str, amount: str, received_on: str, farm: str = FARM,
              reference: str | None = None) -> dict[str, Any]:
    ref = reference or f"{buyer}-{period}-{amount}"
    return event("PremiumRemitted", farm, received_on, {
        "remittance_id": f"coop-1/{ref}", "payor_id": "coop-1", "attributed_buyer_id": buyer,
        "sales_period": period, "amount": amount, "received_on": received_on, "reference": ref,
    }, role="cooperative")


def contractor(cid: str, registered: str, expires: str, issued: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"contractor_id": cid, "name": f"{cid} Labor LLC", "jurisdiction": "FL",
                            "license_no": f"FLC-{cid}", "license_expires_on": expires}
    if issued:
        data["license_issued_on"] = issued
    return event("LaborContractorRegistered", "program", registered, data)


def certified(cid: str, on: str, expires: str, scheme: str = "Clearview") -> dict[str, Any]:
    return event("ContractorCertified", "program", on,
                 {"contractor_id": cid, "scheme": scheme, "certified_on": on, "expires_on": expires})


def certification_ended(cid: str, on: str, scheme: str = "Clearview") -> dict[str, Any]:
    return event("ContractorCertificationEnded", "program", on,
                 {"contractor_id": cid, "scheme": scheme, "on": on, "reason": "audit failed"})


def hire_via(worker: str, hired_on: str, via: str | None, farm: str = FARM) -> dict[str, Any]:
    body = hire(worker, hired_on, farm=farm)
    if via:
        body["data"]["recruited_via"] = via
    return body


def fee(fee_id: str, worker: str, amount: str, reported_on: str, contractor_id: str | None = None,
        farm: str = FARM) -> dict[str, Any]:
    return event("RecruitmentFeeReported", farm, reported_on, {
        "fee_id": fee_id, "worker_id": worker, "contractor_id": contractor_id, "kind": "fee", "amount": amount,
        "paid_on": reported_on, "reported_on": reported_on})


def reimbursed(fee_id: str, amount: str, on: str, farm: str = FARM) -> dict[str, Any]:
    return event("RecruitmentFeeReimbursed", farm, on, {"fee_id": fee_id, "amount": amount, "on": on}, role="farm")


def violation(vid: str, clause: str, found_on: str, farm: str = FARM, contractor_id: str | None = None,
              article: str = "I") -> dict[str, Any]:
    data: dict[str, Any] = {"violation_id": vid, "source_id": f"audit-{vid}", "article": article, "clause": clause,
                            "found_on": found_on, "offender": {"role": "none"}}
    if contractor_id:
        data["contractor_id"] = contractor_id
    return event("ViolationFound", farm, found_on, data)


def indicator(name: str, value: str, max_value: str, weight: str, theme: str = "forced_labor",
              inverse: bool = False, jurisdiction: str = "VT", effective_on: str = "2020-01-01") -> dict[str, Any]:
    return event("RiskIndicatorSet", "program", effective_on, {
        "jurisdiction": jurisdiction, "theme": theme, "indicator": name, "value": value, "max_value": max_value,
        "inverse": inverse, "weight": weight, "effective_on": effective_on})


def answer(qid: str, value: int, on: str = "2024-01-15", farm: str = FARM) -> dict[str, Any]:
    theme = "forced_labor" if qid.startswith("FL") else "child_labor"
    return event("RiskAnswerRecorded", farm, on, {"theme": theme, "question_id": qid, "answer": value,
                                                  "source": "desk review", "on": on})


def farm(farm_id: str, jurisdiction: str = "VT", enrolled_on: str = "2022-01-03") -> dict[str, Any]:
    return enrol(farm_id, enrolled_on, jurisdiction)
