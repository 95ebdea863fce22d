"""A signing ledger checks the rows it appended itself by their link alone (services/log/audit.check_row):
an edit made between the append and the checkpoint is still refused, and an untouched row still signs."""

from __future__ import annotations

import orjson
from sqlalchemy import select, update

from services.ledger.embedded import EmbeddedLedger
from services.log.verify import verify_database
from services.store.bodies import pack, unpack
from services.store.schema import events
from tests.conftest import post
from tests.unit.test_pt_common import enrol
from tests.unit.test_pt_common import report as premium_report


def report(month: int) -> dict[str, object]:
    """The premium report of the month before `month` (2026), submitted on its 5th."""
    return premium_report(f"2026-{month - 1:02d}", f"2026-{month:02d}-05", "farm-a")


def appended_unsigned(ledger: EmbeddedLedger) -> None:
    ledger.sign = False  # the ingest's own checkpoint is held back, so the test can edit first
    assert post(ledger, enrol("farm-a", "2026-01-02"), report(2), report(3)).accepted == 3
    ledger.sign = True
    assert ledger.log.written is not None and len(ledger.log.written) == 3


def test_rows_this_ledger_appended_sign_by_their_links(ledger: EmbeddedLedger) -> None:
    appended_unsigned(ledger)
    assert ledger.sign_checkpoint() is not None
    assert ledger.log.written == {}
    assert verify_database(ledger.engine).ok


def test_an_edit_after_the_append_is_refused_by_the_checkpoint(ledger: EmbeddedLedger) -> None:
    appended_unsigned(ledger)
    with ledger.engine.begin() as conn:
        stored = conn.execute(select(events.c.body).where(events.c.position == 2)).scalar_one()
        body = orjson.loads(unpack(stored)) | {"data": {"sales_period": "2025-12", "submitted_on": "2026-02-05"}}
        conn.execute(update(events).where(events.c.position == 2).values(body=pack(orjson.dumps(body))))
    assert ledger.sign_checkpoint() is None
    assert {"digest", "chain"} <= verify_database(ledger.engine).kinds()


def test_a_column_edit_after_the_append_is_refused_by_the_checkpoint(ledger: EmbeddedLedger) -> None:
    appended_unsigned(ledger)
    with ledger.engine.begin() as conn:
        conn.execute(update(events).where(events.c.position == 3).values(type="PremiumRemitted"))
    assert ledger.sign_checkpoint() is None
