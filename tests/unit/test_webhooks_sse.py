"""Server-sent events for dashboards (issue 5): a real server on 127.0.0.1; each token's stream carries what
it may see (standing changes of its farms; a buyer's own notifications), live and resumable."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import uvicorn

from services.api.app import create_app
from services.auth.tokens import TokenStore
from services.ledger import queries
from services.ledger.embedded import EmbeddedLedger
from tests.unit.test_su_common import Farm
from tests.unit.test_webhooks import program


class Server:
    def __init__(self, url: str) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        app = create_app(url)
        app.state.sse_poll, app.state.sse_heartbeat = 0.05, 0.5
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        started = time.monotonic()
        while not self.server.started:
            assert time.monotonic() - started < 20
            time.sleep(0.05)
        self.base = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[dict[str, Any]]:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    ledger = EmbeddedLedger(url)
    program(ledger)
    store = TokenStore(ledger.engine)
    tokens = {"mdsc": store.issue("mdsc", "a").secret, "farm-1": store.issue("farm", "farm-1").secret,
              "buyer-2": store.issue("buyer", "buyer-2").secret}
    server = Server(url)
    yield {"base": server.base, "tokens": tokens, "ledger": ledger}
    server.stop()
    ledger.engine.dispose()


def read_events(base: str, token: str, count: int, params: dict[str, str] | None = None,
                headers: dict[str, str] | None = None, during: Any = None) -> list[dict[str, Any]]:
    """The first `count` messages of the stream (bounded in time); `during()` runs once it is open."""
    out: list[dict[str, Any]] = []
    with httpx.stream("GET", f"{base}/stream", params=params, timeout=httpx.Timeout(15.0),
                      headers={"Authorization": f"Bearer {token}", **(headers or {})}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        message: dict[str, Any] = {}
        started = time.monotonic()
        for line in response.iter_lines():
            assert time.monotonic() - started < 15, "stream too slow"
            if line.startswith("retry:") and during is not None:
                during()
            if line.startswith("id: "):
                message["id"] = int(line[4:])
            elif line.startswith("event: "):
                message["event"] = line[7:]
            elif line.startswith("data: "):
                message["data"] = orjson.loads(line[6:])
            elif line == "" and "data" in message:
                out.append(message)
                message = {}
                if len(out) == count:
                    break
    return out


def test_sse_each_token_streams_what_it_may_see(served: dict[str, Any]) -> None:
    time.sleep(1.5)  # the app's delivery loop fills the feed
    buyer = read_events(served["base"], served["tokens"]["buyer-2"], 4, {"after": "0"})
    assert {m["event"] for m in buyer} == {"BuyerNotified"}
    assert [m["data"]["notification_id"] for m in buyer] == [
        n["notification_id"] for n in queries.notifications(served["ledger"].engine, "buyer-2")]
    farm = read_events(served["base"], served["tokens"]["farm-1"], 4, {"after": "0"})
    assert {(m["event"], m["data"]["farm_id"]) for m in farm} == {("StandingChanged", "farm-1")}
    assert [m["data"]["standing"] for m in farm] == ["suspended", "good_standing", "suspended", "good_standing"]
    everything = read_events(served["base"], served["tokens"]["mdsc"], 8 + 12, {"after": "0"})
    assert len(everything) == 20 and [m["id"] for m in everything] == sorted(m["id"] for m in everything)
    resumed = read_events(served["base"], served["tokens"]["farm-1"], 3,
                          headers={"Last-Event-ID": str(farm[0]["id"])})
    assert [m["id"] for m in resumed] == [m["id"] for m in farm[1:]]


def test_sse_is_live(served: dict[str, Any]) -> None:
    time.sleep(1.5)

    def withdraw() -> None:
        farm = Farm.__new__(Farm)  # farm-1 is enrolled already: post through the same helper
        farm.ledger, farm.id = served["ledger"], "farm-1"
        farm.post("FarmWithdrawn", "2025-06-02", {"on": "2025-06-02"})

    live = read_events(served["base"], served["tokens"]["farm-1"], 1, during=withdraw)
    assert live[0]["event"] == "StandingChanged" and live[0]["data"]["standing"] == "withdrawn"
