"""A posted body is parsed while it is read (services/api/body.py): the same results as reading it whole, for
every way of cutting it into chunks; lines parsed before the last chunk arrives; over the limit, 413 and
nothing appended."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi import FastAPI

from events.catalogue import Event
from events.codec import EventRejected, to_json
from services.api import body as body_module
from services.api.app import create_app
from services.api.body import BodyParser, read_whole
from services.auth.tokens import TokenStore
from services.generate.program import generate
from services.ledger.embedded import EmbeddedLedger
from services.store.schema import events


@functools.cache
def program() -> tuple[bytes, ...]:
    return tuple(orjson.dumps(e) for e in generate(farms=1, months=3, seed=21))


def outcome(parsed: Iterator[tuple[int, Event | EventRejected]]) -> list[tuple[int, Any]]:
    return [(n, str(item) if isinstance(item, EventRejected) else to_json(item)) for n, item in parsed]


def bodies() -> dict[str, bytes]:
    good = list(program()[:40])
    return {
        "lines with bad ones and blanks": b"\n".join(good[:10] + [b"{not json", b"", b"[1]", b'{"type": 3}']
                                                     + good[10:20] + [b"   "] + good[20:]) + b"\n",
        "no final newline": b"\n".join(good),
        "crlf": b"\r\n".join(good) + b"\r\n",
        "blank lines first": b"\n\n" + b"\n".join(good),
        "a key twice": good[0] + b"\n" + good[1].replace(b"{", b'{"farm_id":"x",', 1) + b"\n",
        "array": orjson.dumps([orjson.loads(g) for g in good]),
        "pretty object": orjson.dumps(orjson.loads(good[0]), option=orjson.OPT_INDENT_2),
        "one line, no newline": good[0],
        "bad first line": b"x\n" + b"\n".join(good),
        "empty": b"",
    }


@pytest.mark.parametrize("name", list(bodies()))
@pytest.mark.parametrize("size", [1, 7, 100, 4096, 10**9])
def test_trust_a_body_parsed_in_chunks_reads_as_the_whole_body(name: str, size: int) -> None:
    raw = bodies()[name]
    parser = BodyParser()
    for i in range(0, len(raw), size):
        parser.feed(raw[i : i + size])
    assert outcome(parser.results()) == outcome(read_whole(raw))


def test_trust_lines_are_parsed_before_the_body_ends() -> None:
    parser = BodyParser()
    lines = program()[:30]
    for line in lines[:-1]:
        parser.feed(line + b"\n")
    parsed_so_far = len(parser._events)  # noqa: SLF001 (what the parser holds while the body is still coming)
    parser.feed(lines[-1])
    assert parsed_so_far == len(lines) - 1
    assert len(outcome(parser.results())) == len(lines)


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[FastAPI, str, EmbeddedLedger]:
    monkeypatch.setenv("DIGNITY_MAX_BODY", "20000")
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    ledger = EmbeddedLedger(url)
    token = TokenStore(ledger.engine).issue("mdsc", "auditor-1").secret
    return create_app(url, deliver=False), token, ledger


def post_in_chunks(app: FastAPI, token: str, chunks: list[bytes], on_ask: Any = None) -> tuple[int, bytes]:
    """POST /events with a chunked body (no Content-Length), the chunks handed over one by one."""
    sent: list[dict[str, Any]] = []
    pending = list(chunks)

    async def receive() -> dict[str, Any]:
        if not pending:
            await asyncio.sleep(30)
            return {"type": "http.disconnect"}
        if on_ask is not None:
            on_ask(len(pending))
        chunk = pending.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/events", "raw_path": b"/events", "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver"), (b"authorization", f"Bearer {token}".encode()),
                         (b"transfer-encoding", b"chunked"), (b"content-type", b"application/x-ndjson")],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def stored(ledger: EmbeddedLedger) -> int:
    with ledger.engine.connect() as conn:
        return len(conn.execute(events.select()).all())


def test_trust_post_parses_lines_while_the_body_arrives(served: tuple[FastAPI, str, EmbeddedLedger],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    app, token, ledger = served
    lines = [line + b"\n" for line in program()[:12]]
    parsed: list[int] = []
    real = body_module.parse_jsonl

    def counting(chunk: Any, start: int = 1) -> Iterator[Any]:
        for item in real(chunk, start):
            parsed.append(item[0])
            yield item

    monkeypatch.setattr(body_module, "parse_jsonl", counting)
    when_last_asked: list[int] = []
    status, answer = post_in_chunks(app, token, lines,
                                    lambda left: when_last_asked.append(len(parsed)) if left == 1 else None)
    assert status == 200 and orjson.loads(answer)["accepted"] == 12 == stored(ledger)
    assert when_last_asked == [11]  # eleven lines parsed before the twelfth arrived


def test_trust_a_body_over_the_limit_appends_nothing_even_after_good_lines(
        served: tuple[FastAPI, str, EmbeddedLedger]) -> None:
    app, token, ledger = served
    lines = [line + b"\n" for line in program()]
    assert sum(map(len, lines)) > 20_000
    status, answer = post_in_chunks(app, token, lines)
    assert status == 413 and b"20000 bytes" in answer
    assert stored(ledger) == 0
    under = lines[:5]
    status, answer = post_in_chunks(app, token, under)
    assert status == 200 and orjson.loads(answer)["accepted"] == 5 == stored(ledger)
