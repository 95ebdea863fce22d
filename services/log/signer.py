"""The ledger's signing key for checkpoints: Ed25519, in a file of its own, never in the database.

`DIGNITY_SIGNING_KEY` names the file; by default it sits beside an SQLite event database
(`ledger.db` -> `ledger.signing-key.pem`), or is `dignity.signing-key.pem` in the working directory. It is
made on first use (mode 0600) with its public half beside it (`.pub`, raw hex) for whoever checks the
ledger without the secret. The `Signer` protocol is what a KMS-held key would implement.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.engine import URL, make_url

from services.settings import settings

SIGNING_KEY_ENV = "DIGNITY_SIGNING_KEY"
DEFAULT_KEY_FILE = "dignity.signing-key.pem"


class Signer(Protocol):
    def sign(self, data: bytes) -> bytes: ...

    def public_key(self) -> bytes: ...


def beside_database(event_url: URL | str, suffix: str, default: str) -> Path:
    """A file that belongs to an SQLite event database, next to it; in the working directory otherwise."""
    url = make_url(event_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database)
        return path.with_name(path.stem + suffix)
    return Path(default)


def signing_key_path(event_url: URL | str) -> Path:
    configured = settings().signing_key  # DIGNITY_SIGNING_KEY
    return Path(configured) if configured else beside_database(event_url, ".signing-key.pem", DEFAULT_KEY_FILE)


class FileSigner:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._key: Ed25519PrivateKey | None = None

    def _private(self, create: bool = True) -> Ed25519PrivateKey:
        if self._key is None:
            if self.path.exists():
                loaded = serialization.load_pem_private_key(self.path.read_bytes(), password=None)
                if not isinstance(loaded, Ed25519PrivateKey):
                    raise ValueError(f"{self.path} is not an Ed25519 private key")
                self._key = loaded
            elif create:
                self._key = self._generate()
            else:
                raise FileNotFoundError(f"no signing key at {self.path}")
        return self._key

    def _generate(self) -> Ed25519PrivateKey:
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.path.with_name(self.path.name + ".pub").write_text(public.hex() + "\n")
        return key

    def exists(self) -> bool:
        return self.path.exists()

    def sign(self, data: bytes) -> bytes:
        return self._private().sign(data)

    def public_key(self) -> bytes:
        return self._private().public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def signature_holds(public_key: bytes, data: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, data)
    except InvalidSignature:
        return False
    return True
