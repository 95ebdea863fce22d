"""Kin programs (SPEC §2 revision 2, §5): buyers' premium per cwt, responsible recruitment, risk maps.

Contractor, indicator and program-rate events are reference data keyed `program`; fees, reviews, risk
answers and milk purchases are a farm's facts.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from events.catalogue.complaints import SealedPerson
from events.envelope import Envelope, Model
from events.types import Day, Hundredweights, Period, PositiveMoney, PositiveQuantity, Quantity, RatePerCwt, Share

RISK_THEMES = ("forced_labor", "child_labor")
Theme = Literal["forced_labor", "child_labor"]


# -- responsible recruitment (program reference data) --------------------------------------------------

class LaborContractorRegisteredData(Model):
    contractor_id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    jurisdiction: str = Field(min_length=1)
    license_no: str = Field(min_length=1)
    license_expires_on: Day
    license_issued_on: Day | None = None
    """When the licence took effect; absent: the registration's own date (docs/decisions.md)."""


class ContractorCertifiedData(Model):
    contractor_id: str = Field(min_length=1)
    scheme: str = Field(min_length=1)
    certified_on: Day
    expires_on: Day

    @model_validator(mode="after")
    def _ordered(self) -> ContractorCertifiedData:
        if self.expires_on < self.certified_on:
            raise ValueError("expires_on is before certified_on")
        return self


class ContractorCertificationEndedData(Model):
    contractor_id: str = Field(min_length=1)
    scheme: str = Field(min_length=1)
    on: Day
    reason: str = Field(min_length=1)


# -- responsible recruitment (a farm's facts) ----------------------------------------------------------

class RecruitmentFeeReportedData(Model):
    fee_id: str = Field(min_length=1)
    worker_id: str = Field(min_length=1)
    contractor_id: str | None = None
    kind: Literal["fee", "travel", "visa", "housing", "other"]
    amount: PositiveMoney
    paid_on: Day
    reported_on: Day

    @model_validator(mode="after")
    def _ordered(self) -> RecruitmentFeeReportedData:
        if self.reported_on < self.paid_on:
            raise ValueError("reported_on is before paid_on")
        return self


class RecruitmentFeeReimbursedData(Model):
    fee_id: str = Field(min_length=1)
    amount: PositiveMoney
    on: Day


class RecruiterReviewedData(Model):
    review_id: str = Field(min_length=1)
    contractor_id: str = Field(min_length=1)
    worker_id: str = Field(min_length=1)
    rating: int = Field(ge=1, le=5)
    comment: SealedPerson | Annotated[str, Field(min_length=1, max_length=4000)] | None = None
    """Posted in clear; the ledger seals it (per-review key) before anything is stored (SPEC §2)."""
    reviewed_on: Day | None = None
    """Absent: the event's own date."""


# -- risk maps ---------------------------------------------------------------------------------------

class RiskIndicatorSetData(Model):
    jurisdiction: str = Field(min_length=1)
    theme: Theme
    indicator: str = Field(min_length=1)
    value: Quantity
    max_value: PositiveQuantity
    inverse: bool = False
    weight: Share
    effective_on: Day
    source: str | None = None
    """Where the value comes from (the index and its edition); the shipped examples say they are illustrative."""

    @model_validator(mode="after")
    def _within_max(self) -> RiskIndicatorSetData:
        if self.value > self.max_value:
            raise ValueError("value is above max_value (raw = value / max must lie in 0-1)")
        return self


class RiskAnswerRecordedData(Model):
    theme: Theme
    question_id: Literal[
        "FL-1", "FL-2", "FL-3", "FL-4", "FL-5", "FL-6", "FL-7", "FL-8", "FL-R",
        "CL-1", "CL-2", "CL-3", "CL-4", "CL-5", "CL-6", "CL-7", "CL-R",
    ]
    answer: int = Field(ge=0, le=3)
    source: str = Field(min_length=1)
    """Where MDSC's answer comes from (a report, a visit, a desk review)."""
    on: Day

    @model_validator(mode="after")
    def _fits_question(self) -> RiskAnswerRecordedData:
        if self.question_id[:2] != {"forced_labor": "FL", "child_labor": "CL"}[self.theme]:
            raise ValueError(f"{self.question_id} is not a {self.theme} question")
        if not self.question_id.endswith("-R") and self.answer > 1:
            raise ValueError(f"{self.question_id} is answered 0 or 1 (only the reported-cases question takes 0-3)")
        return self


# -- buyers' premium ---------------------------------------------------------------------------------

class MilkPurchasedData(Model):
    buyer_id: str = Field(min_length=1)
    sales_period: Period
    cwt: Hundredweights
    via: str | None = None
    """The cooperative or processor the milk went through, if not bought directly."""
    purchase_id: str | None = None
    """The processor's own line id (CSV rows: derived by the ledger)."""


class PremiumRateSetData(Model):
    buyer_id: str | None = None
    effective_on: Day
    per_cwt: RatePerCwt


class LaborContractorRegistered(Envelope):
    type: Literal["LaborContractorRegistered"]
    data: LaborContractorRegisteredData


class ContractorCertified(Envelope):
    type: Literal["ContractorCertified"]
    data: ContractorCertifiedData


class ContractorCertificationEnded(Envelope):
    type: Literal["ContractorCertificationEnded"]
    data: ContractorCertificationEndedData


class RecruitmentFeeReported(Envelope):
    type: Literal["RecruitmentFeeReported"]
    data: RecruitmentFeeReportedData


class RecruitmentFeeReimbursed(Envelope):
    type: Literal["RecruitmentFeeReimbursed"]
    data: RecruitmentFeeReimbursedData


class RecruiterReviewed(Envelope):
    type: Literal["RecruiterReviewed"]
    data: RecruiterReviewedData


class RiskIndicatorSet(Envelope):
    type: Literal["RiskIndicatorSet"]
    data: RiskIndicatorSetData


class RiskAnswerRecorded(Envelope):
    type: Literal["RiskAnswerRecorded"]
    data: RiskAnswerRecordedData


class MilkPurchased(Envelope):
    type: Literal["MilkPurchased"]
    data: MilkPurchasedData


class PremiumRateSet(Envelope):
    type: Literal["PremiumRateSet"]
    data: PremiumRateSetData


class RiskLevelChangedData(Model):
    theme: Theme
    level: Literal["low", "medium", "high", "very_high"]
    previous: Literal["low", "medium", "high", "very_high"] | None = None
    score: str | None = None
    on: Day


class RiskLevelChanged(Envelope):
    """Derived (RK-1): a farm's risk level in one theme changed."""

    type: Literal["RiskLevelChanged"]
    data: RiskLevelChangedData


KIN_DERIVED_TYPES = frozenset({"RiskLevelChanged"})
KIN_REFERENCE_TYPES = frozenset({
    "LaborContractorRegistered", "ContractorCertified", "ContractorCertificationEnded", "RiskIndicatorSet",
    "PremiumRateSet",
})
