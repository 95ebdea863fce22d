"""SPEC §6, "answers stream": a GET list is written item by item from the query's iterable (list or generator)
in pieces, sent as they are made (chunked, no Content-Length), and reads the same as the whole answer."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi import FastAPI

from services.api import responses
from services.api.app import create_app
from services.api.responses import json_array
from services.auth.tokens import TokenStore
from services.cli.common import parse_moment
from services.generate.program import generate
from services.ledger import queries
from services.ledger.embedded import EmbeddedLedger
from services.ledger.ingest import parse_jsonl


@functools.cache
def program() -> tuple[bytes, ...]:
    return tuple(orjson.dumps(e) for e in generate(farms=2, months=12, seed=11))


class Counted:
    """An iterable that says how many of its items were taken so far."""

    def __init__(self, items: Iterable[Any]) -> None:
        self.items, self.taken = list(items), 0

    def __iter__(self) -> Iterator[Any]:
        for item in self.items:
            self.taken += 1
            yield item


@pytest.mark.parametrize("items", [[], [1], [{"a": "1.00"}, [1, 2], "x", None], [{"n": n} for n in range(5_000)]])
def test_trust_a_streamed_array_reads_as_the_whole_answer(items: list[Any]) -> None:
    pieces = list(json_array(iter(items), piece=1024))
    assert b"".join(pieces) == orjson.dumps(items)
    assert all(len(p) < 1024 + 64 for p in pieces)  # a piece is sent once it passes the size, not later
    assert len(pieces) > 10 if len(items) > 1_000 else len(pieces) == 1


def test_trust_a_streamed_array_takes_items_only_as_pieces_are_sent() -> None:
    items = Counted({"n": n, "pad": "x" * 100} for n in range(10_000))
    stream = json_array(items, piece=4096)
    next(stream)
    assert 0 < items.taken < 100  # the first piece went out after a few dozen items, not all 10,000
    rest = b"".join(stream)
    assert items.taken == 10_000 and rest.endswith(b"]")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> tuple[FastAPI, str, str]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('stream')) / 'ledger.db'}"
    ledger = EmbeddedLedger(url)
    assert not ledger.ingest(parse_jsonl(program())).rejected
    token = TokenStore(ledger.engine).issue("mdsc", "auditor-1").secret
    farm = sorted(queries.farm_ids(ledger.engine))[0]
    return create_app(url, deliver=False), token, farm


def get(app: FastAPI, token: str, path: str, query: str = "") -> tuple[int, dict[bytes, bytes], list[bytes]]:
    """Drive the app as a server would, keeping each body message as it was sent."""
    sent: list[dict[str, Any]] = []
    asked: list[bool] = []

    async def receive() -> dict[str, Any]:
        if asked:  # the client stays connected: asked again (for a disconnect), it waits until the answer ends
            await asyncio.sleep(30)
            return {"type": "http.disconnect"}
        asked.append(True)
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
             "headers": [(b"host", b"testserver"), (b"authorization", f"Bearer {token}".encode())],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    asyncio.run(app(scope, receive, send))
    start = sent[0]
    return start["status"], dict(start["headers"]), [m["body"] for m in sent[1:] if m.get("body")]


def test_trust_a_farms_history_streams_in_pieces_taken_lazily(served: tuple[FastAPI, str, str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    app, token, farm = served
    now = datetime.now().astimezone()
    whole = queries.farm_history(app.state.engine, farm, now, now)
    page = queries.farm_history_page(app.state.engine, farm, now, now, None, 1000)
    assert 200 < len(whole) <= 1000 and page.next_after is None  # one page of the largest size is all of it
    counted = Counted(page.rows)
    taken_at_first_piece: list[int] = []
    real = responses.json_array

    def watched(items: Iterable[Any], piece: int | None = None) -> Iterator[bytes]:
        for chunk in real(items, 8192):
            taken_at_first_piece.append(counted.taken)
            yield chunk

    monkeypatch.setattr(responses, "json_array", watched)
    monkeypatch.setattr(queries, "farm_history_page", lambda *_: queries.HistoryPage(counted, None))  # type: ignore[arg-type]
    status, headers, bodies = get(app, token, f"/farms/{farm}/history", "limit=1000")
    assert status == 200 and b"content-length" not in headers  # chunked
    assert len(bodies) > 5 and 0 < taken_at_first_piece[0] < len(whole) // 5
    assert orjson.loads(b"".join(bodies)) == orjson.loads(orjson.dumps(whole))


def test_trust_program_wide_deadlines_stream_and_equal_the_query(served: tuple[FastAPI, str, str]) -> None:
    app, token, _ = served
    as_of = "2026-06-30"
    status, headers, bodies = get(app, token, "/deadlines", f"as_of={as_of}")
    expected = queries.deadlines(app.state.engine, None, parse_moment(as_of), [])
    assert status == 200 and b"content-length" not in headers and len(expected) > 50
    assert orjson.loads(b"".join(bodies)) == orjson.loads(orjson.dumps(expected, default=str))


def test_trust_a_lazy_query_with_errors_still_names_them_in_the_header(served: tuple[FastAPI, str, str],
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The stored answers come farm by farm, and what cannot be answered is learnt on the way: the answer is
    spooled first, so `X-Not-Evaluated` is sent, and then it streams."""
    app, token, farm = served

    def lazy(engine: Any, kind: str, farm_id: str | None, as_of: datetime, errors: list[str]) -> Iterator[bytes]:
        for n in range(0, 3_000, 100):
            yield orjson.dumps([{"rule": "PT-8", "farm_id": farm, "n": k} for k in range(n, n + 100)])
        errors.append("farm-x: cannot answer (KeyError)")

    monkeypatch.setattr(queries, "answer_bodies", lazy)
    status, headers, bodies = get(app, token, "/findings")
    assert status == 200 and orjson.loads(headers[b"x-not-evaluated"]) == ["farm-x: cannot answer (KeyError)"]
    assert [r["n"] for r in orjson.loads(b"".join(bodies))] == list(range(3_000)) and len(bodies) > 1


@pytest.mark.parametrize("arrays", [[], [b"[]"], [b"[1,2]", b"[]", b" [3] ", b"[]"], [b"[]", b"[{\"a\":[1]}]"]])
def test_trust_farm_arrays_join_into_one_array(arrays: list[bytes]) -> None:
    joined = b"".join(responses.json_arrays(arrays))
    assert orjson.loads(joined) == [x for a in arrays for x in orjson.loads(a)]
