"""Posting under a token: the same ingest as `dignity ingest`, with the policy applied to each line.

A line the principal may not post is rejected like any invalid line (its number, the field, why) and
appends nothing; the others go on. Non-MDSC principals post as themselves: the token, not the body, says
who the actor is. MDSC staff record on behalf of others (a worker organisation's complaint intake), so
their events keep the actor they carry.

A non-MDSC sender's event ids are its own: the ledger stores each under `ledger_id(secret, sender, id)`,
so one sender's ids never meet another's. A resend by the same sender is still recognised (same id, same
key), while nothing another sender posted, or will post, can make its event be refused, and the answer
never depends on whether another sender used the same id (docs/decisions.md, "Tenancy").

The answer is `dignity ingest --json`'s, plus `rows`: one result per input line or CSV row.
"""

from __future__ import annotations

import gc
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain, islice
from typing import IO, Any, Protocol

import orjson
from sqlalchemy import Engine, select

from events.catalogue import Event
from events.codec import EventRejected
from events.envelope import Actor
from services.auth import policy
from services.auth.roles import Principal
from services.auth.scope import FarmScope
from services.ledger.ingest import Ingestor
from services.log.event_log import AppendOutcome, Candidate
from services.sealing.ids import id_secret, ledger_id
from services.sealing.vault import KeyVault
from services.store.schema import event_index, events

CHUNK = 5000
"""Lines ingested (and answered) at a time: each chunk's answer is spooled before the next is read."""
SPOOL = 1024 * 1024

Parsed = Iterable[tuple[int, Event | EventRejected]]


class Ledger(Protocol):
    vault: KeyVault
    clock: Callable[[], datetime]

    def enrolled_farms(self) -> set[str]: ...


def sender_key(principal: Principal) -> str:
    """The namespace of a sender's event ids."""
    return f"{principal.role}:{principal.subject}"


def guarded(parsed: Parsed, principal: Principal, scope_of: Callable[[str], FarmScope],
            secret: bytes, recorded: Callable[[str], bool] = lambda _id: False,
            fields: Mapping[str, str] | None = None) -> Iterator[tuple[int, Event | EventRejected]]:
    """Each line as parsed, or rejected when the principal may not post it. A non-MDSC sender's event id
    is replaced by its key in that sender's namespace (`secret` is the ledger's id secret), and so is the
    line a payroll correction names when the sender posted that line (`recorded`: is an id in the log).
    `fields` names a refused field as the input does (a CSV template's columns)."""
    scopes: dict[str, FarmScope] = {}
    own: set[str] = set()  # this upload's ids so far: a correction may follow its line in the same file
    for number, item in parsed:
        if isinstance(item, EventRejected):
            yield number, item
            continue
        try:
            scope = scopes.get(item.farm_id) or scopes.setdefault(item.farm_id, scope_of(item.farm_id))
            decision = policy.may_post(principal, item.type, scope, item.data.model_dump(mode="json"))
        except Exception as exc:  # SPEC §6: what a line makes raise rejects that line, not the request
            yield number, EventRejected(number, None, f"cannot be checked ({type(exc).__name__}: {exc})"[:400])
            continue
        if not decision:
            field_name = (fields or {}).get(decision.field or "", decision.field)
            yield number, EventRejected(number, field_name, decision.reason)
            continue
        if principal.role != "mdsc":
            key = sender_key(principal)
            event_id = ledger_id(secret, key, str(item.event_id))
            if item.type == "PayrollLineRecorded":  # the one kind of line a later line may correct
                own.add(event_id)
            corrects = getattr(item.data, "corrects", None)
            if corrects is not None:
                mine = ledger_id(secret, key, str(corrects))
                if mine in own or recorded(mine):
                    item = item.model_copy(update={"data": item.data.model_copy(update={"corrects": uuid.UUID(mine)})})
            item = item.model_copy(update={"actor": Actor.model_validate(principal.actor),
                                           "event_id": uuid.UUID(event_id)})
        yield number, item


def recorded_in(engine: Engine) -> Callable[[str], bool]:
    """Is this event id in the log (the embedded `events`, or the distributed mode's `event_index`)."""

    def known(event_id: str) -> bool:
        with engine.connect() as conn:
            return any(conn.execute(select(table.c.event_id).where(table.c.event_id == event_id)).first()
                       for table in (events, event_index))

    return known


@dataclass
class RowResults:
    """What became of each line: accepted, duplicate or rejected (with the error)."""

    event_ids: dict[int, str] = field(default_factory=dict)
    duplicates: set[int] = field(default_factory=set)

    def track(self, parsed: Parsed) -> Iterator[tuple[int, Event | EventRejected]]:
        for number, item in parsed:
            if not isinstance(item, EventRejected):
                self.event_ids[number] = str(item.event_id)
            yield number, item

    def rows(self, rejected: list[dict[str, Any]]) -> list[dict[str, Any]]:
        errors = {r["line"]: r["error"] for r in rejected}
        out = [{"line": n, "status": "rejected", "error": e} for n, e in errors.items()]
        for number, event_id in self.event_ids.items():
            if number not in errors:
                status = "duplicate" if number in self.duplicates else "accepted"
                out.append({"line": number, "status": status, "event_id": event_id})
        return sorted(out, key=lambda r: r["line"] or 0)


class Answer:
    """The answer to a post, spooled as it is made (memory up to `SPOOL` bytes, then a temporary file) and
    streamed out after: an upload of millions of bad lines costs disk, not memory, and the write lock is
    released before the first byte is sent."""

    def __init__(self) -> None:
        self.accepted = self.duplicates = self.rejected = 0
        self.stopped: str | None = None
        """Why the ingest stopped before the end, if it did (`IngestReport.stopped`)."""
        self.unsigned: str | None = None
        """Why the checkpoint after it was not signed, if it was not (`IngestReport.unsigned`)."""
        self._rejected = tempfile.SpooledTemporaryFile(SPOOL)  # noqa: SIM115 (closed by chunks or close)
        self._rows = tempfile.SpooledTemporaryFile(SPOOL)  # noqa: SIM115 (closed by chunks or close)

    def add(self, report: dict[str, Any], rows: list[dict[str, Any]]) -> None:
        self.accepted += report["accepted"]
        self.duplicates += report["duplicates"]
        self.rejected += len(report["rejected"])
        _write(self._rejected, report["rejected"])
        _write(self._rows, rows)

    def chunks(self, size: int = 64 * 1024) -> Iterator[bytes]:
        """The answer's JSON, piece by piece; the spools are closed at the end (or when the reader stops)."""
        try:
            head = {"accepted": self.accepted, "duplicates": self.duplicates}
            said = {k: v for k, v in (("stopped", self.stopped), ("unsigned", self.unsigned)) if v is not None}
            yield orjson.dumps(head | said)[:-1]
            for name, spool in ((b"rejected", self._rejected), (b"rows", self._rows)):
                yield b',"' + name + b'":['
                spool.seek(0)
                while piece := spool.read(size):
                    yield piece
                yield b"]"
            yield b"}"
        finally:
            self.close()

    def as_json(self) -> dict[str, Any]:
        return orjson.loads(b"".join(self.chunks()))  # type: ignore[no-any-return]

    def close(self) -> None:
        self._rejected.close()
        self._rows.close()


def _write(spool: IO[bytes], items: list[dict[str, Any]]) -> None:
    if items:
        spool.write((b"," if spool.tell() else b"") + b",".join(map(orjson.dumps, items)))


def ingest_to(ledger: Any, parsed: Parsed, principal: Principal, scope_of: Callable[[str], FarmScope],
              progress: Callable[[int], None] | None = None, fields: Mapping[str, str] | None = None) -> Answer:
    """Ingest through the ledger's own append (embedded: log and read models; distributed: Kafka), `CHUNK`
    lines at a time, each chunk's part of the answer spooled before the next is read."""
    answer = Answer()
    current = RowResults()
    append: Callable[[list[Candidate], datetime], AppendOutcome] = (
        ledger.append if hasattr(ledger, "append") else ledger.log.append)

    def recording(candidates: list[Candidate], recorded_at: datetime) -> AppendOutcome:
        outcome = append(candidates, recorded_at)
        current.duplicates.update(n for n in outcome.duplicates if n is not None)
        return outcome

    ingestor = Ingestor(recording, ledger.enrolled_farms(), ledger.vault, ledger.clock, ledger.enrolled_farms)
    secret = id_secret(ledger.engine) if principal.role != "mdsc" else b""
    lines = guarded(parsed, principal, scope_of, secret, recorded_in(ledger.engine), fields)
    try:
        while (first := next(lines, None)) is not None:
            chunk = chain([first], islice(lines, CHUNK - 1))  # lazily: a chunk is never held as a list
            current = RowResults()
            report: dict[str, Any]
            if answer.stopped is not None:  # an earlier chunk stopped the ingest: nothing after it is recorded
                report = {"accepted": 0, "duplicates": 0,
                          "rejected": [{"line": n, "error": f"not recorded: {answer.stopped}"} for n, _ in chunk]}
            else:
                report = ingestor.run(current.track(chunk), progress).as_json()
                answer.stopped = report.get("stopped")
            answer.add(report, current.rows(report["rejected"]))
            if len(report["rejected"]) > CHUNK // 5:
                gc.collect()  # each rejected line leaves an exception-frame cycle; a flood of them would pile up
    except BaseException:
        answer.close()
        raise
    if hasattr(ledger, "sign_or_say_why"):  # embedded: sign what this request appended, as `dignity ingest` does
        answer.unsigned = ledger.sign_or_say_why()[1]
    return answer


def ingest(ledger: Any, parsed: Parsed, principal: Principal, scope_of: Callable[[str], FarmScope],
           progress: Callable[[int], None] | None = None, fields: Mapping[str, str] | None = None) -> dict[str, Any]:
    """`ingest_to`, answered whole: `dignity ingest --json`'s answer plus `rows`."""
    return ingest_to(ledger, parsed, principal, scope_of, progress, fields).as_json()
