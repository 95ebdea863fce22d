"""bench/served.py: the API as a user gets it, served by uvicorn in a process of its own, always stopped."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from bench.served import served
from services.auth.tokens import TokenStore
from services.store.database import connect


def test_the_bench_serves_the_real_app_over_tcp_and_stops_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    token = TokenStore(connect(url)).issue("mdsc", "bench").secret
    with served(url) as base, httpx.Client(base_url=base) as client:
        assert client.get("/health").status_code == 401  # the app itself: no route answers without a token
        answer = client.get("/health", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200 and answer.json() == {"status": "ok"}
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{base}/health", timeout=2.0)


def test_a_server_that_cannot_start_is_an_error_not_a_wait(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="exited"), served(f"nosuchdialect:///{tmp_path / 'x.db'}"):
        pass
