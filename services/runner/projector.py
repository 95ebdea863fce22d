"""The distributed runner's unit of work: a batch of topic records applied to the read models in ONE transaction.

The transaction also records each applied event_id (`applied`) and each partition's last offset
(`partition_offsets`), so a record delivered again (a producer retry, a restarted worker, a rebalance)
changes nothing. Derived events for this farm go to `outbox`, events for other farms to `relay`; both are
published after the commit by `Publisher`. The timer's tick (`Projector.tick`) writes what time alone has
brought under the same partition lock. Transport-free: Faust hands the records in, tests can too.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import orjson
from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import InterfaceError, OperationalError

from events.catalogue import DERIVED_TYPES
from events.recorded import RecordedEvent
from projections.membership.projection import Membership
from projections.projection import Derived
from projections.registry import all_projections
from services.log.sql_log import known_digests
from services.runner.read_models import ReadModelWriter
from services.runner.records import RecordRejected, accepted_id, check_decoded, needs_enrolment
from services.store.database import now, utc_text
from services.store.locks import lock_partitions
from services.store.outbox import pending
from services.store.schema import applied, event_index, failures, outbox, partition_offsets, projection_state, relay
from services.store.upsert import claim, upsert

log = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError)
"""Database errors worth retrying (connection lost, deadlock, serialization): the batch is tried again."""
_CHUNK = 500
TICK_CHUNK = 1
"""Farms a tick folds per transaction: one, so a batch waits for one farm's tick at most (each farm's tick is its
own fold: chunks change no answer)."""


@dataclass(frozen=True, slots=True)
class Record:
    topic: str
    partition: int
    offset: int
    value: bytes
    key: bytes | None = None
    """The farm_id the record was keyed by."""


@dataclass
class Outcome:
    applied: int = 0
    skipped: int = 0
    failed: int = 0
    derived: list[Derived] = field(default_factory=list)
    """To publish on the derived topic (written to `outbox`)."""
    relay: list[Derived] = field(default_factory=list)
    """To append to the events topic for other farms (written to `relay`)."""
    farms: set[str] = field(default_factory=set)

    def add(self, other: Outcome) -> None:
        self.applied += other.applied
        self.skipped += other.skipped
        self.failed += other.failed
        self.derived += other.derived
        self.relay += other.relay
        self.farms |= other.farms


class Projector:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.writer = ReadModelWriter(all_projections())  # no cache: another worker may own a farm next
        self.ticker = ReadModelWriter(all_projections())  # the timer's own: it runs beside the agent's thread
        from services.runner.risk_sweep import Throttle

        self.risk_throttle = Throttle()

    def apply(self, records: Sequence[Record]) -> Outcome:
        """Apply a batch; if it fails, apply its records one by one and record the ones that fail.

        Transient database errors propagate: the caller retries the same batch later.
        """
        try:
            return self._apply(records)
        except TRANSIENT:
            raise
        except Exception as exc:
            if len(records) == 1:
                return self._fail(records[0], exc)
        outcome = Outcome()
        for record in records:
            outcome.add(self.apply([record]))
        return outcome

    def _apply(self, records: Sequence[Record]) -> Outcome:
        outcome = Outcome()
        with self.engine.begin() as conn:
            done = _lock_partitions(conn, records)
            fresh = [r for r in records if r.offset > done.get((r.topic, r.partition), -1)]
            events, refused = _trusted(conn, fresh)
            outcome.farms = {e.farm_id for e in events}
            todo = _not_applied(conn, events)  # and now marked applied, in this transaction
            outcome.skipped = len(records) - len(todo) - len(refused)
            outcome.failed = len(refused)
            _refuse(conn, refused)
            if todo:
                outcome.derived, outcome.relay = self.writer.apply(conn, todo)
                # A derived event that reached this farm through the log (from another farm) is published too.
                passed_on = [e.raw for e in todo if e.type in DERIVED_TYPES]
                pending(conn, outbox, passed_on)  # the writer already put its own derived events there
                pending(conn, relay, outcome.relay)
                outcome.derived += passed_on
            _advance(conn, fresh)
        outcome.applied = len(todo)
        return outcome

    def tick(self, topic: str, farms: Mapping[int, Iterable[str]], at: datetime) -> Outcome:
        """What time alone has brought these farms (by partition of `topic`) by `at`: transactions of
        `TICK_CHUNK` farms holding the same partition lock as a batch, so a tick and the agent never
        interleave on a farm; the derived events go to `outbox`, SU-2 notices to `relay`, as a batch's do."""
        outcome = Outcome()
        for partition, names in sorted(farms.items()):
            ordered = sorted(set(names))
            # `TICK_CHUNK` farms a transaction: the partition lock is held a moment at a time, so a batch of the
            # partition (an event on its way to a buyer) waits for one farm's tick, not the whole partition's.
            for i in range(0, len(ordered), TICK_CHUNK):
                chunk = ordered[i : i + TICK_CHUNK]
                with self.engine.begin() as conn:
                    lock_partitions(conn, [(topic, partition)])
                    derived, relayed = self.ticker.tick(conn, chunk, at, now())
                    pending(conn, relay, relayed)
                outcome.derived += derived
                outcome.relay += relayed
                outcome.farms |= set(chunk)
        outcome.relay += self._risk_changes(outcome.farms, at)  # after every SU-2 notice, as the embedded tick
        return outcome

    def _risk_changes(self, farms: Iterable[str], at: datetime) -> list[Derived]:
        """RK-1's `RiskLevelChanged` of these farms by `at`, through the events topic like an SU-2 notice
        (services/runner/risk_sweep.py); asked again only after a new day or new records."""
        from services.runner.risk_sweep import not_relayed, risk_level_changes

        names = sorted(farms)
        if not names or not self.risk_throttle.due(self.engine, at, names):
            return []
        made = risk_level_changes(self.engine, names, at, now())
        with self.engine.begin() as conn:
            fresh = not_relayed(conn, made)
            pending(conn, relay, fresh)
        return fresh

    def _fail(self, record: Record, exc: Exception) -> Outcome:
        """An event that cannot be applied is kept in `failures` (durably) and the partition moves on."""
        with self.engine.begin() as conn:
            done = _lock_partitions(conn, [record])
            if record.offset <= done.get((record.topic, record.partition), -1):
                return Outcome(skipped=1)
            _refuse(conn, [(record, "".join(traceback.format_exception_only(exc)).strip())])
            _advance(conn, [record])
        return Outcome(failed=1)


def _trusted(conn: Connection, records: Sequence[Record]) -> tuple[list[RecordedEvent], list[tuple[Record, str]]]:
    """Split records into events to apply and records refused with their reason (`check_record`; a farm
    fact for a farm whose enrolment is neither applied nor earlier in this batch). The records' ids are
    looked up in the event index at once: content a door accepted is not validated again."""
    decoded: list[tuple[Record, object]] = []
    for record in records:
        try:
            decoded.append((record, orjson.loads(record.value)))
        except orjson.JSONDecodeError as exc:
            decoded.append((record, RecordRejected(f"not JSON ({exc})")))
    ids = sorted({i for _, raw in decoded if (i := accepted_id(raw)) is not None})
    accepted = known_digests(conn, event_index.c.event_id, event_index.c.digest, ids)
    checked: list[tuple[Record, RecordedEvent | str]] = []
    for record, raw in decoded:
        try:
            if isinstance(raw, RecordRejected):
                raise raw
            checked.append((record, check_decoded(record.value, raw, record.key, accepted)))
        except RecordRejected as exc:
            checked.append((record, str(exc)))
        except Exception as exc:  # the check itself must never stop the partition
            checked.append((record, f"cannot be read ({type(exc).__name__}: {exc})"))
    farms = {e.farm_id for _, e in checked if isinstance(e, RecordedEvent)}
    enrolled = _enrolled(conn, farms)
    events: list[RecordedEvent] = []
    refused: list[tuple[Record, str]] = []
    for record, item in checked:
        if isinstance(item, str):
            refused.append((record, item))
            continue
        if item.type == "FarmEnrolled":
            enrolled.add(item.farm_id)
        elif needs_enrolment(item) and item.farm_id not in enrolled:
            refused.append((record, f"farm_id: unknown farm {item.farm_id!r} (no FarmEnrolled applied)"))
            continue
        events.append(item)
    return events, refused


def _enrolled(conn: Connection, farms: set[str]) -> set[str]:
    """The farms among these whose enrolment the read models hold."""
    found: set[str] = set()
    names = sorted(farms)
    for i in range(0, len(names), _CHUNK):
        rows = conn.execute(select(projection_state.c.key, projection_state.c.state).where(
            projection_state.c.projection == Membership.name, projection_state.c.key.in_(names[i : i + _CHUNK])))
        found.update(key for key, state in rows if "enrolled_on" in orjson.loads(state))
    return found


def _refuse(conn: Connection, refused: Sequence[tuple[Record, str]]) -> None:
    """Keep refused records in `failures`, with the reason, durably (the caller advances the offsets)."""
    if not refused:
        return
    for record, reason in refused:
        log.error("refused %s[%d]@%d: %s", record.topic, record.partition, record.offset, reason[:300])
    conn.execute(failures.insert(), [{
        "event_id": _printable(_event_id(record.value)),
        "where": f"{record.topic}[{record.partition}]@{record.offset}"[-120:],
        "error": _printable(reason)[:4000], "body": record.value, "at": utc_text(now()),
    } for record, reason in refused])


def _printable(text: str) -> str:
    """PostgreSQL text holds no NUL (a hostile record's id or type may): keep it visible, escaped."""
    return text.replace("\x00", "\\x00")


def _lock_partitions(conn: Connection, records: Sequence[Record]) -> dict[tuple[str, int], int]:
    """Serialise workers on a partition (two may overlap during a rebalance) and read where it stands."""
    return lock_partitions(conn, sorted({(r.topic, r.partition) for r in records}))


def _not_applied(conn: Connection, events: list[RecordedEvent]) -> list[RecordedEvent]:
    """The events no earlier transaction applied, each once (a second copy in the batch is dropped), in
    order; their ids are inserted into `applied` here (one statement: the insert says which were new)."""
    fresh = claim(conn, applied, "event_id", list(dict.fromkeys(e.event_id for e in events)))
    todo = []
    for event in events:
        if event.event_id in fresh:
            fresh.discard(event.event_id)
            todo.append(event)
    return todo


def _advance(conn: Connection, records: Sequence[Record]) -> None:
    last: dict[tuple[str, int], int] = {}
    for r in records:
        last[(r.topic, r.partition)] = max(r.offset, last.get((r.topic, r.partition), -1))
    rows = [{"topic": t, "partition": p, "offset": o} for (t, p), o in last.items()]
    upsert(conn, partition_offsets, rows, ["topic", "partition"], ["offset"])


def _event_id(value: bytes) -> str:
    try:
        return str(orjson.loads(value)["event_id"])[:36]
    except Exception:
        return "?"
