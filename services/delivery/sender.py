"""Sending one webhook request: POST the body, any 2xx is delivered, anything else is a failed try.

The URL is checked again at each try (services/delivery/urls.py) and the connection is made to the
addresses that check approved, never to a second lookup of the name. A redirect is not followed: a 3xx
is a failed try like any other status that is not 2xx.
"""

from __future__ import annotations

import http.client
import socket
from dataclasses import dataclass
from typing import Protocol

from services.delivery.urls import RefusedUrl, check_url, parts

ANSWER_LIMIT = 64 * 1024
"""Bytes of a receiver's answer read at most: the status is all that counts."""


@dataclass(frozen=True, slots=True)
class Sent:
    ok: bool
    detail: str


class Sender(Protocol):
    def __call__(self, url: str, body: bytes, headers: dict[str, str]) -> Sent: ...


def _connect_to(addresses: list[str], port: int) -> object:
    """A replacement for http.client's `_create_connection`: connect to an approved address only."""

    def create(_address: tuple[str, int], timeout: float | None = None, source_address: object = None) -> socket.socket:
        error: OSError | None = None
        for address in addresses:
            try:
                return socket.create_connection((address, port), timeout)
            except OSError as exc:
                error = exc
        raise error or OSError("no address to connect to")

    return create


class HttpSender:
    """The standard library's http.client: no redirects, no proxies, a timeout bounds each try."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout

    def __call__(self, url: str, body: bytes, headers: dict[str, str]) -> Sent:
        try:
            split, host, port = parts(url)
            addresses = check_url(url)
        except RefusedUrl as exc:
            return Sent(False, f"refused: {exc}")
        kind = http.client.HTTPSConnection if split.scheme == "https" else http.client.HTTPConnection
        conn = kind(host, port, timeout=self.timeout)  # TLS checks the certificate against the host name
        conn._create_connection = _connect_to(addresses, port)  # type: ignore[attr-defined]
        target = (split.path or "/") + (f"?{split.query}" if split.query else "")
        try:
            conn.request("POST", target, body=body, headers=headers)
            response = conn.getresponse()
            response.read(ANSWER_LIMIT)
            return Sent(200 <= response.status < 300, f"HTTP {response.status}")
        except (OSError, http.client.HTTPException, ValueError) as exc:
            return Sent(False, f"{type(exc).__name__}: {exc}")
        finally:
            conn.close()
