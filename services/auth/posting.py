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

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Engine, select

from events.catalogue import Event
from events.codec import EventRejected
from events.envelope import Actor
from services.auth import policy
from services.auth.roles import Principal
from services.auth.scope import FarmScope
from services.ledger.ingest import Ingestor
from services.log.event_log import AppendOutcome, Candidate
from services.sealing.vault import KeyVault
from services.store.id_secret import id_secret, ledger_id
from services.store.schema import event_index, events

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
        scope = scopes.get(item.farm_id) or scopes.setdefault(item.farm_id, scope_of(item.farm_id))
        decision = policy.may_post(principal, item.type, scope, item.data.model_dump(mode="json"))
        if not decision:
            field_name = (fields or {}).get(decision.field or "", decision.field)
            yield number, EventRejected(number, field_name, decision.reason)
            continue
        if principal.role != "mdsc":
            key = sender_key(principal)
            event_id = ledger_id(secret, key, str(item.event_id))
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


def ingest(ledger: Any, parsed: Parsed, principal: Principal, scope_of: Callable[[str], FarmScope],
           progress: Callable[[int], None] | None = None, fields: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Ingest through the ledger's own append (embedded: log and read models; distributed: Kafka)."""
    results = RowResults()
    append: Callable[[list[Candidate], datetime], AppendOutcome] = (
        ledger.append if hasattr(ledger, "append") else ledger.log.append)

    def recording(candidates: list[Candidate], recorded_at: datetime) -> AppendOutcome:
        outcome = append(candidates, recorded_at)
        results.duplicates.update(n for n in outcome.duplicates if n is not None)
        return outcome

    ingestor = Ingestor(recording, ledger.enrolled_farms(), ledger.vault, ledger.clock)
    secret = id_secret(ledger.engine) if principal.role != "mdsc" else b""
    lines = guarded(parsed, principal, scope_of, secret, recorded_in(ledger.engine), fields)
    report = ingestor.run(results.track(lines), progress).as_json()
    return {**report, "rows": results.rows(report["rejected"])}
