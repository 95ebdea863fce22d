"""The real Kafka broker and PostgreSQL on 127.0.0.1 (`make test` starts them; `bash infra/services.sh up`).

Not reachable is a test failure, not a skip. Each test gets its own topics (a unique DIGNITY_TOPIC_PREFIX,
deleted afterwards) and its own PostgreSQL schema (dropped afterwards), so runs never see each other.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from kafka import KafkaAdminClient
from sqlalchemy import create_engine, text

from tests.integration.workers import Workers

KAFKA = os.environ.get("DIGNITY_KAFKA", "127.0.0.1:9092")
POSTGRES = os.environ.get("DIGNITY_TEST_PG", "postgresql+psycopg://dignity:dignity@127.0.0.1:5432/dignity_test")
HOW = "start them with `bash infra/services.sh up` (make test does)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.integration)


def _reachable(hostport: str) -> bool:
    host, _, port = hostport.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=3):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def kafka() -> str:
    first = KAFKA.split(",")[0]
    if not _reachable(first):
        pytest.fail(f"Kafka is not reachable at {KAFKA} (DIGNITY_KAFKA): {HOW}", pytrace=False)
    return KAFKA


@pytest.fixture(scope="session")
def postgres() -> str:
    engine = create_engine(POSTGRES)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES} (DIGNITY_TEST_PG): {exc!r}; {HOW}", pytrace=False)
    finally:
        engine.dispose()
    return POSTGRES


@pytest.fixture
def pg_url(postgres: str) -> Iterator[str]:
    """A fresh, empty schema; the URL puts it first on the search path (workers get the same URL)."""
    schema = f"it_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in postgres else "?"
    yield f"{postgres}{sep}options={quote(f'-csearch_path={schema}')}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def topic_prefix(kafka: str) -> Iterator[str]:
    """Topics (and the Faust consumer group) of this test only; deleted afterwards."""
    prefix = f"it-{uuid.uuid4().hex[:10]}."
    yield prefix
    admin = KafkaAdminClient(bootstrap_servers=kafka, client_id="dignity-tests")
    try:
        mine = [t for t in admin.list_topics() if t.startswith(prefix)]
        if mine:
            admin.delete_topics(mine, raise_errors=False)
    finally:
        admin.close()


@pytest.fixture
def workers(kafka: str, pg_url: str, topic_prefix: str, tmp_path: Path) -> Iterator[Workers]:
    """Faust worker processes for this test's topics and schema; all stopped at the end."""
    env = {"DIGNITY_KAFKA": kafka, "DIGNITY_DB": pg_url, "DIGNITY_TOPIC_PREFIX": topic_prefix,
           "DIGNITY_FAUST_DATA": str(tmp_path / "faust")}
    pool = Workers(env, tmp_path)
    yield pool
    pool.stop_all()
