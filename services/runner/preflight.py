"""Fail fast: a worker whose consumer group the broker will not let it join must exit, not idle.

The broker refuses a session timeout outside its `group.min/max.session.timeout.ms`; Faust then logs one
error and waits for ever, alive and consuming nothing. Joining a throwaway group with the same timeout
first (kafka-python raises `InvalidSessionTimeoutError` at once) turns that into a clear message and a
non-zero exit.
"""

from __future__ import annotations

import time
import uuid

from kafka import KafkaConsumer
from kafka.errors import InvalidSessionTimeoutError, KafkaError

EXIT_CODE = 78
"""EX_CONFIG: the worker's configuration is what is wrong."""


class CannotJoin(RuntimeError):
    """The worker could not join its consumer group; the message says why and what to change."""


def check_session_timeout(bootstrap: str, topic: str, seconds: float, timeout: float = 10.0) -> None:
    """Raise CannotJoin if the broker refuses a group member with this session timeout."""
    heartbeat = max(100, min(3000, int(seconds * 1000 / 4)))
    try:
        consumer = KafkaConsumer(
            bootstrap_servers=bootstrap, group_id=f"dignity-preflight-{uuid.uuid4()}", client_id="dignity-preflight",
            enable_auto_commit=False, session_timeout_ms=int(seconds * 1000), heartbeat_interval_ms=heartbeat,
            request_timeout_ms=max(30_500, int(seconds * 1000) + 500),
        )
    except (KafkaError, ValueError) as exc:
        raise CannotJoin(f"cannot reach the broker at {bootstrap} ({type(exc).__name__}: {exc})") from exc
    try:
        consumer.subscribe([topic])
        deadline = time.monotonic() + timeout
        while not consumer.assignment() and time.monotonic() < deadline:  # joined once partitions come
            consumer.poll(timeout_ms=250, max_records=1, update_offsets=False)
    except InvalidSessionTimeoutError as exc:
        raise CannotJoin(
            f"the broker at {bootstrap} refuses a session timeout of {seconds:g} s (outside its "
            "group.min.session.timeout.ms .. group.max.session.timeout.ms, by default 6 s .. 30 min): set "
            "DIGNITY_SESSION_TIMEOUT within them") from exc
    finally:
        consumer.close()
