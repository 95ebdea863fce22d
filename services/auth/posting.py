"""Posting under a token: the same ingest as `dignity ingest`, with the policy applied to each line.

A line the principal may not post is rejected like any invalid line (its number, the field, why) and
appends nothing; the others go on. Non-MDSC principals post as themselves: the token, not the body, says
who the actor is. MDSC staff record on behalf of others (a worker organisation's complaint intake), so
their events keep the actor they carry.

The answer is `dignity ingest --json`'s, plus `rows`: one result per input line or CSV row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from events.catalogue import Event
from events.codec import EventRejected
from events.envelope import Actor
from services.auth import policy
from services.auth.roles import Principal
from services.auth.scope import FarmScope
from services.ledger.ingest import Ingestor
from services.log.event_log import AppendOutcome, Candidate
from services.sealing.vault import KeyVault

Parsed = Iterable[tuple[int, Event | EventRejected]]


class Ledger(Protocol):
    vault: KeyVault
    clock: Callable[[], datetime]

    def enrolled_farms(self) -> set[str]: ...


def guarded(parsed: Parsed, principal: Principal, scope_of: Callable[[str], FarmScope]) -> Iterator[
        tuple[int, Event | EventRejected]]:
    """Each line as parsed, or rejected when the principal may not post it."""
    scopes: dict[str, FarmScope] = {}
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
            yield number, EventRejected(number, decision.field, decision.reason)
            continue
        if principal.role != "mdsc":
            item = item.model_copy(update={"actor": Actor.model_validate(principal.actor)})
        yield number, item


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
           progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Ingest through the ledger's own append (embedded: log and read models; distributed: Kafka)."""
    results = RowResults()
    append: Callable[[list[Candidate], datetime], AppendOutcome] = (
        ledger.append if hasattr(ledger, "append") else ledger.log.append)

    def recording(candidates: list[Candidate], recorded_at: datetime) -> AppendOutcome:
        outcome = append(candidates, recorded_at)
        results.duplicates.update(n for n in outcome.duplicates if n is not None)
        return outcome

    ingestor = Ingestor(recording, ledger.enrolled_farms(), ledger.vault, ledger.clock, ledger.enrolled_farms)
    report = ingestor.run(results.track(guarded(parsed, principal, scope_of)), progress).as_json()
    if hasattr(ledger, "sign_checkpoint"):  # embedded: sign what this request appended, as `dignity ingest` does
        ledger.sign_checkpoint()
    return {**report, "rows": results.rows(report["rejected"])}
