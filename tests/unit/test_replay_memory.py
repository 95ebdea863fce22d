"""Replay (`rebuild`, `catch_up`) and memory: each log row is decoded as the fold reaches it and let go once
folded, and what a long replay leaves alive is handed to the oldest generation of the collector, not walked
by the collections that resume after it. The read models stay those of the incremental ingest."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from events.recorded import RecordedEvent
from projections.fold import Fold
from projections.registry import all_projections
from services.ledger import embedded
from services.ledger.embedded import EmbeddedLedger
from tests.conftest import post
from tests.unit.test_pt_common import enrol
from tests.unit.test_replay_writes_once import read_models_of, report


def test_a_replay_decodes_each_row_as_the_fold_reaches_it(
        ledger: EmbeddedLedger, monkeypatch: pytest.MonkeyPatch) -> None:
    assert post(ledger, enrol("farm-a", "2026-01-02"), *(report(m) for m in range(2, 9))).accepted == 8
    before = read_models_of(ledger)
    steps: list[str] = []
    decode = RecordedEvent.from_wire

    class Spy:
        @staticmethod
        def from_wire(body: Any) -> RecordedEvent:
            event = decode(body)
            steps.append("decode " + event.event_id)
            return event

    fold = ledger.writer.fold._fold

    def folded(event: RecordedEvent, *args: Any, **kwargs: Any) -> None:
        steps.append("fold " + event.event_id)
        fold(event, *args, **kwargs)

    monkeypatch.setattr(embedded, "RecordedEvent", Spy)
    monkeypatch.setattr(ledger.writer.fold, "_fold", folded)
    monkeypatch.setattr(embedded, "REPLAY_BATCH", 4)
    assert ledger.rebuild() == 8
    logged = [s for s in steps if s.startswith("decode ")]
    assert len(logged) == 8
    for i, step in enumerate(logged):  # each event folded right after it is decoded, before the next decode
        assert steps[steps.index(step) + 1] == "fold " + step.removeprefix("decode ")
        if i + 1 < len(logged):
            assert steps.index(step) < steps.index("fold " + step.removeprefix("decode ")) < steps.index(logged[i + 1])
    assert read_models_of(ledger) == before


def test_a_history_entry_of_a_log_row_holds_no_event(ledger: EmbeddedLedger) -> None:
    """A row the log holds (a position) needs only its pointer in the history: the fold keeps no event, so
    a replay's events are let go once folded; an event without a position keeps its body for its row."""
    assert post(ledger, enrol("farm-a", "2026-01-02"), report(2)).accepted == 2
    events = [RecordedEvent.from_wire(body) for _, body in ledger.log.read_raw()]
    fold = Fold(all_projections())
    writer = ledger.writer
    writer.store_emptied()
    with ledger.engine.begin() as conn:
        writer._begin(conn)
        pointed = fold.events(iter(events), writer, writer._directory, {}, [1, 2])
        kept = fold.events(iter(events), writer, writer._directory, {}, None)
        conn.rollback()
    assert [(e.seq, e.event, e.position) for e in pointed.history if e.position is not None] == [
        (1, None, 1), (2, None, 2)]
    assert [e.event for e in kept.history][:2] == events


def test_a_long_replay_leaves_its_states_in_the_oldest_generation(
        ledger: EmbeddedLedger, monkeypatch: pytest.MonkeyPatch) -> None:
    assert post(ledger, enrol("farm-a", "2026-01-02"), *(report(m) for m in range(2, 9))).accepted == 8
    before = read_models_of(ledger)
    monkeypatch.setattr(embedded, "REPLAY_BATCH", 3)
    assert gc.get_freeze_count() == 0
    assert ledger.rebuild() == 8
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    states = list(ledger.writer._parts.values()) + list(ledger.writer._states.values())
    assert states and all(id(s) in oldest for s in states)
    assert gc.get_freeze_count() == 0  # moved, not frozen: a cycle among them is still collected
    assert read_models_of(ledger) == before


def test_a_replay_leaves_frozen_objects_frozen(ledger: EmbeddedLedger, monkeypatch: pytest.MonkeyPatch) -> None:
    """Objects someone else froze (a server preloaded before it forks) stay frozen after a long replay."""
    assert post(ledger, enrol("farm-a", "2026-01-02"), *(report(m) for m in range(2, 9))).accepted == 8
    monkeypatch.setattr(embedded, "REPLAY_BATCH", 3)
    sentinel: list[object] = [object()]
    gc.freeze()
    try:
        assert not any(o is sentinel for o in gc.get_objects())  # frozen: in no generation
        assert ledger.rebuild() == 8
        assert not any(o is sentinel for o in gc.get_objects())
    finally:
        gc.unfreeze()
