"""The one event-log interface. Two backends: SQL (embedded) and Kafka (distributed)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from events.recorded import RecordedEvent


@dataclass(slots=True)
class Candidate:
    """A validated, sealed event ready to append; `body` is canonical JSON without recorded_at."""

    line: int | None
    body: dict[str, Any]
    digest: str
    clear: dict[str, Any] | None = None  # personal data as sent, in memory only (see SqlEventLog.legacy_match)


@dataclass
class AppendOutcome:
    accepted: list[RecordedEvent] = field(default_factory=list)
    duplicates: list[int | None] = field(default_factory=list)
    rejected: list[tuple[int | None, str]] = field(default_factory=list)


class EventLog(Protocol):
    def append(self, candidates: Sequence[Candidate], recorded_at: datetime) -> AppendOutcome: ...

    def read(
        self, after: int = 0, farm_id: str | None = None, known_at: datetime | None = None
    ) -> Iterator[RecordedEvent]: ...


def sort_out(
    candidates: Sequence[Candidate], known: dict[str, str]
) -> tuple[list[Candidate], AppendOutcome]:
    """Split candidates into new ones, duplicates (same id, same content) and conflicts (same id, other content).

    `known` maps already-recorded event ids to their digests; it is extended with the new ones so that a
    repeat inside the same batch counts as a duplicate too.
    """
    outcome = AppendOutcome()
    fresh: list[Candidate] = []
    for cand in candidates:
        event_id = cand.body["event_id"]
        seen = known.get(event_id)
        if seen is None:
            known[event_id] = cand.digest
            fresh.append(cand)
        elif seen == cand.digest:
            outcome.duplicates.append(cand.line)
        else:
            outcome.rejected.append(
                (cand.line, f"event_id: {event_id} was already recorded with different content")
            )
    return fresh, outcome
