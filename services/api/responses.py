"""JSON out with orjson, the codec the ledger uses everywhere (decimals are already strings).

Answers stream (SPEC §6): a list is written item by item from whatever iterable the query gives (a list, a
generator), in pieces of about `PIECE` bytes, so an answer is never held whole as bytes. `streamed` is the one
streaming response: GET lists through `streamed_array`, POST answers from their spool (routers/ingest.py).
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import orjson
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

PIECE = 64 * 1024
"""Bytes gathered before a piece is sent."""
HOP = 4 * PIECE
"""Bytes of pieces made in one hop to the thread pool before they are sent."""
SPOOL = 1024 * 1024
"""Bytes of a gathered answer kept in memory before it goes to a temporary file."""


def dumps(content: Any) -> bytes:
    # OPT_NON_STR_KEYS: rows read from SQL have str-subclass keys (SQLAlchemy's column names)
    return orjson.dumps(content, default=str, option=orjson.OPT_NON_STR_KEYS)


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)


def json_array(items: Iterable[Any], piece: int | None = None) -> Iterator[bytes]:
    """`[item,item,...]` as pieces, each item taken from `items` only when the piece before has gone."""
    piece = piece or PIECE
    buffer, first = bytearray(b"["), True
    for item in items:
        if not first:
            buffer += b","
        first = False
        buffer += dumps(item)
        if len(buffer) >= piece:
            yield bytes(buffer)
            buffer.clear()
    buffer += b"]"
    yield bytes(buffer)


def json_arrays(arrays: Iterable[bytes], piece: int | None = None) -> Iterator[bytes]:
    """JSON arrays already encoded (one per farm, as stored answers are) joined into one array, in pieces,
    never decoded: `[1,2]`, `[]`, `[3]` give `[1,2,3]`."""
    piece = piece or PIECE
    buffer, first = bytearray(b"["), True
    for array in arrays:
        inner = array.strip()[1:-1].strip()
        if not inner:
            continue
        if not first:
            buffer += b","
        first = False
        buffer += inner
        if len(buffer) >= piece:
            yield bytes(buffer)
            buffer.clear()
    buffer += b"]"
    yield bytes(buffer)


def streamed(chunks: Iterable[bytes] | AsyncIterable[bytes], headers: Mapping[str, str] | None = None,
             status_code: int = 200) -> StreamingResponse:
    """A JSON answer sent as its pieces are made (chunked: no Content-Length)."""
    pieces = chunks if isinstance(chunks, AsyncIterable) else _in_pool(chunks)
    return StreamingResponse(pieces, status_code=status_code, headers=headers, media_type="application/json")


async def _in_pool(chunks: Iterable[bytes]) -> AsyncIterator[bytes]:
    """The pieces of a sync iterable (a query, a file), made in the thread pool about `HOP` bytes at a time and
    sent one by one: a page of history is one hop, its end found in the same hop, where Starlette's own
    iteration takes a hop per piece and one more to learn there is none."""
    iterator = iter(chunks)
    done = False

    def some() -> list[bytes]:
        nonlocal done
        made: list[bytes] = []
        size = 0
        while size < HOP:
            piece = next(iterator, None)
            if piece is None:
                done = True
                break
            made.append(piece)
            size += len(piece)
        return made

    try:
        while not done:
            for piece in await run_in_threadpool(some):
                yield piece
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:  # a generator's own `finally` (a spool closed) runs if the client goes early
            close()


def streamed_array(items: Iterable[Any], headers: Mapping[str, str] | None = None) -> StreamingResponse:
    return streamed(json_array(items), headers)


def streamed_array_then(items: Iterable[Any], headers_of: Callable[[], Mapping[str, str] | None]
                        ) -> StreamingResponse:
    """A list whose headers depend on what making it found (`X-Not-Evaluated`). A list (made already) streams
    at once; a lazy iterable is written to a spool first (memory up to `SPOOL`, then a temporary file), so
    the headers are known before the first byte, and then streams from there."""
    if isinstance(items, Sequence):
        return streamed_array(items, headers_of())
    return streamed_then(json_array(items), headers_of)


def streamed_then(chunks: Iterable[bytes], headers_of: Callable[[], Mapping[str, str] | None]
                  ) -> StreamingResponse:
    """Pieces gathered first (in memory up to `SPOOL` bytes, then in a temporary file), then streamed with the
    headers known once they were all made. Pieces held in memory are sent from an async iterator, on the event
    loop: a sync iterator would cost a hop to the thread pool per piece, and one more to find the end."""
    held: list[bytes] = []
    size, spool = 0, None
    try:
        for piece in chunks:
            if spool is None and size + len(piece) <= SPOOL:
                held.append(piece)
                size += len(piece)
                continue
            if spool is None:
                spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed by _drain)
                spool.writelines(held)
                held = []
            spool.write(piece)
    except BaseException:
        if spool is not None:
            spool.close()
        raise
    return streamed(_drain(spool) if spool is not None else _sent(held), headers_of())


async def _sent(pieces: list[bytes]) -> AsyncIterator[bytes]:
    for piece in pieces:
        yield piece


def _drain(spool: Any) -> Iterator[bytes]:
    try:
        spool.seek(0)
        while chunk := spool.read(PIECE):
            yield chunk
    finally:
        spool.close()
