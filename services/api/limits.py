"""Bounded requests (SPEC §6): a body over the limit is refused with 413 before it is read whole.

A `Content-Length` over the limit is answered at once, unread. A body without one (chunked) is counted as it
arrives and refused at the first byte over. The limit is `DIGNITY_MAX_BODY` bytes (default 10 MiB).
"""

from __future__ import annotations

import orjson
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.settings import settings

ENV = "DIGNITY_MAX_BODY"
DEFAULT = 10 * 1024 * 1024  # the settings default (services/settings.py)


def max_body() -> int:
    return settings().max_body


class TooLarge(HTTPException):
    """Raised from `receive`: an HTTPException, so that a route parsing its body answers 413 and not 400."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is over {limit} bytes (set by {ENV})")


class BodyLimit:
    """ASGI middleware: 413 for a request body over `limit` bytes."""

    def __init__(self, app: ASGIApp, limit: int | None = None) -> None:
        self.app, self.limit = app, limit if limit is not None else max_body()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await self._refuse(send)
            return
        seen, started = 0, False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise TooLarge(self.limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except TooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = orjson.dumps({"detail": f"the request body is over {self.limit} bytes (set by {ENV})"})
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
