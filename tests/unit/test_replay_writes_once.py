"""Replay (`rebuild`, `catch_up`): trusted rows folded in memory a chunk at a time, progress told after each
chunk, every state written once at the end, and the same read models as the incremental ingest."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

from services.ledger import embedded
from services.ledger.embedded import EmbeddedLedger
from services.runner import read_models
from services.store.schema import history, projection_state, state_parts
from tests.conftest import post
from tests.unit.test_pt_common import enrol
from tests.unit.test_pt_common import report as premium_report


def report(month: int) -> dict[str, object]:
    """The premium report of the month before `month` (2026), submitted on its 5th."""
    return premium_report(f"2026-{month - 1:02d}", f"2026-{month:02d}-05", "farm-a")


def read_models_of(ledger: EmbeddedLedger) -> dict[str, list[Any]]:
    with ledger.engine.connect() as conn:
        return {t.name: sorted(tuple(r) for r in conn.execute(select(t))) for t in (projection_state, state_parts,
                                                                                     history)}


def test_a_rebuild_tells_progress_per_chunk_and_writes_each_state_once(
        ledger: EmbeddedLedger, monkeypatch: pytest.MonkeyPatch) -> None:
    assert post(ledger, enrol("farm-a", "2026-01-02"), *(report(m) for m in range(2, 9))).accepted == 8
    before = read_models_of(ledger)
    writes: Counter[tuple[str, ...]] = Counter()
    whole, parts = read_models.save_whole, read_models.save_parts

    def counted_whole(conn: Any, states: dict[tuple[str, str], Any]) -> None:
        writes.update(list(states))
        whole(conn, states)

    def counted_parts(conn: Any, states: dict[tuple[str, str, str], Any]) -> None:
        writes.update(list(states))
        parts(conn, states)

    monkeypatch.setattr(read_models, "save_whole", counted_whole)
    monkeypatch.setattr(read_models, "save_parts", counted_parts)
    monkeypatch.setattr(embedded, "REPLAY_BATCH", 3)
    told: list[int] = []
    assert ledger.rebuild(told.append) == 8
    assert told == [3, 3, 2]
    assert writes and set(writes.values()) == {1}  # each state once, though three chunks touched it
    assert read_models_of(ledger) == before


def test_a_failed_replay_leaves_nothing_half_written(ledger: EmbeddedLedger, monkeypatch: pytest.MonkeyPatch) -> None:
    assert post(ledger, enrol("farm-a", "2026-01-02"), *(report(m) for m in range(2, 6))).accepted == 5
    before = read_models_of(ledger)
    monkeypatch.setattr(embedded, "REPLAY_BATCH", 2)
    calls = {"n": 0}
    apply = ledger.writer.apply

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("the disk is gone")
        return apply(*args, **kwargs)

    monkeypatch.setattr(ledger.writer, "apply", failing)
    with pytest.raises(RuntimeError):
        ledger.rebuild()
    monkeypatch.setattr(ledger.writer, "apply", apply)
    assert all(not rows for rows in read_models_of(ledger).values())  # emptied, and nothing of the chunk
    assert ledger.catch_up() == 5
    assert read_models_of(ledger) == before
