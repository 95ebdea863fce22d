"""A posted body of events, parsed while it is read (SPEC §6: bounded requests).

JSON Lines are decoded a line at a time as chunks arrive (`parse_jsonl`, the CLI's reading), so the parse
overlaps the upload and the raw body is never held whole. Nothing is appended until the body has ended
within `DIGNITY_MAX_BODY` (services/api/limits.py raises 413 from the read), so a refused body appends
nothing. What the lines became is kept until then: the events in memory, the rejections in a spool (memory
up to `SPOOL`, then a temporary file), so a flood of tiny bad lines costs disk, not memory.

A body that is one JSON document (an array, a pretty-printed object) cannot be read a line at a time: it is
kept whole and read at the end (`read_whole`), as is a body whose first line is not a whole JSON object.
"""

from __future__ import annotations

import io
import tempfile
from collections import deque
from collections.abc import Iterator
from typing import IO

import orjson

from events.catalogue import Event
from events.codec import EventRejected, decode_document
from services.ledger.ingest import parse_dicts, parse_jsonl

Parsed = Iterator[tuple[int, Event | EventRejected]]
SPOOL = 1024 * 1024


def read_whole(raw: bytes) -> Parsed:
    """JSON Lines (read a line at a time); a JSON array, or one (even pretty-printed) object, is numbered
    from 1 in the same way."""
    try:
        whole = decode_document(raw)
    except EventRejected:
        return parse_jsonl(io.BytesIO(raw))
    items = whole if isinstance(whole, list) else [whole]
    return parse_dicts(enumerate(items, start=1))


class BodyParser:
    """Feed it the body's chunks in order (`feed`), then read the lines' results (`results`)."""

    def __init__(self) -> None:
        self._tail = bytearray()
        self._whole: bytearray | None = None  # a document, read at the end
        self._lines_mode = False
        self._read = 0  # lines read so far, blank ones included (they keep their numbers)
        self._events: deque[tuple[int, Event]] = deque()
        self._rejected: IO[bytes] = tempfile.SpooledTemporaryFile(SPOOL)  # noqa: SIM115 (closed by results)

    def feed(self, chunk: bytes) -> None:
        if self._whole is not None:
            self._whole += chunk
            return
        self._tail += chunk
        if not self._lines_mode and not self._decide():
            return
        cut = self._tail.rfind(b"\n")
        if cut >= 0:
            complete = bytes(self._tail[: cut + 1])
            del self._tail[: cut + 1]
            self._parse(list(io.BytesIO(complete)))  # split as a file is: at b"\n" only

    def _decide(self) -> bool:
        """Lines or a document, from the first line that is not blank: a whole JSON object there means lines."""
        start = self._tail.lstrip()
        if not start:
            return False
        if start[:1] != b"{":
            self._whole, self._tail = self._tail, bytearray()
            return False
        blank = len(self._tail) - len(start)
        end = self._tail.find(b"\n", blank)
        if end < 0:
            return False  # the first line is not complete yet
        try:
            first = orjson.loads(self._tail[blank:end])
        except orjson.JSONDecodeError:
            first = None
        if not isinstance(first, dict):
            self._whole, self._tail = self._tail, bytearray()
            return False
        self._lines_mode = True
        return True

    def _parse(self, lines: list[bytes]) -> None:
        for number, item in parse_jsonl(lines, start=self._read + 1):
            if isinstance(item, EventRejected):
                self._rejected.write(orjson.dumps([number, item.field, item.problem]) + b"\n")
            else:
                self._events.append((number, item))
        self._read += len(lines)

    def results(self) -> Parsed:
        """What each line became, in line order (the events handed on as they are taken)."""
        if not self._lines_mode:
            whole = bytes(self._whole if self._whole is not None else self._tail)
            self._whole = self._tail = None  # type: ignore[assignment]
            self._rejected.close()
            yield from read_whole(whole)
            return
        if self._tail.strip():
            self._parse([bytes(self._tail)])
        self._tail.clear()
        try:
            self._rejected.seek(0)
            for spooled in self._rejected:
                number, field, problem = orjson.loads(spooled)
                while self._events and self._events[0][0] < number:
                    yield self._events.popleft()
                yield number, EventRejected(number, field, problem)
            while self._events:
                yield self._events.popleft()
        finally:
            self._rejected.close()
            self._events.clear()
