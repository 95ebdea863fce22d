"""What a request costs beyond its answer (docs/decisions.md, "The API's own cost per request"): one hop to the
thread pool per answer, a gathered answer sent as it was gathered, and a server whose startup is frozen out of
the garbage collector. The trust checks stay on every request: a token per request, roles, limits."""

from __future__ import annotations

import asyncio
import functools
import gc
from pathlib import Path
from typing import Any

import anyio.to_thread
import orjson
import pytest
from fastapi.testclient import TestClient

from services.api import responses
from services.api.app import create_app
from services.auth.tokens import TokenStore
from services.generate.program import generate
from services.ledger import queries
from services.ledger.embedded import EmbeddedLedger
from services.ledger.ingest import parse_jsonl


@functools.cache
def program() -> tuple[bytes, ...]:
    return tuple(orjson.dumps(e) for e in generate(farms=2, months=8, seed=5))


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('cost')) / 'ledger.db'}"
    ledger = EmbeddedLedger(url)
    assert not ledger.ingest(parse_jsonl(program())).rejected
    farms = sorted(queries.farm_ids(ledger.engine))
    store = TokenStore(ledger.engine)
    tokens = {"mdsc": store.issue("mdsc", "auditor-1").secret, "farm": store.issue("farm", farms[0]).secret}
    client = TestClient(create_app(url, deliver=False, tick_seconds=0))
    return {"client": client, "farms": farms, "tokens": tokens, "store": store}


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of each function sent to the thread pool while the test runs."""
    sent: list[str] = []
    real = anyio.to_thread.run_sync

    async def counted(func: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(getattr(func, "__name__", repr(func)))
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    return sent


@pytest.mark.parametrize("path", [
    "/health", "/farms/{f}/standing?as_of=2025-08-31", "/farms/{f}/passthrough?period=2025-06&as_of=2025-08-31",
    "/deadlines?farm={f}&as_of=2025-08-31", "/findings?farm={f}&as_of=2025-08-31",
])
def test_a_per_farm_answer_takes_one_hop_to_the_thread_pool(api: dict[str, Any], hops: list[str],
                                                             path: str) -> None:
    """The answer's own work runs in the pool; the token lookup, the farm's scope, `as_of` and the engine do not
    each take a hop of their own, nor does sending a gathered answer (two more: a piece, then the end)."""
    mdsc = {"Authorization": f"Bearer {api['tokens']['mdsc']}"}
    answer = api["client"].get(path.format(f=api["farms"][0]), headers=mdsc)
    assert answer.status_code == 200, answer.text
    assert len(hops) == 1, hops


@pytest.mark.parametrize("path", ["/farms/{f}/standing", "/deadlines?farm={f}"])
def test_the_trust_checks_still_run_on_every_request(api: dict[str, Any], path: str) -> None:
    client, store = api["client"], api["store"]
    other, own = api["farms"][1], api["farms"][0]
    farm = {"Authorization": f"Bearer {api['tokens']['farm']}"}
    assert client.get(path.format(f=own), headers=farm).status_code == 200
    assert client.get(path.format(f=other), headers=farm).status_code == 403  # the role decides
    assert client.get(path.format(f=own)).status_code == 401
    issued = store.issue("mdsc", "leaving")
    bearer = {"Authorization": f"Bearer {issued.secret}"}
    assert client.get(path.format(f=own), headers=bearer).status_code == 200
    assert store.revoke(issued.token_id)
    assert client.get(path.format(f=own), headers=bearer).status_code == 401  # the next request, not later


@pytest.mark.parametrize("spool", [1 << 20, 1000])
def test_a_gathered_answer_reads_the_same_from_memory_or_a_file(monkeypatch: pytest.MonkeyPatch, spool: int) -> None:
    """Up to `SPOOL` bytes the pieces are sent from memory by an async iterator (no hop); past it they go to a
    temporary file, read back in the thread pool (`_in_pool`). Either way the headers are known once every piece
    was made."""
    monkeypatch.setattr(responses, "SPOOL", spool)
    made: list[int] = []

    def pieces() -> Any:
        for n in range(40):
            made.append(n)
            yield orjson.dumps({"n": n, "pad": "x" * 100})

    answer = responses.streamed_then(pieces(), lambda: {"X-Made": str(len(made))})
    assert answer.headers["X-Made"] == "40"
    sent_by = answer.body_iterator.__name__  # type: ignore[attr-defined]
    assert sent_by == ("_sent" if spool > 40 * 120 else "_in_pool")

    async def read() -> bytes:
        return b"".join([piece async for piece in answer.body_iterator])  # type: ignore[misc]

    assert asyncio.run(read()) == b"".join(orjson.dumps({"n": n, "pad": "x" * 100}) for n in range(40))


def test_a_streamed_answer_takes_a_hop_per_hop_of_bytes_not_per_piece_nor_for_its_end(hops: list[str]) -> None:
    piece = b"x" * 10_000
    made: list[int] = []

    def pieces() -> Any:
        for n in range(40):  # 400 kB: two hops of `HOP` (256 kB) where Starlette's own iteration takes 41
            made.append(n)
            yield piece

    answer = responses.streamed(pieces())

    async def read() -> list[bytes]:
        return [p async for p in answer.body_iterator]  # type: ignore[misc]

    assert asyncio.run(read()) == [piece] * 40  # still sent piece by piece
    assert len(hops) == -(-40 * len(piece) // responses.HOP) == 2, hops


def test_a_streamed_answer_left_early_closes_what_made_it() -> None:
    closed: list[bool] = []

    def pieces() -> Any:
        try:
            while True:
                yield b"x" * 100_000
        finally:
            closed.append(True)  # e.g. a spool's file

    async def leave_early() -> None:
        stream = responses.streamed(pieces()).body_iterator
        await stream.__anext__()  # type: ignore[attr-defined]
        await stream.aclose()  # type: ignore[attr-defined]

    asyncio.run(leave_early())
    assert closed == [True]


def test_serving_freezes_the_startup_out_of_the_collector_and_json_logs_leave_uvicorns_access_line_out(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from services.cli.commands import serve

    seen: dict[str, Any] = {}

    def run(self: uvicorn.Server, sockets: Any = None) -> None:
        seen["frozen"], seen["access_log"] = gc.get_freeze_count(), self.config.access_log
        self.started = True

    monkeypatch.setattr(uvicorn.Server, "run", run)
    try:
        monkeypatch.setenv("DIGNITY_LOG_JSON", "1")
        serve.run(object(), host="127.0.0.1", port=0)
        assert seen["frozen"] > 10_000 and seen["access_log"] is False
        monkeypatch.delenv("DIGNITY_LOG_JSON")
        serve.run(object(), host="127.0.0.1", port=0)
        assert seen["access_log"] is True  # at a terminal, uvicorn's line stays
    finally:
        gc.unfreeze()
