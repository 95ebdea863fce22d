"""One settings object (services/settings.py): defaults as before, the environment parsed once per change,
a wrong value refused with the variable named."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.settings import Settings, settings
from services.store.database import DEFAULT_DB, database_url


def test_defaults_are_the_ones_the_modules_used(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DIGNITY_DB", "DIGNITY_KAFKA", "DIGNITY_BATCH", "DIGNITY_TICK", "DIGNITY_TOPIC_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    s = settings()
    assert (s.db, s.kafka, s.topic_prefix, s.batch, s.sweep_seconds, s.tick) == (None, None, "", 500, 60.0, True)
    assert (s.session_timeout, s.commit_interval, s.log_json) == (10.0, 2.8, False)
    assert database_url() == DEFAULT_DB


def test_settings_are_read_once_and_again_when_the_environment_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGNITY_DB", "sqlite:///one.db")
    first = settings()
    assert settings() is first  # not parsed again
    assert database_url() == "sqlite:///one.db"
    monkeypatch.setenv("DIGNITY_DB", "sqlite:///two.db")
    monkeypatch.setenv("DIGNITY_TICK", "0")
    assert settings() is not first and database_url() == "sqlite:///two.db" and settings().tick is False
    assert database_url("sqlite:///given.db") == "sqlite:///given.db"  # --db wins over the environment


def test_a_wrong_value_is_refused_with_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGNITY_BATCH", "many")
    with pytest.raises(ValidationError, match="batch"):
        Settings()
    monkeypatch.setenv("DIGNITY_BATCH", "0")
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        Settings()
