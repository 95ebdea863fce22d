"""The half of a line's way in that needs no ledger: decode, validate, the sender's static rules, the
canonical form (`prepare`). Pure, so a worker process can run it on a big file's lines while the ledger
appends (services/ledger/parallel.py); services/ledger/ingest.py does the rest (enrolment, sealing, append).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel

from events.catalogue import DERIVED_TYPES, REFERENCE_TYPES, Event
from events.catalogue.complaints import SealedPerson
from events.codec import EventRejected, decode_line, encode, to_json, validate
from events.types import PROGRAM_KEY
from services.sealing.assigned import check_unassigned

T = TypeVar("T")


def sender_rules(event: Event, line: int | None, enrolled: Callable[[str], bool]) -> None:
    """What a sender may not do, beyond the schema."""
    static_rules(event, line)
    enrolment_rule(event.type, event.farm_id, line, enrolled)


def static_rules(event: Event, line: int | None) -> None:
    """`sender_rules` but the one that reads the ledger (`enrolment_rule`): what a worker process can check."""
    if event.recorded_at is not None:
        raise EventRejected(line, "recorded_at", "is set by the ledger; leave it out")
    if event.causation_id is not None:
        raise EventRejected(line, "causation_id", "is set by the ledger for the events it derives; leave it out")
    # A model without the field would answer getattr through pydantic's slow missing-attribute path.
    if _has_complainant(type(event.data)) and isinstance(event.data.complainant, SealedPerson):
        raise EventRejected(line, "data.complainant", "is sealed by the ledger; post the person in clear")
    if event.type in DERIVED_TYPES:
        raise EventRejected(line, "type", f"{event.type} is derived by the ledger and cannot be posted")
    check_unassigned(event, line, SEALED_FIELDS.get(event.type, ()))
    if event.type in REFERENCE_TYPES:
        if event.farm_id != PROGRAM_KEY:
            raise EventRejected(line, "farm_id", f"program reference data uses the key {PROGRAM_KEY!r}")
        return
    if event.farm_id == PROGRAM_KEY:
        raise EventRejected(line, "farm_id", f"{PROGRAM_KEY!r} is reserved for program reference data")


def enrolment_rule(event_type: str, farm_id: str, line: int | None, enrolled: Callable[[str], bool]) -> None:
    if event_type in REFERENCE_TYPES or event_type == "FarmEnrolled":
        return
    if not enrolled(farm_id):
        raise EventRejected(line, "farm_id", f"unknown farm {farm_id!r} (no FarmEnrolled recorded)")


@cache
def _has_complainant(model: type[BaseModel]) -> bool:
    """Asked once per model: `model_fields` costs more than the rest of the sender's rules together."""
    return "complainant" in model.model_fields


# The fields that carry personal data, per type: sealed before anything is stored (a text is sealed as
# {"<field>": text}). Each is sealed deterministically for its event and field, so the digest over the sealed
# form recognises a resend.
SEALED_FIELDS: dict[str, tuple[str, ...]] = {"ComplaintReceived": ("complainant",), "RecruiterReviewed": ("comment",)}


def _sealing_contexts(item: Event) -> tuple[str, ...]:
    """Where a valid event carries personal data in clear: the contexts its people's ids are made from."""
    return tuple(f"{item.event_id}/data.{name}" for name in SEALED_FIELDS.get(item.type, ())
                 if getattr(item.data, name, None) not in (None, "") and not isinstance(getattr(item.data, name),
                                                                                         SealedPerson))


@dataclass(frozen=True, slots=True)
class Prepared:
    """A line read, validated and put in its canonical form: all of `Ingestor`'s work on it but what reads
    the ledger (`enrolment_rule`) or its key store (sealing). Made here or in a worker process
    (services/ledger/parallel.py); either way the same function made it (`prepare`)."""

    type: str
    farm_id: str
    encoded: bytes
    """`encode` of the canonical body, without recorded_at."""
    contexts: tuple[str, ...]
    """Where personal data in clear is to be sealed (`KeyVault.prepare`): empty for most events."""
    holds_nul: bool = False
    """It holds a NUL character: rejected once the enrolment is checked (the order the checks were always in)."""
    body: dict[str, Any] | None = None
    """The canonical body itself, when prepared in this process (a worker sends `encoded` only)."""

    def decoded(self) -> dict[str, Any]:
        return self.body if self.body is not None else orjson.loads(self.encoded)  # type: ignore[no-any-return]


def prepare(item: Event, number: int) -> Prepared:
    """The ledger-free half of a line's way in: the sender's static rules and the canonical form. Raises
    EventRejected."""
    static_rules(item, number)
    body = to_json(item)
    del body["recorded_at"]  # always None here (static_rules); the digest leaves it out anyway
    encoded = encode(body)
    return Prepared(item.type, item.farm_id, encoded, _sealing_contexts(item), b"\\u0000" in encoded, body)


def prepared_or_rejected(number: int, item: Event | EventRejected) -> Prepared | EventRejected:
    """`prepare`, with whatever it raises as the line's rejection (SPEC §6: never the ingest's)."""
    return item if isinstance(item, EventRejected) else _guarded(prepare, item, number, "recorded")


def failure(exc: BaseException) -> str:
    """An unexpected exception as a one-line reason (its class and message, not a traceback)."""
    text = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def parse_jsonl(lines: Iterable[bytes | str], start: int = 1) -> Iterator[tuple[int, Event | EventRejected]]:
    """Each line decoded, numbered from `start` (a body read in pieces goes on where the last piece ended)."""
    for number, text in enumerate(lines, start=start):
        if not text.strip():
            continue
        yield number, _guarded(decode_line, text, number)


def parse_dicts(items: Iterable[tuple[int, dict[str, Any]]]) -> Iterator[tuple[int, Event | EventRejected]]:
    for number, raw in items:
        yield number, _guarded(validate, raw, number)


def _guarded(step: Callable[[Any, int], T], value: Any, number: int, what: str = "read") -> T | EventRejected:
    """SPEC §6: whatever a line makes a step raise rejects that line ("cannot be read/recorded (...)"); it
    never stops the ingest."""
    try:
        return step(value, number)
    except EventRejected as exc:
        return exc
    except Exception as exc:
        return EventRejected(number, None, f"cannot be {what} ({failure(exc)})")


