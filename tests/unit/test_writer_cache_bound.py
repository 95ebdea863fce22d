"""The embedded writer's kept cache of states is bounded (issue 8: memory not by the program's size): with a
tiny bound it lets states go and reads them back, and ingest, replay and answers are those of an unbounded
cache."""

from __future__ import annotations

from pathlib import Path

from pytest import MonkeyPatch

from services.generate.program import generate
from services.ledger import queries
from services.ledger.embedded import EmbeddedLedger
from services.ledger.ingest import parse_dicts
from services.store.database import now
from services.store.states import all_states


def _ledger(path: Path, limit: int | None) -> EmbeddedLedger:
    ledger = EmbeddedLedger(f"sqlite:///{path}")
    if limit is not None:
        ledger.writer.cache_limit = limit
    return ledger


def test_a_bounded_cache_gives_the_states_of_an_unbounded_one(tmp_path: Path, monkeypatch: MonkeyPatch) -> None:
    monkeypatch.setenv("DIGNITY_KEYS", str(tmp_path / "keys.db"))  # one key store: the same person ids in both
    program = list(generate(4, 8, 21, "2025-01"))
    bounded, free = _ledger(tmp_path / "bounded.db", 40), _ledger(tmp_path / "free.db", None)
    held = []
    for ledger in (bounded, free):
        for start in range(0, len(program), 600):  # several ingests, several batches each
            chunk = program[start: start + 600]
            assert not ledger.ingest(parse_dicts(enumerate(chunk, start=start + 1))).rejected
            held.append(len(ledger.writer._states) + len(ledger.writer._parts))
    bounded_held = held[: len(held) // 2]
    assert max(bounded_held) < max(held[len(held) // 2:])  # the bound let states go
    with bounded.engine.connect() as a, free.engine.connect() as b:
        assert all_states(a) == all_states(b)
    as_of = now()
    assert queries.deadlines(bounded.engine, None, as_of) == queries.deadlines(free.engine, None, as_of)
    bounded.rebuild()  # a replay with deferred states under the bound writes them before letting them go
    with bounded.engine.connect() as a, free.engine.connect() as b:
        assert all_states(a) == all_states(b)
