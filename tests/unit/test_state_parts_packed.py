"""State parts are stored packed like the log's bodies (zstd with the trained dictionary); parts written by
earlier versions, deflated (zlib) or plain JSON, still read, and a ledger holding them answers as before."""

from __future__ import annotations

import zlib
from pathlib import Path

from sqlalchemy import select, update

from services.ledger.embedded import EmbeddedLedger
from services.store.bodies import is_packed
from services.store.schema import state_parts
from services.store.states import all_states, plain_part
from tests.conftest import event, post

FARM = "farm-a"


def facts() -> list[dict[str, object]]:
    enrol = event("FarmEnrolled", FARM, "2026-01-02", {"owner_id": "owner-a", "name": "Farm A",
                                                         "jurisdiction": "VT", "enrolled_on": "2026-01-02"})
    reports = [event("PremiumReportSubmitted", FARM, f"2026-{m:02d}-05",
                     {"sales_period": f"2026-{m - 1:02d}", "submitted_on": f"2026-{m:02d}-05"}, role="farm")
               for m in (2, 3, 4)]
    return [enrol, *reports]


def parts(ledger: EmbeddedLedger) -> list[tuple[str, str, str, bytes]]:
    with ledger.engine.connect() as conn:
        c = state_parts.c
        return [(k, p, part, bytes(s)) for k, p, part, s in conn.execute(select(c.key, c.projection, c.part, c.state))]


def test_parts_are_written_packed_and_read_back_exactly(tmp_path: Path) -> None:
    ledger = EmbeddedLedger(f"sqlite:///{tmp_path / 'ledger.db'}")
    assert post(ledger, *facts()).accepted == 4
    stored = parts(ledger)
    assert stored and all(is_packed(s) for *_, s in stored)
    assert all(plain_part(s)[:1] == b"{" for *_, s in stored)


def test_parts_written_deflated_or_plain_by_an_earlier_version_answer_as_before(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    ledger = EmbeddedLedger(url)
    assert post(ledger, *facts()).accepted == 4
    with ledger.engine.connect() as conn:
        before = all_states(conn)
    stored = parts(ledger)
    with ledger.engine.begin() as conn:  # as earlier versions wrote them: every other part deflated, one plain
        for i, (key, name, part, blob) in enumerate(stored):
            old = zlib.compress(plain_part(blob), 1) if i % 2 == 0 else plain_part(blob)
            conn.execute(update(state_parts).where(state_parts.c.key == key, state_parts.c.projection == name,
                                                   state_parts.c.part == part).values(state=old))
    assert not any(is_packed(s) for *_, s in parts(ledger))
    again = EmbeddedLedger(url)
    with again.engine.connect() as conn:
        assert all_states(conn) == before
    assert post(again, event("PremiumReportSubmitted", FARM, "2026-05-05",
                             {"sales_period": "2026-02", "submitted_on": "2026-05-05"}, role="farm")).accepted == 1
    with again.engine.connect() as conn:
        after = all_states(conn)
    earlier = before[("passthrough", FARM)]["reports"]
    reports = after[("passthrough", FARM)]["reports"]  # filed into the part read back from its old form
    assert len(reports["2026-02"]) == 2 and earlier["2026-02"].items() <= reports["2026-02"].items()
    assert {k: v for k, v in reports.items() if k != "2026-02"} == {k: v for k, v in earlier.items() if k != "2026-02"}
    rewritten = [s for _, name, part, s in parts(again) if name == "passthrough" and part == "2026-02"]
    assert rewritten and all(is_packed(s) for s in rewritten)
