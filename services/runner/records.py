"""A topic record is untrusted input: anyone who can produce to `dignity.events` can write anything there.

`check_record` turns a record's bytes into the event the projections read, or raises `RecordRejected` with
the reason (kept in `failures`): not JSON, a key written twice (the doors' own check), a type the catalogue
does not know, data that does not match the type's schema (a `PremiumRemitted` without `payor_id`), ledger
fields missing or wrong. Whether the farm is enrolled depends on the read models, so the projector checks that
(`needs_enrolment`).

A record whose content (all but `recorded_at`) is exactly what a door of this ledger accepted under its
event_id (`accepted`: the event index's digests, which the ingest writes once the broker has the records)
was validated against the catalogue there, and is not validated again; every other check still runs. A
record with that id and any other content is validated in full, as is one read before its index row commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import orjson

from events.catalogue import REFERENCE_TYPES
from events.codec import EventRejected, content_digest, key_written_twice, validate
from events.recorded import RecordedEvent
from events.types import PROGRAM_KEY


class RecordRejected(ValueError):
    """A record the worker will not apply; the message is the reason kept with it."""


def check_record(value: bytes, key: bytes | None = None, accepted: Mapping[str, str] | None = None
                 ) -> RecordedEvent:
    """The record as an event, validated against the catalogue like a line at the door (unless its content
    is what a door accepted: `accepted`, event_id -> content digest)."""
    try:
        raw = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise RecordRejected(f"not JSON ({exc})") from None
    return check_decoded(value, raw, key, accepted)


def check_decoded(value: bytes, raw: object, key: bytes | None = None, accepted: Mapping[str, str] | None = None
                  ) -> RecordedEvent:
    """`check_record` of a record already decoded (`raw`, what orjson read from `value`)."""
    if not isinstance(raw, dict):
        raise RecordRejected("not a JSON object")
    if key_written_twice(value, raw):
        raise RecordRejected("a key is written twice in one object (which one counts is the reader's guess)")
    if b"\\u0000" in value:
        raise RecordRejected("holds a NUL character (\\u0000), which no field may hold")
    if not _as_accepted(raw, accepted):
        try:
            validate({k: v for k, v in raw.items() if k != "recorded_at"})
        except EventRejected as exc:
            raise RecordRejected(exc.reason) from None
    stamp = raw.get("recorded_at")
    if not isinstance(stamp, str):
        raise RecordRejected("recorded_at: missing (every record on the log carries the ledger's time)")
    try:
        recorded_at = datetime.fromisoformat(stamp)
    except ValueError:
        raise RecordRejected(f"recorded_at: {stamp[:40]!r} is not an ISO 8601 time") from None
    if recorded_at.utcoffset() is None:
        raise RecordRejected("recorded_at: must carry a time zone offset")
    if key is not None and key != str(raw["farm_id"]).encode():
        raise RecordRejected(f"keyed {key[:60]!r} but its farm_id is {raw['farm_id']!r}")
    return RecordedEvent.from_wire(raw)


def accepted_id(raw: object) -> str | None:
    """The event_id under which a decoded record could have been accepted (one to look up in the index)."""
    if isinstance(raw, dict):
        event_id = raw.get("event_id")
        if isinstance(event_id, str):
            return event_id
    return None


def _as_accepted(raw: dict[str, object], accepted: Mapping[str, str] | None) -> bool:
    """Is the record's content exactly what a door accepted under its event_id?"""
    if not accepted:
        return False
    event_id = accepted_id(raw)
    digest = accepted.get(event_id) if event_id is not None else None
    return digest is not None and content_digest(raw) == digest


def needs_enrolment(event: RecordedEvent) -> bool:
    """Every farm fact but the enrolment itself needs the farm enrolled first (SPEC §2)."""
    return event.type not in REFERENCE_TYPES and event.type != "FarmEnrolled" and event.farm_id != PROGRAM_KEY

