"""The server secret behind the ids the ledger derives, kept outside the event database.

An id the ledger derives (a CSV row's, a token sender's own event ids) is an HMAC of the sender and the
name under this secret, so nobody without the secret can compute another sender's future ids from public
data (a payor and a check number, a farm and a pay period). The secret is a file: `DIGNITY_ID_SECRET_FILE`,
else beside an SQLite database file (`<db>.id-secret`), else `~/.config/dignity/id-secret`; it is made (256
random bits, mode 0600) on first use. Every process that ingests into one ledger must read the same file.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import tempfile
import threading
import uuid
from pathlib import Path

from sqlalchemy import Engine

from services.settings import settings

ENV = "DIGNITY_ID_SECRET_FILE"
_cache: dict[Path, bytes] = {}
_lock = threading.Lock()


def secret_path(engine: Engine | None) -> Path:
    configured = settings().id_secret_file  # DIGNITY_ID_SECRET_FILE
    if configured:
        return Path(configured).expanduser()
    database = engine.url.database if engine is not None and engine.dialect.name == "sqlite" else None
    if database and database != ":memory:":
        return Path(database).with_name(Path(database).name + ".id-secret")
    return Path("~/.config/dignity/id-secret").expanduser()


def id_secret(engine: Engine | None) -> bytes:
    """The secret for this ledger, made on first use (atomically: two processes racing agree on one)."""
    path = secret_path(engine)
    with _lock:
        if path not in _cache:
            _cache[path] = _read_or_make(path)
        return _cache[path]


def _read_or_make(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".id-secret-")
        try:
            os.write(fd, secrets.token_hex(32).encode())
            os.close(fd)
            os.chmod(temporary, 0o600)
            with contextlib.suppress(FileExistsError):  # another process made it first: theirs is the one
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    text = path.read_text().strip()
    if len(text) < 32:
        raise ValueError(f"the id secret {path} is too short (want at least 32 characters)")
    return text.encode()


def ledger_id(secret: bytes, sender: str, name: str) -> str:
    """A UUID (version 8: custom) keyed by the secret, scoped to the sender: HMAC-SHA256(sender, name)."""
    mac = bytearray(hmac.new(secret, f"{sender}\x1f{name}".encode(), hashlib.sha256).digest()[:16])
    mac[6] = (mac[6] & 0x0F) | 0x80
    mac[8] = (mac[8] & 0x3F) | 0x80
    return str(uuid.UUID(bytes=bytes(mac)))
