"""Every `DIGNITY_*` setting in one object, read from the environment by pydantic-settings.

`settings()` parses the environment once and hands out the same object while the `DIGNITY_*` variables
stay as they are; a changed environment (a test's monkeypatch, `dignity worker` exporting its options
before Faust takes the process) is parsed once more. A value of the wrong kind (`DIGNITY_BATCH=many`) stops
the process with the variable named, instead of surfacing as a trace deep inside a worker.

This module imports nothing of the project, so every layer may read it. The README lists each variable.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PREFIX = "DIGNITY_"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore", frozen=True)

    db: str | None = Field(None, description="Database URL; unset: sqlite:///dignity.db")
    kafka: str | None = Field(None, description="Kafka bootstrap servers; with a PostgreSQL db: distributed mode")
    topic_prefix: str = Field("", description="Prefix of every topic and of the workers' consumer group")
    batch: int = Field(500, ge=1, description="Worker: events applied per database transaction, at most")
    sweep_seconds: float = Field(60.0, gt=0, description="Worker: seconds between timer sweeps")
    tick: bool = Field(True, description="Worker: write time-brought standing changes (0: only sweep)")
    session_timeout: float = Field(10.0, gt=0, description="Worker: Kafka session timeout, seconds")
    commit_interval: float = Field(2.8, gt=0, description="Worker: seconds between commits of the applied offsets "
                                   "to Kafka (the database decides where a worker resumes)")
    faust_data: Path = Field(Path(tempfile.gettempdir()) / "dignity-faust", description="Worker: Faust's data dir")
    ingest_worker: bool = Field(True, description="`dignity ingest`: read a big file on a second core (0: in one "
                                "process)")
    max_body: int = Field(10 * 1024 * 1024, gt=0, description="API: largest request body, bytes (413 above)")
    webhook_allow: str = Field("", description="Webhook hosts (host or host:port) allowed besides public https")
    tick_seconds: str | None = Field(None, description="Embedded `dignity serve`: seconds between ticks (0: off); "
                                     "not a number: a warning and the default (services/ledger/ticker.py)")
    signing_key: str | None = Field(None, description="The checkpoint signing key (a PEM file path)")
    checkpoint_file: str | None = Field(None, description="Where the signed checkpoint's copy is written")
    keys: str | None = Field(None, description="The key store of personal-data keys (a URL or an SQLite path)")
    log_json: bool = Field(False, description="Logs as one JSON object a line (services, API, worker)")
    log_level: str = Field("INFO", description="Log level of the dignity loggers")


_cache: tuple[tuple[tuple[str, str], ...], Settings] | None = None


def _environment() -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.upper().startswith(PREFIX)))


def settings() -> Settings:
    """The settings of the current environment (parsed once per distinct `DIGNITY_*` environment)."""
    global _cache
    env = _environment()
    if _cache is None or _cache[0] != env:
        _cache = (env, Settings())
    return _cache[1]
