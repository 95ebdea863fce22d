"""Wire format: orjson bytes in and out, with errors that name the line, the field and what was wrong."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from pydantic import ValidationError

from events.catalogue import EVENT_ADAPTER, Event
from events.upcasting import CURRENT_VERSION, upcast


class EventRejected(ValueError):
    """An input line that cannot become an event. Nothing of it is appended."""

    def __init__(self, line: int | None, field: str | None, problem: str) -> None:
        self.line, self.field, self.problem = line, field, problem
        where = f"line {line}: " if line is not None else ""
        what = f"{field}: " if field else ""
        self.reason = f"{what}{problem}"
        super().__init__(f"{where}{self.reason}")


def _upcast_type_names() -> list[bytes]:
    """`"Type"` as it appears in a JSON line, for every type some upcaster rewrites."""
    return [f'"{name}"'.encode() for name in CURRENT_VERSION]


def _field_path(loc: tuple[int | str, ...]) -> str:
    # Discriminated unions put the type tag first (('PremiumRemitted', 'data', 'amount')): drop it.
    parts = [str(p) for p in loc]
    if parts and parts[0][:1].isupper():
        parts = parts[1:]
    return ".".join(parts)


def _first_error(exc: ValidationError) -> tuple[str, str]:
    err = exc.errors(include_url=False)[0]
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "union_tag_invalid":
        return "type", f"unknown event type {err.get('input', {}).get('type')!r}"
    if err["type"] == "union_tag_not_found":
        return "type", "missing"
    return _field_path(err["loc"]), msg


def validate(raw: dict[str, Any], line: int | None = None) -> Event:
    """Upcast and validate one decoded event; raise EventRejected naming line and field."""
    if not isinstance(raw, dict):
        raise EventRejected(line, None, "each line must be a JSON object")
    try:
        return EVENT_ADAPTER.validate_python(upcast(raw))
    except ValidationError as exc:
        field, problem = _first_error(exc)
        raise EventRejected(line, field, problem) from None


def decode_line(text: bytes | str, line: int | None = None) -> Event:
    """Parse and validate one JSON line. Lines no upcaster could apply to are validated straight from the
    JSON text (faster); any failure goes the long way round, so every error reads the same."""
    data = text.encode() if isinstance(text, str) else text
    if not any(name in data for name in _upcast_type_names()):
        try:
            return EVENT_ADAPTER.validate_json(data)
        except ValidationError:
            pass
    try:
        raw = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise EventRejected(line, None, f"not valid JSON ({exc})") from None
    return validate(raw, line)


def to_json(event: Event) -> dict[str, Any]:
    """The canonical JSON form: decimals as strings, dates ISO, ids as strings."""
    return event.model_dump(mode="json")


def encode(body: dict[str, Any]) -> bytes:
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def content_digest(body: dict[str, Any]) -> str:
    """What makes two sends of one event_id 'the same': everything but the ledger's own recorded_at."""
    content = {k: v for k, v in body.items() if k != "recorded_at"} if "recorded_at" in body else body
    return hashlib.sha256(encode(content)).hexdigest()
