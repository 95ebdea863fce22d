"""A ledger let go is freed at once, and its kept cache of states with it (issue 8: costs flat as the ledger
ages). Nothing in it refers back to it, so it does not wait, in a cycle, for a full collection that an
ingest or a replay pauses: a process that opens ledger after ledger (`bench.growth`'s parts, a server's
tenants, a test run) would otherwise keep every earlier ledger's states alive and walk them."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from services.ledger.embedded import EmbeddedLedger
from tests.conftest import post
from tests.unit.test_pt_common import enrol
from tests.unit.test_replay_writes_once import report


def test_a_ledger_let_go_frees_its_cached_states_without_a_collection(tmp_path: Path) -> None:
    ledger = EmbeddedLedger(f"sqlite:///{tmp_path / 'ledger.db'}")
    assert post(ledger, enrol("farm-a", "2026-01-02"), *(report(m) for m in range(2, 6))).accepted == 5
    assert ledger.writer._states  # the cache holds the farm's states
    ledger.engine.dispose()
    gone = [weakref.ref(o) for o in (ledger, ledger.writer, ledger.log, ledger.vault)]
    was = gc.isenabled()
    gc.disable()  # only reference counts may free it
    try:
        del ledger
        assert [ref() is None for ref in gone] == [True] * len(gone)
    finally:
        if was:
            gc.enable()
