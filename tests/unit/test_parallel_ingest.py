"""A big file read on two cores (services/ledger/parallel.py) gets the answers it gets read in one process:
the same report line for line, the same log, the same read models; a worker that dies changes nothing."""

from __future__ import annotations

import functools
import os
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from services.cli.common import parse_moment
from services.cli.main import app
from services.generate.program import generate
from services.ledger import parallel, queries
from services.ledger.embedded import EmbeddedLedger
from services.ledger.ingest import SEALED_FIELDS, IngestReport, parse_jsonl
from services.ledger.parallel import TwoCores, reader_for
from services.store.bodies import unpack
from services.store.schema import events
from tests.unit.test_trust_fuzz import SEED, mutants

CLOCK = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@functools.cache
def hostile() -> tuple[bytes, ...]:
    """A program, then its lines sent again, changed, broken, blank: what a farm testing the ledger sends."""
    program = [orjson.dumps(e) for e in generate(farms=3, months=4, seed=5, showcase=True)]
    rng = random.Random(SEED)
    bad = [line for _, line, _ in mutants(rng, 400)]
    changed = orjson.loads(program[40])
    changed["data"] = {**changed["data"], "note": "x"}
    complaint = {"event_id": str(uuid.uuid4()), "type": "ComplaintReceived", "farm_id": orjson.loads(program[0])[
        "farm_id"], "occurred_at": "2025-02-05", "actor": {"role": "worker_org", "id": "wo-1"},
        "data": {"complaint_id": "c-par", "received_by": "worker_org", "received_at": "2025-02-05T10:00:00-05:00",
                 "complainant": {"name": "Ana"}}}
    unknown = {**orjson.loads(program[50]), "event_id": str(uuid.uuid4()), "farm_id": "farm-nowhere"}
    paid = next(orjson.loads(x) for x in program if b'"PayrollLineRecorded"' in x)
    nul_known = {**paid, "event_id": str(uuid.uuid4()), "data": {**paid["data"], "worker_id": "a\u0000b"}}
    nul = {**nul_known, "event_id": str(uuid.uuid4()), "farm_id": "farm-nowhere"}  # the farm is named first
    extra = [b"", b"   ", b"not json", *(orjson.dumps(e) for e in (changed, complaint, complaint, unknown, nul,
                                                                       nul_known)),
             b'{"type": "FarmEnrolled", "type": "x"}']
    rest = bad + program[200:]
    rng.shuffle(rest)
    return tuple(program[:200] + extra + rest + program[:30])


def ingested(tmp: Path, name: str, read: Any) -> tuple[IngestReport, EmbeddedLedger]:
    ledger = EmbeddedLedger(f"sqlite:///{tmp / name}", clock=lambda: CLOCK)
    return ledger.ingest(read(iter(hostile()))), ledger


def logged(ledger: EmbeddedLedger) -> list[tuple[Any, ...]]:
    """The log as stored, bodies decoded; a sealed person differs by ledger (its key is random): left out."""
    with ledger.engine.connect() as conn:
        rows = conn.execute(select(events.c.position, events.c.event_id, events.c.type, events.c.farm_id,
                                   events.c.occurred_at, events.c.recorded_at, events.c.digest, events.c.body))
        out = []
        for *columns, digest, body in rows:
            data = orjson.loads(unpack(body))
            sealed = [name for name in SEALED_FIELDS.get(data["type"], ()) if name in data["data"]]
            for name in sealed:
                data["data"][name] = "sealed" in data["data"][name]  # sealed in both, under their own keys
            out.append((*columns, None if sealed else digest, data))
        return out


def answers(ledger: EmbeddedLedger) -> tuple[Any, ...]:
    as_of = parse_moment("2025-06-30")
    farms = queries.farm_ids(ledger.engine)
    return (queries.deadlines(ledger.engine, None, as_of, []), queries.findings(ledger.engine, None, as_of, []),
            [queries.standing(ledger.engine, f, as_of) for f in farms],
            [len(queries.farm_history(ledger.engine, f, as_of, CLOCK)) for f in farms])


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "CHUNK", 37)  # many chunks, several in flight


@pytest.fixture
def no_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every chunk must come back from the worker: preparing one here fails the test."""
    def refuse(first: int, texts: list[bytes]) -> list[Any]:
        raise AssertionError(f"chunk from line {first} was prepared in the ledger's process")

    monkeypatch.setattr(parallel, "_here", refuse)


def test_two_cores_answer_what_one_process_answers(tmp_path: Path, small_chunks: None, no_fallback: None) -> None:
    serial, one = ingested(tmp_path, "one.db", parse_jsonl)
    cores = TwoCores()
    try:
        split, two = ingested(tmp_path, "two.db", cores.read)
    finally:
        cores.close()
    assert serial.accepted > 200 and len(serial.rejected) > 300 and serial.duplicates >= 30
    assert split.as_json() == serial.as_json()
    assert logged(two) == logged(one)
    assert answers(two) == answers(one)


def test_a_worker_that_dies_midway_leaves_the_answers_unchanged(tmp_path: Path, small_chunks: None,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    real = parallel.prepare_chunk

    def dies_at_the_fifth(first: int, texts: list[bytes]) -> list[Any]:
        if first > 4 * 37:
            os._exit(3)  # the worker process ends at once, as a kill would end it
        return real(first, texts)

    monkeypatch.setattr(parallel, "prepare_chunk", dies_at_the_fifth)  # the fork carries it to the worker
    serial, one = ingested(tmp_path, "one.db", parse_jsonl)
    cores = TwoCores()
    split, two = ingested(tmp_path, "two.db", cores.read)
    assert not cores.alive  # it noticed, and stopped using the worker
    assert split.as_json() == serial.as_json() and logged(two) == logged(one)


def test_a_small_file_is_read_in_process_and_a_big_one_on_two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    with reader_for(parallel.MIN_LINES - 1) as read:
        assert read is parse_jsonl
    monkeypatch.setattr(parallel, "worth_it", lambda lines: True)
    with reader_for(10) as read:
        kept = read.__self__  # type: ignore[attr-defined]
        assert isinstance(kept, TwoCores) and kept.alive and kept.process.is_alive()
        worker = kept.process
    assert not kept.alive and not worker.is_alive()  # stopped on the way out


def test_dignity_ingest_of_a_big_file_reads_it_on_two_cores(tmp_path: Path, small_chunks: None, no_fallback: None,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\n".join(hostile()) + b"\n")
    used: list[bool] = []
    real = parallel.TwoCores.read

    def watched(self: TwoCores, lines: Any, start: int = 1) -> Iterator[Any]:
        used.append(True)
        return real(self, lines, start)

    monkeypatch.setattr(parallel.TwoCores, "read", watched)
    runs = []
    for name, least in (("one.db", 10**9), ("two.db", 1)):
        monkeypatch.setattr(parallel, "MIN_LINES", least)
        result = CliRunner().invoke(app, ["ingest", str(source), "--db", f"sqlite:///{tmp_path / name}", "--json"])
        assert result.exit_code == 1, result.output  # the hostile lines are rejected
        runs.append(orjson.loads(result.output[result.output.index("{"):]))
    assert used == [True] and runs[0] == runs[1] and runs[0]["accepted"] > 200


def test_the_first_chunks_go_to_the_worker_before_the_first_line_is_asked_for(
        small_chunks: None, no_fallback: None) -> None:
    """`dignity ingest` opens the ledger after starting the read: the worker prepares meanwhile."""
    lines = hostile()
    taken: list[bytes] = []

    def counted() -> Iterator[bytes]:
        for line in lines:
            taken.append(line)
            yield line

    cores = TwoCores()
    try:
        items = cores.read(counted())
        assert len(taken) == (parallel.AHEAD + 1) * parallel.CHUNK  # sent at once, nothing asked for yet
        assert [n for n, _ in items] == [n for n, _ in parse_jsonl(lines)]  # then every line, in order
    finally:
        cores.close()
