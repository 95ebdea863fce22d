"""The benchmarks' build (`bench.common.ingest_in_chunks`): the generated program through the ledger's own
ingest in bounded calls gives the ledger one call gives; a build interrupted and started again goes on where
it stopped (what it sends again is a duplicate) and ends with the same ledger."""

from __future__ import annotations

from pathlib import Path

from pytest import MonkeyPatch

from bench.common import ingest_in_chunks
from services.generate.program import generate
from services.ledger.embedded import EmbeddedLedger
from services.ledger.ingest import parse_dicts
from services.store.states import all_states


def _log(ledger: EmbeddedLedger) -> list[tuple[str, str]]:
    with ledger.engine.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql("SELECT event_id, digest FROM events ORDER BY position")]


def test_chunked_and_resumed_builds_give_the_ledger_of_one_ingest(tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    monkeypatch.setenv("DIGNITY_KEYS", str(tmp_path / "keys.db"))  # one key store: the same person ids in all
    program = list(generate(5, 4, 13, "2025-01"))
    assert len(program) > 3 * 300  # several calls
    whole = EmbeddedLedger(f"sqlite:///{tmp_path / 'whole.db'}")
    assert not whole.ingest(parse_dicts(enumerate(program, start=1))).rejected

    chunked = EmbeddedLedger(f"sqlite:///{tmp_path / 'chunked.db'}")
    lines = tmp_path / "chunked.lines"
    assert ingest_in_chunks(chunked, iter(program), lines, chunk=300) == len(program)
    assert lines.read_text().strip() == str(len(program))

    resumed = EmbeddedLedger(f"sqlite:///{tmp_path / 'resumed.db'}")
    stopped_at = 600  # interrupted after 600 lines were on the log but only 400 noted
    assert not resumed.ingest(parse_dicts(enumerate(program[:stopped_at], start=1))).rejected
    noted = tmp_path / "resumed.lines"
    noted.write_text("400\n")
    reports = []
    ingest = resumed.ingest
    monkeypatch.setattr(resumed, "ingest", lambda parsed: reports.append(ingest(parsed)) or reports[-1])
    assert ingest_in_chunks(resumed, iter(program), noted, chunk=300) == len(program)
    assert sum(r.duplicates for r in reports) == stopped_at - 400  # lines 401-600 sent again, not the first 400
    assert sum(r.accepted for r in reports) == len(program) - stopped_at

    for other in (chunked, resumed):
        assert _log(other) == _log(whole)
        with whole.engine.connect() as a, other.engine.connect() as b:
            assert all_states(b) == all_states(a)
