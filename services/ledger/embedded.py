"""The embedded mode: one process, the log and the read models in one SQL database, applied together."""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, func, select, text

from events.catalogue import Event
from events.codec import EventRejected, content_digest
from events.recorded import RecordedEvent
from projections.projection import Derived
from projections.registry import all_projections
from projections.standing.query import NAME as STANDING
from services.ledger.ingest import Ingestor, IngestReport
from services.log.checkpoint import CheckpointRefused, Signed, checkpoint_copy_path, write_checkpoint
from services.log.event_log import AppendOutcome, Candidate
from services.log.signer import FileSigner, signing_key_path
from services.log.sql_log import SqlEventLog
from services.runner.read_models import ReadModelWriter
from services.sealing.vault import KeyVault
from services.store.bodies import unpack
from services.store.database import connect, now
from services.store.schema import EMBEDDED_CHECKPOINT, ENROLLED, checkpoints, events, projection_state, ticks
from services.store.upsert import upsert

CHECKPOINT = EMBEDDED_CHECKPOINT
REPLAY_BATCH = 5_000  # events folded (and progress told) at a time; the states are written once, at the end


@dataclass
class TickReport:
    """What a tick wrote: the derived events (history, in order) and the SU-2 notices it appended to the log."""

    at: datetime
    derived: list[Derived] = field(default_factory=list)
    appended: list[RecordedEvent] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"as_of": self.at.isoformat(), "derived": self.derived, "appended": [e.raw for e in self.appended]}


class EmbeddedLedger:
    def __init__(self, url: str | None = None, engine: Engine | None = None,
                 clock: Callable[[], datetime] = now, sign: bool = True) -> None:
        self.engine = engine or connect(url)
        self.log = SqlEventLog(self.engine)
        self.writer = ReadModelWriter(all_projections(), keep_cache=True)
        self.vault = KeyVault(self.engine)
        vault = self.vault  # not `self`: a ledger let go is freed at once, with its cache (no cycle)
        self.log.legacy_match = lambda stored, cand: cand.clear is not None and vault.same_as_sent(
            stored, cand.body, cand.clear)
        self.signer = FileSigner(signing_key_path(self.engine.url))
        self.sign = sign  # False for a scratch replay (verify --read-models): it must not sign or copy
        if sign:
            self.log.written = {}
        self.clock = clock
        from services.runner.risk_sweep import Throttle

        self.risk_throttle = Throttle()
        if self.log.migrated:
            self.sign_checkpoint()
        self.catch_up()

    # -- writing ---------------------------------------------------------------------------------
    def ingest(
        self, parsed: Iterable[tuple[int, Event | EventRejected]], progress: Callable[[int], None] | None = None
    ) -> IngestReport:
        with paused_gc():
            report = Ingestor(self.append, self.enrolled_farms(), self.vault, self.clock,
                              self.enrolled_farms).run(parsed, progress)
            report.unsigned = self.sign_or_say_why()[1]  # the events are stored either way: the report says it
        return report

    def append(self, candidates: list[Candidate], recorded_at: datetime) -> AppendOutcome:
        """Append and project in one transaction: a query right after sees the result."""
        try:
            with self.engine.begin() as conn, paused_gc():
                before = _last_position(conn)
                outcome = self.log.append_in(conn, candidates, recorded_at)
                self._project(conn, outcome.accepted, before)
            collect_young()
            return outcome
        except BaseException:  # rolled back: what the log and the writer cached of it is void
            self.log.forget_heads()
            self.writer.forget_cache()
            raise

    def _project(self, conn: Connection, accepted: list[RecordedEvent], before: int) -> None:
        if not accepted:
            return
        _, elsewhere = self.writer.apply(conn, accepted, _positions(conn, accepted, before))
        self._append(conn, elsewhere)
        self._checkpoint(conn)

    def _append(self, conn: Connection, elsewhere: list[Derived], replay_after: int | None = None
                ) -> tuple[list[RecordedEvent], list[Derived]]:
        """Events a process manager addressed to a farm (SU-2 notices) go through the log too: appended after
        what caused them, then applied. Returns them and the derived events they caused. Replaying a tick
        (`replay_after`: the position it ticked after), they are on the log already: those are applied from
        there, and one the log does not hold is left out (the log is what a replay answers)."""
        appended: list[RecordedEvent] = []
        derived: list[Derived] = []
        while elsewhere:
            bodies = [{k: v for k, v in d.items() if k != "recorded_at"} for d in elsewhere]
            if replay_after is None:
                cands = [Candidate(None, b, content_digest(b)) for b in bodies]
                before = _last_position(conn)
                out = self.log.append_in(conn, cands, datetime.fromisoformat(elsewhere[-1]["recorded_at"]))
                accepted = out.accepted
                positions = _positions(conn, accepted, before) if accepted else []
            else:
                accepted, positions = _stored(conn, [str(b["event_id"]) for b in bodies], replay_after)
            made, elsewhere = self.writer.apply(conn, accepted, positions) if accepted else ([], [])
            appended += accepted
            derived += made
        return appended, derived

    # -- time --------------------------------------------------------------------------------------
    def tick(self, at: datetime | None = None) -> TickReport:
        """Write what time alone has brought every farm by `at` (default: the clock): `StandingChanged` with
        its `BuyerNotified` and SU-2 notices, once each. Ingest never ticks, so its output depends on the
        events alone; run this (`dignity tick`) when the clock moves."""
        at = at or self.clock()
        recorded = self.clock()  # one ledger time per tick, so a replay (verify --read-models) can repeat it
        report = self._tick(at, recorded)
        if report.appended:
            self.sign_checkpoint()
        return report

    def _tick(self, at: datetime, recorded: datetime, replay_after: int | None = None) -> TickReport:
        """`tick`'s work in one transaction. Replaying (`replay_after`: the log position the ledger ticked
        after), the notices come from the log, no `ticks` row is added and the read models' checkpoint moves
        only past what the tick applied."""
        report = TickReport(at)
        from services.runner.risk_sweep import risk_level_changes

        # Replayed, RK-1's changes are not asked again: the tick appended them last, so the catch-up after it
        # applies them from the log, in the same order.
        due = replay_after is None and self.risk_throttle.due(self.engine, at)
        risk = risk_level_changes(self.engine, self.enrolled_farms(), at, recorded) if due else []  # RK-1
        with self.engine.begin() as conn:
            before = conn.execute(select(func.max(events.c.position))).scalar() or 0
            farms = set(conn.execute(select(projection_state.c.key).where(
                projection_state.c.projection == STANDING)).scalars())
            while farms:  # a farm a notice reached may owe changes of its own by `at`: tick it again
                derived, elsewhere = self.writer.tick(conn, farms, at, recorded)
                appended, caused = self._append(conn, elsewhere, replay_after)
                report.derived += derived + caused
                report.appended += appended
                farms = {e.farm_id for e in appended}
            appended, caused = self._append(conn, risk, replay_after)  # through the log, as the workers relay them
            report.derived += caused
            report.appended += appended
            if replay_after is not None:
                done = max([replay_after, *_positions_of(conn, report.appended)])
                upsert(conn, checkpoints, [{"name": CHECKPOINT, "position": done}], ["name"], ["position"])
                return report
            if report.derived or report.appended:
                conn.execute(ticks.insert().values(at=at.isoformat(), recorded_at=recorded.isoformat(),
                                                   after_position=before))
            self._checkpoint(conn)
        return report

    def sign_checkpoint(self) -> Signed | None:
        """Sign the log as it is now (ingest and tick do it at the end). None, with the reason on stderr, when
        the rows appended since the last checkpoint do not hold: `dignity verify` names them."""
        signed, failure = self.sign_or_say_why()
        if failure is not None:
            print(failure, file=sys.stderr)
        return signed

    def sign_or_say_why(self) -> tuple[Signed | None, str | None]:
        """Sign the log as it is now; or why it could not be signed (refused: rows that do not hold; or the
        signing itself failed: an unreadable key file, a full disk). Never raises: what was appended before
        is committed, and the caller's report must still be given."""
        if not self.sign:
            return None, None
        try:
            signed = write_checkpoint(self.engine, self.signer, self.clock(), checkpoint_copy_path(self.engine.url),
                                      self.log.written)
        except CheckpointRefused as exc:
            return None, f"checkpoint refused: {exc}"
        except Exception as exc:
            return None, f"checkpoint not signed ({type(exc).__name__}: {exc})"
        if self.log.written is not None:
            self.log.written.clear()
        return signed, None

    def _checkpoint(self, conn: Connection) -> None:
        position = _last_position(conn)
        upsert(conn, checkpoints, [{"name": CHECKPOINT, "position": position}], ["name"], ["position"])

    # -- replay ----------------------------------------------------------------------------------
    def catch_up(self, progress: Callable[[int], None] | None = None) -> int:
        """Apply log rows the read models have not seen yet (all of them after `rebuild`). From nothing (after
        `rebuild`, a migration that emptied the read models) the replay also ticks where the ledger ticked
        (`ticks`: after which position, at which moment and ledger time), so what time alone brought (a
        standing change, its notices) is back as it was, not only after the next tick."""
        with self.engine.connect() as conn:
            started = conn.execute(
                select(checkpoints.c.position).where(checkpoints.c.name == CHECKPOINT)).scalar() is not None
            moments = [] if started else conn.execute(
                select(ticks.c.after_position, ticks.c.at, ticks.c.recorded_at).order_by(ticks.c.id)).all()
        count = 0
        for after, at, recorded in moments:
            count += self._catch_up(progress, upto=after)
            self._tick(datetime.fromisoformat(at), datetime.fromisoformat(recorded), replay_after=after)
        return count + self._catch_up(progress)

    def _catch_up(self, progress: Callable[[int], None] | None, upto: int | None = None) -> int:
        """Apply the log rows after the read models' checkpoint, up to position `upto` (None: all): trusted
        rows decoded without validation, folded in memory `REPLAY_BATCH` at a time (progress told after
        each), every state written once at the end, all in one transaction with the checkpoint."""
        with self.engine.connect() as conn:
            done = conn.execute(
                select(checkpoints.c.position).where(checkpoints.c.name == CHECKPOINT)
            ).scalar() or 0
        count = 0
        bodies: list[bytes] = []
        positions: list[int] = []
        try:
            with paused_gc():
                with self.engine.begin() as conn:
                    for position, body in self.log.read_raw(after=done):
                        if upto is not None and position > upto:
                            break
                        bodies.append(body)
                        positions.append(position)
                        if len(bodies) >= REPLAY_BATCH:
                            count += self._replay(conn, bodies, positions, progress)
                    count += self._replay(conn, bodies, positions, progress)
                    self.writer.save_deferred(conn)
                if count >= REPLAY_BATCH:
                    keep_survivors()
        except BaseException:  # rolled back: the cache holds states that were never written
            self.writer.forget_cache()
            raise
        return count

    def _replay(self, conn: Connection, bodies: list[bytes], positions: list[int],
                progress: Callable[[int], None] | None) -> int:
        """Fold a chunk of log rows: each body is decoded as the fold reaches it (`Fold.events`), so an event
        is folded while it is fresh in the CPU's cache and let go right after, not decoded with thousands of
        others first (measured: decoding a chunk of 5,000 cost ~10 µs an event, one at a time ~4)."""
        if not bodies:
            return 0
        decoded = (RecordedEvent.from_wire(orjson.loads(body)) for body in bodies)
        self.writer.apply(conn, decoded, positions, defer_states=True)
        upsert(conn, checkpoints, [{"name": CHECKPOINT, "position": positions[-1]}], ["name"], ["position"])
        n = len(bodies)
        bodies.clear()
        positions.clear()
        if progress:
            progress(n)
        return n

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Drop every read model and replay the whole log."""
        with self.engine.begin() as conn:
            ReadModelWriter.clear(conn)
            conn.execute(checkpoints.delete().where(checkpoints.c.name == CHECKPOINT))
        self.writer.store_emptied()
        return self.catch_up(progress)

    def log_length(self) -> int:
        """How many events the log holds (what a rebuild replays)."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(events)).scalar() or 0)

    # -- reading ---------------------------------------------------------------------------------
    def enrolled_farms(self) -> set[str]:
        with self.engine.connect() as conn:
            query = select(events.c.farm_id).where(text(ENROLLED)).distinct()  # the partial index
            return set(conn.execute(query).scalars())


@contextmanager
def paused_gc() -> Iterator[None]:
    """No automatic cyclic garbage collection while events are read and folded: they make many objects and
    free few, and every full collection walks every state in memory, so its cost grew with the ledger
    (a quarter of an ingest's time, a third of a replay's, measured). An ingest collects the young
    generation itself (`collect_young`: only what it made); the rest is collected after."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def keep_survivors() -> None:
    """After a long replay (automatic collection paused): move every object alive now into the oldest
    generation without a collection walking them (`gc.freeze` then `gc.unfreeze`: two list splices). What a
    replay leaves alive is mostly the writer's kept cache of states; walking it cost a collection of the young
    generation as soon as collection resumed (~7% of a rebuild at 100 farms x 36 months, 0.3 s), then the
    middle generation's (~0.7 s) after it. In the oldest generation they are walked only by the next full
    collection, as any long-lived object is, and a cycle among them is still collected then. Skipped when
    something else has frozen objects (a server preloaded before it forks): those stay frozen."""
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()


YOUNG_LIMIT = 500_000
"""Objects the young generation may hold, with automatic collection paused, before an ingest collects it."""


def collect_young() -> None:
    """Collect the young generation (what was made since the last collection, nothing older) once it holds
    `YOUNG_LIMIT` objects. Its cost follows the objects still alive in it (a batch's events, candidates,
    new states), not the garbage: an ingest makes little cyclic garbage (~0.07 objects per event measured,
    1,545 in 22,811 events), so collecting after every batch cost ~10% of the ingest to free almost nothing.
    The bound keeps what cyclic garbage can pile up as small as before, whatever makes it."""
    if gc.get_count()[0] >= YOUNG_LIMIT:
        gc.collect(0)


def _last_position(conn: Connection) -> int:
    return conn.execute(select(func.max(events.c.position))).scalar() or 0


def _stored(conn: Connection, ids: list[str], after: int) -> tuple[list[RecordedEvent], list[int]]:
    """The log's events with these ids after position `after`, in log order, and their positions."""
    rows = conn.execute(select(events.c.position, events.c.body).where(
        events.c.event_id.in_(ids), events.c.position > after).order_by(events.c.position)).all()
    return [RecordedEvent.from_wire(orjson.loads(unpack(body))) for _, body in rows], [p for p, _ in rows]


def _positions_of(conn: Connection, appended: list[RecordedEvent]) -> list[int]:
    ids = [e.event_id for e in appended]
    return list(conn.execute(select(events.c.position).where(events.c.event_id.in_(ids))).scalars()) if ids else []


def _positions(conn: Connection, accepted: list[RecordedEvent], before: int) -> list[int]:
    """Where each event just appended (after log position `before`) sits in the log."""
    where = dict(conn.execute(select(events.c.event_id, events.c.position).where(events.c.position > before)).all())
    return [where[e.event_id] for e in accepted]
