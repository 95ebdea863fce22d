"""Reading a big JSON Lines file on two cores (issue 8): a worker process decodes, validates and puts each
line in its canonical form (`prepare`) while this process seals, appends and folds the lines before them.

Only the ledger-free half crosses to the worker; the enrolment check, sealing and the append stay here.
Both halves are the one implementation in services/ledger/prepare.py and services/ledger/ingest.py, so a
line gets the answer `parse_jsonl` gives it (tests/unit/test_parallel_ingest.py). A chunk the worker fails
to give back (it died, it hung) is prepared here instead: the ingest never depends on the worker.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from itertools import islice
from typing import Any

from events.codec import EventRejected
from services.ledger.prepare import Prepared, parse_jsonl, prepared_or_rejected

log = logging.getLogger(__name__)

CHUNK = 2000
"""Lines sent to the worker at a time."""
AHEAD = 6
"""Chunks in flight: more than an append's batch (`ingest.BATCH`), so the worker prepares the next batch while
the ledger appends this one, without holding the file."""
MIN_LINES = 20_000
"""Below this a file is read in this process: the worker's start and the pipe would cost what they save."""
WAIT_SECONDS = 120.0
"""How long a chunk (a fraction of a second of work) may take in the worker before it is prepared here."""

Item = tuple[int, Prepared | EventRejected]
Reader = Callable[[Iterable[bytes]], Iterable[Item]]
_Wire = tuple[Any, ...]


def prepare_chunk(first: int, texts: list[bytes]) -> list[_Wire]:
    """The worker's work: each line of a chunk decoded and prepared, as plain tuples (what pickles fast)."""
    out: list[_Wire] = []
    for number, item in parse_jsonl(texts, start=first):
        ready = prepared_or_rejected(number, item)
        if isinstance(ready, EventRejected):
            out.append((number, False, ready.field, ready.problem))
        else:
            out.append((number, True, ready.type, ready.farm_id, ready.encoded, ready.contexts, ready.holds_nul))
    return out


def _item(wire: _Wire) -> Item:
    if wire[1]:
        number, _, event_type, farm_id, encoded, contexts, holds_nul = wire
        return number, Prepared(event_type, farm_id, encoded, contexts, holds_nul)
    number, _, field, problem = wire
    return number, EventRejected(number, field, problem)


def _here(first: int, texts: list[bytes]) -> list[Item]:
    return [(number, prepared_or_rejected(number, item)) for number, item in parse_jsonl(texts, start=first)]


def _chunks(lines: Iterable[bytes], start: int) -> Iterator[tuple[int, list[bytes]]]:
    it, first = iter(lines), start
    while texts := list(islice(it, CHUNK)):
        yield first, texts
        first += len(texts)


class TwoCores:
    """One worker process, fed chunks through a queue and answering in order through another. Started before
    anything else runs threads (a progress bar): the worker is a fork of this process as it is then, so it
    starts in milliseconds. Queues (not pipes) on both sides, so neither side ever blocks the other's send."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("fork")
        self.tasks: Any = context.Queue()
        self.results: Any = context.Queue()
        self.process: Any = context.Process(target=_serve, args=(self.tasks, self.results), daemon=True,
                                            name="dignity-ingest-worker")
        self.process.start()

    @property
    def alive(self) -> bool:
        return self.process is not None

    def read(self, lines: Iterable[bytes], start: int = 1) -> Iterator[Item]:
        """`parse_jsonl` then `prepared_or_rejected`, in order, prepared in the worker. The first chunks are
        sent now, not when the first line is asked for: the worker prepares them while the caller opens the
        ledger (`dignity ingest` imports and opens it after this), so the first batch need not wait for them."""
        chunks = _chunks(lines, start)
        flight: deque[tuple[int, list[bytes], bool]] = deque(
            (first, texts, self._send(first, texts)) for first, texts in islice(chunks, AHEAD + 1))
        return self._in_order(chunks, flight)

    def _in_order(self, chunks: Iterator[tuple[int, list[bytes]]], flight: deque[tuple[int, list[bytes], bool]]
                  ) -> Iterator[Item]:
        for first, texts in chunks:
            yield from self._taken(*flight.popleft())
            flight.append((first, texts, self._send(first, texts)))
        while flight:
            yield from self._taken(*flight.popleft())

    def _send(self, first: int, texts: list[bytes]) -> bool:
        if not self.alive:
            return False
        self.tasks.put((first, texts))
        return True

    def _taken(self, first: int, texts: list[bytes], sent: bool) -> list[Item]:
        """The chunk's items: the worker's answer (it answers in the order it was sent), else made here."""
        got = self._answer() if sent and self.alive else None
        if got is None:
            return _here(first, texts)
        return [_item(wire) for wire in got]

    def _answer(self) -> list[_Wire] | None:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                got = self.results.get(timeout=0.25)
            except queue.Empty:
                if self.process.is_alive() and time.monotonic() < deadline:
                    continue
                got = None
            if isinstance(got, list):
                return got
            log.warning("the ingest's worker process failed (%s); reading on in this process",
                        got or f"exit code {self.process.exitcode}")
            self.close()
            return None

    def close(self) -> None:
        """Stop the worker: asked to, then made to. Never waits more than a few seconds."""
        if self.process is None:
            return
        process, self.process = self.process, None
        self.tasks.cancel_join_thread()  # chunks it will never read must not hold this process at exit
        with suppress(Exception):
            self.tasks.put(None)
        process.join(timeout=2)
        if process.is_alive():
            process.kill()
            process.join(timeout=2)
        self.tasks.close()
        self.results.close()


def _serve(tasks: Any, results: Any) -> None:
    """The worker: chunks in, prepared chunks out, until told to stop. Ctrl-C is the ledger's to handle."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while (task := tasks.get()) is not None:
        try:
            results.put(prepare_chunk(*task))
        except Exception as exc:  # prepare_chunk guards each line: this is the process itself failing
            results.put(f"{type(exc).__name__}: {exc}")
            return


def worth_it(lines: int) -> bool:
    """Two cores pay for a big file, where this process can fork (Linux), has a second core to give and is
    not told otherwise (DIGNITY_INGEST_WORKER=0)."""
    from services.settings import settings

    return (lines >= MIN_LINES and sys.platform == "linux" and len(os.sched_getaffinity(0)) >= 2
            and "fork" in multiprocessing.get_all_start_methods() and settings().ingest_worker)


@contextmanager
def reader_for(lines: int) -> Iterator[Reader]:
    """How to read a file of `lines` lines: on two cores when `worth_it`, else `parse_jsonl` here. Enter it
    before starting threads; the worker is stopped on the way out, whatever happened."""
    if not worth_it(lines):
        yield parse_jsonl
        return
    try:
        cores = TwoCores()
    except OSError as exc:  # no worker to be had (a limit on processes): read here
        log.warning("no worker process for the ingest (%s); reading in this process", type(exc).__name__)
        yield parse_jsonl
        return
    try:
        yield cores.read
    finally:
        cores.close()
