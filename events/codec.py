"""Wire format: orjson bytes in and out, with errors that name the line, the field and what was wrong."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

import orjson
from pydantic import ValidationError

from events.catalogue import EVENT_ADAPTER, Event
from events.types import FIRST_DAY, LAST_DAY, PERIOD_PATTERN
from events.upcasting import upcast


class EventRejected(ValueError):
    """An input line that cannot become an event. Nothing of it is appended."""

    def __init__(self, line: int | None, field: str | None, problem: str) -> None:
        self.line, self.field, self.problem = line, field, problem
        where = f"line {line}: " if line is not None else ""
        what = f"{field}: " if field else ""
        self.reason = f"{what}{problem}"
        super().__init__(f"{where}{self.reason}")


def _field_path(loc: tuple[int | str, ...]) -> str:
    # Discriminated unions put the type tag first (('PremiumRemitted', 'data', 'amount')): drop it.
    parts = [str(p) for p in loc]
    if parts and parts[0][:1].isupper():
        parts = parts[1:]
    return ".".join(parts)


_MESSAGES = {
    "dict_type": "must be a JSON object", "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object", "list_type": "must be a JSON array",
    "int_type": "must be a JSON integer", "int_from_float": "must be a JSON integer",
    "bool_type": "must be true or false", "string_type": "must be a JSON string",
    "extra_forbidden": "is not a field of this event type", "missing": "missing",
    "timezone_aware": "must carry a time zone offset (ISO 8601 with offset)",
    "uuid_parsing": "must be a UUID", "uuid_type": "must be a UUID",
}


_CALENDAR = {form(b) for b in (FIRST_DAY, LAST_DAY) for form in (str, repr)}
"""The calendar's bounds as pydantic-core writes them into an error's context."""


def _message(err: Any) -> str:
    """The problem in the input's terms, not the parser's."""
    bound = (err.get("ctx") or {}).get("ge", (err.get("ctx") or {}).get("le"))
    if err["type"] in ("greater_than_equal", "less_than_equal") and (isinstance(bound, date)
                                                                      or str(bound) in _CALENDAR):
        return f"must lie between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}"
    if err["type"] == "string_pattern_mismatch" and (err.get("ctx") or {}).get("pattern") == PERIOD_PATTERN:
        return "must be a month written YYYY-MM, from 1990-01 to 2100-12"
    if err["type"] in _MESSAGES:
        return _MESSAGES[err["type"]]
    return str(err["msg"]).removeprefix("Value error, ").replace("Input should be", "must be")


def _first_error(exc: ValidationError) -> tuple[str, str]:
    err = exc.errors(include_url=False)[0]
    if err["type"] == "union_tag_invalid":
        return "type", f"unknown event type {err.get('input', {}).get('type')!r}"
    if err["type"] == "union_tag_not_found":
        return "type", "missing"
    return _field_path(err["loc"]), _message(err)


class RepeatedKeys(dict):  # type: ignore[type-arg]
    """An object (or one holding an object) in which some key was written twice: rejected, never read."""


def _shape(raw: Any, line: int | None) -> dict[str, Any]:
    """What the upcasters and the union's dispatch assume; anything else is rejected before they run."""
    if not isinstance(raw, dict):
        raise EventRejected(line, None, "each line must be a JSON object")
    if isinstance(raw, RepeatedKeys):
        raise EventRejected(line, None, "a key is written twice in one object")
    kind = raw.get("type")
    if not isinstance(kind, str):
        raise EventRejected(line, "type", "missing" if kind is None else "must be a string naming an event type")
    if type(raw.get("schema_version", 1)) is not int:  # not bool, not float, not "2"
        raise EventRejected(line, "schema_version", "must be a JSON integer")
    if not isinstance(raw.get("data", {}), dict):
        raise EventRejected(line, "data", "must be a JSON object")
    return raw


def validate(raw: Any, line: int | None = None) -> Event:
    """Upcast and validate one decoded event; raise EventRejected naming line and field."""
    try:
        return EVENT_ADAPTER.validate_python(upcast(_shape(raw, line)))
    except ValidationError as exc:
        field, problem = _first_error(exc)
        raise EventRejected(line, field, problem) from None


def _key_twice(data: bytes, raw: Any) -> bool:
    """Was a key written twice in one object? orjson keeps the last one silently. Outside strings a colon
    only ever follows a key, and orjson writes ':' inside strings as it is, so re-encoding the decoded
    document loses exactly one colon (at least) per dropped key. A colon written as an escape (\\u003a) is
    not counted in the input, so such rare lines are checked exactly, pair by pair."""
    if b"\\u" in data:
        try:
            json.loads(data, object_pairs_hook=_unique)
        except _KeyTwice:
            return True
        return False
    return data.count(b":") > orjson.dumps(raw).count(b":")


class _KeyTwice(ValueError):
    pass


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise _KeyTwice
    return found


def key_written_twice(data: bytes, raw: Any) -> bool:
    """Did `data`, which orjson decoded to `raw`, write some key twice in one object? The check every door
    uses (lines, documents, topic records)."""
    return _key_twice(data, raw)


def decode_line(text: bytes | str, line: int | None = None) -> Event:
    """Parse and validate one JSON line. A key written twice is an error (a JSON parser keeps the last one
    silently: `farm_id` twice would post the event to the second farm)."""
    data = text.encode() if isinstance(text, str) else text
    try:
        raw = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raw = _lenient(data)  # 1e400 or NaN: JSON that orjson refuses, read so the field can be named
        if raw is None:
            raise EventRejected(line, None, f"not valid JSON ({exc})") from None
        return validate(raw, line)
    if _key_twice(data, raw):
        raise EventRejected(line, None, "a key is written twice in one object")
    return validate(raw, line)


def decode_document(data: bytes) -> Any:
    """A whole JSON document (an array of events, or one object). Each event in which a key is written
    twice comes back as `RepeatedKeys`, which `validate` rejects; the others are read as usual."""
    try:
        whole = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise EventRejected(None, None, f"not valid JSON ({exc})") from None
    if not _key_twice(data, whole):
        return whole
    whole = json.loads(data, object_pairs_hook=_flagging)
    items = whole if isinstance(whole, list) else [whole]
    marked = [RepeatedKeys(item) if _holds_repeat(item) else item for item in items]
    return marked if isinstance(whole, list) else marked[0]


def _flagging(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    return RepeatedKeys(found) if len(found) != len(pairs) else found


def _holds_repeat(value: Any) -> bool:
    if isinstance(value, RepeatedKeys):
        return True
    if isinstance(value, dict):
        return any(_holds_repeat(v) for v in value.values())
    return isinstance(value, list) and any(_holds_repeat(v) for v in value)


def _lenient(data: bytes) -> Any:
    """The Python parser's reading (numbers beyond a double, NaN), keys written twice flagged; None if it
    cannot read the text either."""
    try:
        raw = json.loads(data, object_pairs_hook=_flagging)
    except (ValueError, RecursionError):
        return None
    return RepeatedKeys(raw) if _holds_repeat(raw) else raw


def to_json(event: Event) -> dict[str, Any]:
    """The canonical JSON form: decimals as strings, dates ISO, ids as strings."""
    return event.model_dump(mode="json")


def encode(body: dict[str, Any]) -> bytes:
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def content_digest(body: dict[str, Any]) -> str:
    """What makes two sends of one event_id 'the same': everything but the ledger's own recorded_at."""
    content = {k: v for k, v in body.items() if k != "recorded_at"} if "recorded_at" in body else body
    return digest_of(encode(content))


def digest_of(encoded: bytes) -> str:
    """`content_digest` of a body already encoded (`encode`) without its recorded_at."""
    return hashlib.sha256(encoded).hexdigest()
