"""Rows as plain dicts: SQLAlchemy names columns with a `str` subclass, which orjson refuses as a key."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def plain(rows: Iterable[Mapping[Any, Any]]) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in rows]
