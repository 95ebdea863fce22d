"""One event of a farm's history by its id (the API's unsealed event, issue 8): the same event `farm_history`
gives, source or derived, found through the indexes instead of by reading the farm's whole history."""

from __future__ import annotations

import pytest

from services.ledger import queries
from services.ledger.embedded import EmbeddedLedger
from services.store.database import now
from tests.unit.test_su_common import Farm, end_of


def test_farm_event_is_the_history_s_event_source_and_derived(ledger: EmbeddedLedger,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    farm = Farm(ledger, "farm-1")
    farm.violation("v-1", "2025-03-03", "I", "a")  # a suspension: StandingChanged is derived
    history = queries.farm_history(ledger.engine, "farm-1", end_of("2099-12-31"), now())
    assert {"ViolationFound", "StandingChanged"} <= {b["type"] for b in history}

    def whole_history(*args: object, **kwargs: object) -> None:
        raise AssertionError("read the farm's whole history")

    monkeypatch.setattr(queries, "history_rows", whole_history)
    for body in history:
        assert queries.farm_event(ledger.engine, "farm-1", body["event_id"]) == body
    assert queries.farm_event(ledger.engine, "farm-2", history[0]["event_id"]) is None  # another farm's
    assert queries.farm_event(ledger.engine, "farm-1", "no-such-event") is None


def test_a_farm_s_appeals_are_read_without_its_pay_and_membership_events(ledger: EmbeddedLedger) -> None:
    """`GET /farms/{id}/appeals`: the same appeals as from the whole history, none of its payroll lines read."""
    from services.api.routers.appeals import appeals_of
    from services.auth.roles import Principal
    from services.auth.scope import FarmScope
    from services.dashboard.timeline import OTHER_LANES

    farm = Farm(ledger, "farm-1")
    farm.violation("v-1", "2025-03-03", "I", "a")
    farm.appeal("ap-1", "suspension", "v-1", "2025-03-05")
    farm.decide("ap-1", "2025-03-20", "upheld")
    whole = queries.farm_history(ledger.engine, "farm-1", now(), now())
    read = queries.farm_history(ledger.engine, "farm-1", now(), now(), exclude=OTHER_LANES)
    assert {b["type"] for b in whole} & OTHER_LANES and not {b["type"] for b in read} & OTHER_LANES
    mdsc = Principal(role="mdsc", subject="mdsc-1")
    got = appeals_of(ledger.engine, mdsc, FarmScope("farm-1"))
    assert set(got) == {"ap-1"}
    named = [b for b in whole if (b.get("data") or {}).get("appeal_id") == "ap-1"]
    assert [b["event_id"] for b in got["ap-1"]] == [b["event_id"] for b in named if b["type"] != "StandingChanged"]
