"""The kin events as the ledger accepts them: keys, sender rules and each field's bounds, every rejection
naming line and field, nothing half-appended."""

from __future__ import annotations

from typing import Any

import pytest

from services.ledger.embedded import EmbeddedLedger
from tests.conftest import event, post
from tests.unit.test_kin_common import answer, contractor, fee, indicator, purchase, rate
from tests.unit.test_pt_common import FARM, enrol


def with_data(body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**body, "data": {**body["data"], **changes}}


BAD = [
    (with_data(answer("FL-1", 1), answer=2), "data", "answered 0 or 1"),
    (with_data(answer("FL-R", 1), answer=4), "data.answer", "less than or equal to 3"),
    (with_data(answer("FL-2", 1), theme="child_labor"), "data", "not a child_labor question"),
    (with_data(answer("FL-2", 1), question_id="FL-9"), "data.question_id", ""),
    (indicator("x", "41", "40", "0.4"), "data", "above max_value"),
    (indicator("x", "1", "0", "0.4"), "data.max_value", "greater than 0"),
    (indicator("x", "1", "4", "1.5"), "data.weight", "less than or equal to 1"),
    (with_data(purchase("buyer-1", "2024-03", "10"), cwt="-1"), "data.cwt", "not negative"),
    (with_data(purchase("buyer-1", "2024-03", "10"), sales_period="2024-13"), "data.sales_period", "YYYY-MM"),
    (with_data(fee("f", "w", "10.00", "2024-03-01"), paid_on="2024-03-05"), "data", "before paid_on"),
    (with_data(fee("f", "w", "10.00", "2024-03-01"), amount="10.001"), "data.amount", "2 after"),
    (with_data(fee("f", "w", "10.00", "2024-03-01"), kind="bribe"), "data.kind", ""),
    ({**rate("0.05", "2024-01-01"), "farm_id": FARM}, "farm_id", "uses the key 'program'"),
    ({**contractor("flc", "2024-01-01", "2025-01-01"), "farm_id": FARM}, "farm_id", "uses the key 'program'"),
    ({**purchase("buyer-1", "2024-03", "10"), "farm_id": "program"}, "farm_id", "reserved"),
    (event("RiskLevelChanged", FARM, "2024-03-01", {"theme": "forced_labor", "level": "low", "on": "2024-03-01"}),
     "type", "derived by the ledger"),
    (event("RecruiterReviewed", FARM, "2024-03-01", {"review_id": "r", "contractor_id": "c", "worker_id": "w",
                                                     "rating": 6}), "data.rating", "less than or equal to 5"),
]


@pytest.mark.parametrize(("body", "field", "says"), BAD, ids=[f"{i}-{b['type']}" for i, (b, _, _) in enumerate(BAD)])
def test_kin_events_refuse_what_breaks_the_contract(ledger: EmbeddedLedger, body: dict[str, Any], field: str,
                                                    says: str) -> None:
    report = post(ledger, enrol(), body).as_json()
    assert report["accepted"] == 1, report  # the enrolment; the bad line appends nothing
    [rejected] = report["rejected"]
    assert rejected["line"] == 2 and rejected["error"].startswith(f"{field}:") and says in rejected["error"]


def test_kin_events_within_bounds_are_accepted(ledger: EmbeddedLedger) -> None:
    report = post(ledger, enrol(), answer("FL-R", 3), answer("CL-6", 0), indicator("x", "40", "40", "0.4"),
                  purchase("buyer-1", "2024-03", "0"), fee("f", "w", "0.01", "2024-03-01"), rate("0", "2024-01-01"),
                  contractor("flc", "2024-01-01", "2025-01-01"))
    assert report.rejected == [] and report.accepted == 8
