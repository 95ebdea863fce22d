"""From input lines to appended events: validate, check the sender's rules, seal personal data, append.

A bad line is reported with its number and appends nothing; good lines around it go on. The same
event_id twice is stored once; with different content it is rejected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from events.catalogue import DERIVED_TYPES, REFERENCE_TYPES, Event
from events.codec import EventRejected, content_digest, decode_line, to_json, validate
from events.types import PROGRAM_KEY
from services.log.event_log import AppendOutcome, Candidate
from services.sealing.assigned import check_unassigned
from services.sealing.keystore import PersonErased
from services.sealing.vault import KeyVault

BATCH = 2000
PROGRESS_STEP = 250


@dataclass
class IngestReport:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def add(self, outcome: AppendOutcome) -> None:
        self.accepted += len(outcome.accepted)
        self.duplicates += len(outcome.duplicates)
        self.rejected.extend({"line": line, "error": error} for line, error in outcome.rejected)

    def as_json(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": sorted(self.rejected, key=lambda r: r["line"] or 0),
        }


def sender_rules(event: Event, line: int | None, enrolled: Callable[[str], bool]) -> None:
    """What a sender may not do, beyond the schema."""
    if event.recorded_at is not None:
        raise EventRejected(line, "recorded_at", "is set by the ledger; leave it out")
    if event.type in DERIVED_TYPES:
        raise EventRejected(line, "type", f"{event.type} is derived by the ledger and cannot be posted")
    check_unassigned(event, line, SEALED_FIELDS.get(event.type, ()))
    if event.type in REFERENCE_TYPES:
        if event.farm_id != PROGRAM_KEY:
            raise EventRejected(line, "farm_id", f"program reference data uses the key {PROGRAM_KEY!r}")
        return
    if event.farm_id == PROGRAM_KEY:
        raise EventRejected(line, "farm_id", f"{PROGRAM_KEY!r} is reserved for program reference data")
    if event.type != "FarmEnrolled" and not enrolled(event.farm_id):
        raise EventRejected(line, "farm_id", f"unknown farm {event.farm_id!r} (no FarmEnrolled recorded)")


# The fields that carry personal data, per type: sealed before anything is stored (a text is sealed as
# {"<field>": text}). Each is sealed deterministically for its event and field, so the digest over the sealed
# form recognises a resend.
SEALED_FIELDS: dict[str, tuple[str, ...]] = {"ComplaintReceived": ("complainant",), "RecruiterReviewed": ("comment",)}


def seal_personal_data(body: dict[str, Any], vault: KeyVault) -> dict[str, Any] | None:
    """Replace clear personal data by its sealed form, in place, before anything is stored; returns the
    clear data (kept in memory only, to recognise a resend of an event sealed by an older version)."""
    clear: dict[str, Any] = {}
    for name in SEALED_FIELDS.get(body["type"], ()):
        value = body["data"].get(name)
        person = {name: value} if isinstance(value, str) else value
        if isinstance(person, dict) and person and "sealed" not in person:
            try:
                body["data"][name] = vault.seal(person, f"{body['event_id']}/data.{name}")
            except PersonErased as exc:
                exc.field = name
                raise
            clear[name] = person
    return clear or None


def parse_jsonl(lines: Iterable[bytes | str]) -> Iterator[tuple[int, Event | EventRejected]]:
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            yield number, decode_line(text, number)
        except EventRejected as exc:
            yield number, exc


def parse_dicts(items: Iterable[tuple[int, dict[str, Any]]]) -> Iterator[tuple[int, Event | EventRejected]]:
    for number, raw in items:
        try:
            yield number, validate(raw, number)
        except EventRejected as exc:
            yield number, exc


class Ingestor:
    """Turns parsed lines into candidates, in batches, and hands each batch to `append`."""

    def __init__(
        self,
        append: Callable[[list[Candidate], datetime], AppendOutcome],
        enrolled_farms: set[str],
        vault: KeyVault,
        clock: Callable[[], datetime],
    ) -> None:
        self.append, self.enrolled, self.vault, self.clock = append, enrolled_farms, vault, clock

    def run(
        self, parsed: Iterable[tuple[int, Event | EventRejected]], progress: Callable[[int], None] | None = None
    ) -> IngestReport:
        report = IngestReport()
        batch: list[Candidate] = []
        pending_farms: set[str] = set()
        unreported = 0  # progress is told in steps: a call per line costs more than the line on big files
        for number, item in parsed:
            candidate = self._candidate(number, item, pending_farms, report)
            if candidate is not None:
                batch.append(candidate)
            if len(batch) >= BATCH:
                self._flush(batch, pending_farms, report)
            unreported += 1
            if progress and unreported >= PROGRESS_STEP:
                progress(unreported)
                unreported = 0
        self._flush(batch, pending_farms, report)
        if progress and unreported:
            progress(unreported)
        return report

    def _candidate(
        self, number: int, item: Event | EventRejected, pending: set[str], report: IngestReport
    ) -> Candidate | None:
        try:
            if isinstance(item, EventRejected):
                raise item
            sender_rules(item, number, lambda f: f in self.enrolled or f in pending)
        except EventRejected as exc:
            report.rejected.append({"line": number, "error": exc.reason})
            return None
        if item.type == "FarmEnrolled":
            pending.add(item.farm_id)
        body = to_json(item)
        del body["recorded_at"]  # always None here (sender_rules); the digest leaves it out anyway
        try:
            clear = seal_personal_data(body, self.vault)
        except PersonErased as exc:
            report.rejected.append({"line": number, "error": f"data.{exc.field or 'complainant'}: {exc}"})
            return None
        # Over the sealed form (nothing of a person in clear); sealing is deterministic, so a resend matches.
        return Candidate(number, body, content_digest(body), clear)

    def _flush(self, batch: list[Candidate], pending: set[str], report: IngestReport) -> None:
        if not batch:
            return
        outcome = self.append(batch, self.clock())
        self.enrolled.update(e.farm_id for e in outcome.accepted if e.type == "FarmEnrolled")
        pending.clear()
        report.add(outcome)
        batch.clear()
