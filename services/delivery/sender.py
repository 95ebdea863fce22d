"""Sending one webhook request: POST the body, any 2xx is delivered, anything else is a failed try."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Sent:
    ok: bool
    detail: str


class Sender(Protocol):
    def __call__(self, url: str, body: bytes, headers: dict[str, str]) -> Sent: ...


class HttpSender:
    """The standard library's client: no redirects are followed for a POST, a timeout bounds each try."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout

    def __call__(self, url: str, body: bytes, headers: dict[str, str]) -> Sent:
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (http(s) only)
                return Sent(200 <= response.status < 300, f"HTTP {response.status}")
        except urllib.error.HTTPError as exc:
            return Sent(False, f"HTTP {exc.code}")
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            return Sent(False, f"{type(exc).__name__}: {reason}")
