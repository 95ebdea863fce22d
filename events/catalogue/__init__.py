"""The SPEC §2 catalogue as one discriminated union on `type`."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, TypeAdapter

from events.catalogue.appeals import (
    AppealDecided,
    AppealFiled,
    ArbitrationInvoiced,
    ArbitrationReimbursed,
    ArbitratorAvailabilityNoticed,
    HearingHeld,
)
from events.catalogue.audits import (
    AuditConducted,
    LawEnforcementReferred,
    OffenderTerminated,
    RemedyCompleted,
    RemedyDesignated,
    ViolationFound,
)
from events.catalogue.complaints import (
    ComplaintReceived,
    ComplaintReportedToMDSC,
    ComplaintSharedWithFarm,
    InvestigationImpeded,
)
from events.catalogue.derived import (
    BuyerNotified,
    DeadlineMissed,
    PassThroughDiscrepancy,
    PersonnelBanViolated,
    StandingChanged,
)
from events.catalogue.membership import (
    BuyerLinked,
    BuyerUnlinked,
    CooperativeLinked,
    EducationSessionHeld,
    FarmEnrolled,
    FarmWithdrawn,
    OrientationCompleted,
    PersonnelHired,
    WorkerHired,
    WorkerSeparated,
)
from events.catalogue.obligations import ControlRecorded, HandbookDistributed, ProbationLifted
from events.catalogue.plans import (
    CapActionCompleted,
    CapAgreed,
    CapProposed,
    ProbationImposed,
    ResolutionAgreed,
    ResolutionProposed,
    SuspensionNoticed,
)
from events.catalogue.premium import PayrollLineRecorded, PremiumRemitted, PremiumReportSubmitted
from events.catalogue.reference import BonusWorksheetSet, LivableWageSet, MinimumWageSet

Event = Annotated[
    (
        MinimumWageSet | LivableWageSet | BonusWorksheetSet | FarmEnrolled | FarmWithdrawn | BuyerLinked |
        BuyerUnlinked | CooperativeLinked | OrientationCompleted | EducationSessionHeld | WorkerHired |
        WorkerSeparated | PersonnelHired | PremiumRemitted | PremiumReportSubmitted | PayrollLineRecorded |
        ComplaintReceived | ComplaintReportedToMDSC | ComplaintSharedWithFarm | InvestigationImpeded |
        AuditConducted | ViolationFound | LawEnforcementReferred | OffenderTerminated | RemedyDesignated |
        RemedyCompleted | CapProposed | CapAgreed | CapActionCompleted | ResolutionProposed |
        ResolutionAgreed | ProbationImposed | SuspensionNoticed | AppealFiled |
        ArbitratorAvailabilityNoticed | HearingHeld | AppealDecided | ArbitrationInvoiced |
        ArbitrationReimbursed | DeadlineMissed | PassThroughDiscrepancy | StandingChanged | BuyerNotified |
        PersonnelBanViolated | ProbationLifted | ControlRecorded | HandbookDistributed
    ),
    Field(discriminator="type"),
]

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)

REFERENCE_TYPES = frozenset({"MinimumWageSet", "LivableWageSet", "BonusWorksheetSet"})
DERIVED_TYPES = frozenset(
    {"DeadlineMissed", "PassThroughDiscrepancy", "StandingChanged", "BuyerNotified", "PersonnelBanViolated"}
)
EVENT_TYPES = frozenset(t.__name__ for t in Event.__origin__.__args__)  # type: ignore[attr-defined]
