"""From input lines to appended events: validate, check the sender's rules, seal personal data, append.

A bad line is reported with its number and appends nothing; good lines around it go on. The same
event_id twice is stored once; with different content it is rejected. Whatever a line makes raise rejects
that line only, and the report always comes back: SPEC §6 (`Ingestor`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kafka.errors import KafkaError
from sqlalchemy.exc import InterfaceError, OperationalError

from events.catalogue import Event
from events.codec import EventRejected, content_digest, digest_of
from services.ledger.prepare import (  # noqa: F401  (the doors' imports)
    SEALED_FIELDS,
    Prepared,
    enrolment_rule,
    failure,
    parse_dicts,
    parse_jsonl,
    prepared_or_rejected,
    sender_rules,
)
from services.log.event_log import AppendOutcome, Candidate
from services.sealing.keystore import PersonErased
from services.sealing.vault import KeyVault

BATCH = 10_000
"""Lines appended (and folded) in one transaction. Each batch rewrites the B-tree pages its event ids land on,
which are random (UUIDs): on an old log that is nearly every page of the unique index, so fewer, larger
batches write less per event (measured in docs/decisions.md)."""
PROGRESS_STEP = 250


@dataclass
class IngestReport:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    stopped: str | None = None
    """Why the ingest stopped before the end, if it did (then nothing after that point was appended)."""
    unsigned: str | None = None
    """Why the checkpoint after the ingest was not signed, if it was not (what was appended stays stored)."""

    def add(self, outcome: AppendOutcome) -> None:
        self.accepted += len(outcome.accepted)
        self.duplicates += len(outcome.duplicates)
        self.rejected.extend({"line": line, "error": error} for line, error in outcome.rejected)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": sorted(self.rejected, key=lambda r: r["line"] or 0),
        }
        if self.stopped is not None:
            out["stopped"] = self.stopped
        if self.unsigned is not None:
            out["unsigned"] = self.unsigned
        return out


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


def _ready(number: int, item: Event | EventRejected | Prepared) -> Prepared | EventRejected:
    return item if isinstance(item, Prepared) else prepared_or_rejected(number, item)


class IngestStopped(Exception):
    """The ingest cannot go on (the database or the broker is unreachable): nothing of the batch in hand
    was appended, and the report says so."""


INFRASTRUCTURE: tuple[type[BaseException], ...] = (OperationalError, InterfaceError, KafkaError, TimeoutError,
                                                   ConnectionError)
"""Failures of the store or the broker, not of a line: retrying line by line would not help."""


class Ingestor:
    """Turns parsed lines into candidates, in batches, and hands each batch to `append`.

    Every line ends up accepted, duplicate or rejected in the report, which is always returned: a line that
    makes anything raise is rejected by number; a batch whose append raises is split until the line that
    fails is found (the others are appended, in order); if the store itself fails, the batch in hand is
    reported as not appended and so is every line after it.
    """

    def __init__(
        self,
        append: Callable[[list[Candidate], datetime], AppendOutcome],
        enrolled_farms: set[str],
        vault: KeyVault,
        clock: Callable[[], datetime],
        refresh: Callable[[], set[str]] | None = None,
    ) -> None:
        self.append, self.enrolled, self.vault, self.clock = append, enrolled_farms, vault, clock
        self.refresh = refresh
        """Reads the enrolled farms again: another ingest may have enrolled a farm since this one began."""
        self._refreshed = False

    def run(
        self, parsed: Iterable[tuple[int, Event | EventRejected | Prepared]],
        progress: Callable[[int], None] | None = None
    ) -> IngestReport:
        report = IngestReport()
        batch: list[Candidate] = []
        pending_farms: set[str] = set()
        unreported = 0  # progress is told in steps: a call per line costs more than the line on big files
        items = iter(parsed)
        broken: str | None = None
        ended = False
        while not ended and broken is None:
            chunk: list[tuple[int, Event | EventRejected | Prepared]] = []  # read ahead: keys made at once
            while len(chunk) < BATCH:
                try:
                    got = next(items, None)
                except Exception as exc:  # the reader itself broke (not one line): the ingest stops there
                    broken = f"the input could not be read further ({failure(exc)})"
                    break
                if got is None:
                    ended = True
                    break
                chunk.append(got)
            if report.stopped is None:
                chunk = [(number, _ready(number, item)) for number, item in chunk]
                self.vault.prepare([c for _, item in chunk if isinstance(item, Prepared) for c in item.contexts])
            for number, item in chunk:
                if report.stopped is not None:
                    report.rejected.append({"line": number, "error": f"not recorded: {report.stopped}"})
                    continue
                candidate = self._candidate(number, item, pending_farms, report)
                if candidate is not None:
                    batch.append(candidate)
                if len(batch) >= BATCH:
                    self._flush(batch, pending_farms, report)
                unreported += 1
                if progress and unreported >= PROGRESS_STEP:
                    progress(unreported)
                    unreported = 0
        if broken is not None and report.stopped is None:
            self._stop(batch, report, broken)
        if report.stopped is None:
            self._flush(batch, pending_farms, report)
        if progress and unreported:
            progress(unreported)
        return report

    def _is_enrolled(self, farm: str, pending: set[str]) -> bool:
        if farm in self.enrolled or farm in pending:
            return True
        if self.refresh is not None and not self._refreshed:  # once per batch at most
            self._refreshed = True
            self.enrolled |= self.refresh()
        return farm in self.enrolled

    def _candidate(
        self, number: int, item: Event | EventRejected | Prepared, pending: set[str], report: IngestReport
    ) -> Candidate | None:
        ready = _ready(number, item)
        try:
            if isinstance(ready, EventRejected):
                raise ready
            enrolment_rule(ready.type, ready.farm_id, number, lambda f: self._is_enrolled(f, pending))
            if ready.holds_nul:
                raise EventRejected(number, None, "holds a NUL character (\\u0000), which no field may hold")
            body = ready.decoded()
            try:
                clear = seal_personal_data(body, self.vault)
            except PersonErased as exc:
                raise EventRejected(number, f"data.{exc.field or 'complainant'}", str(exc)) from None
            except Exception as exc:
                fields = ", ".join(f"data.{name}" for name in SEALED_FIELDS.get(ready.type, ())) or "data"
                raise EventRejected(number, fields, f"cannot be sealed ({failure(exc)})") from None
            # Over the sealed form (nothing of a person in clear); sealing is deterministic, so a resend matches.
            digest = content_digest(body) if clear else digest_of(ready.encoded)  # sealing changed it
        except EventRejected as exc:
            report.rejected.append({"line": number, "error": exc.reason})
            return None
        except Exception as exc:  # SPEC §6: an exception inside ingest rejects the line, never the ingest
            report.rejected.append({"line": number, "error": f"cannot be recorded ({failure(exc)})"})
            return None
        if ready.type == "FarmEnrolled":
            pending.add(ready.farm_id)
        return Candidate(number, body, digest, clear)

    def _flush(self, batch: list[Candidate], pending: set[str], report: IngestReport) -> None:
        if not batch:
            return
        try:
            self._append_isolating(list(batch), report, set())
        except IngestStopped as exc:
            self._stop(batch, report, str(exc))
        pending.clear()
        self._refreshed = False
        batch.clear()

    def _append_isolating(self, batch: list[Candidate], report: IngestReport, lost_farms: set[str]) -> None:
        """Append the batch in one go; if that raises, append its halves (in order) until the failing line is
        found and rejected. A farm whose enrolment failed so takes its later lines of the batch with it."""
        batch = self._without_lost_farms(batch, report, lost_farms)
        if not batch:
            return
        try:
            outcome = self.append(batch, self.clock())
        except INFRASTRUCTURE as exc:
            raise IngestStopped(f"the ledger's store failed ({failure(exc)})") from exc
        except Exception as exc:
            if len(batch) == 1:
                report.rejected.append({"line": batch[0].line, "error": f"cannot be recorded ({failure(exc)})"})
                if batch[0].body["type"] == "FarmEnrolled":
                    lost_farms.add(batch[0].body["farm_id"])
                return
            half = len(batch) // 2
            self._append_isolating(batch[:half], report, lost_farms)
            self._append_isolating(batch[half:], report, lost_farms)
            return
        self._enrolled_by(batch, outcome)
        report.add(outcome)

    def _without_lost_farms(self, batch: list[Candidate], report: IngestReport,
                            lost_farms: set[str]) -> list[Candidate]:
        if not lost_farms:
            return batch
        kept = []
        for cand in batch:
            farm = cand.body["farm_id"]
            if farm in lost_farms and farm not in self.enrolled:
                report.rejected.append({"line": cand.line, "error": f"farm_id: unknown farm {farm!r} (its "
                                                                     "FarmEnrolled was not recorded)"})
            else:
                kept.append(cand)
        return kept

    def _enrolled_by(self, batch: list[Candidate], outcome: AppendOutcome) -> None:
        """Farms enrolled by this batch: accepted, or already on record (a duplicate: another ingest of the
        same file got there first, which enrols the farm just the same)."""
        self.enrolled.update(e.farm_id for e in outcome.accepted if e.type == "FarmEnrolled")
        duplicates = set(outcome.duplicates)
        self.enrolled.update(c.body["farm_id"] for c in batch
                             if c.body["type"] == "FarmEnrolled" and c.line in duplicates)

    def _stop(self, batch: list[Candidate], report: IngestReport, reason: str) -> None:
        report.stopped = f"{reason}; send the input again (what was recorded counts as duplicates)"
        report.rejected.extend({"line": c.line, "error": f"not recorded: {report.stopped}"} for c in batch)
        batch.clear()
