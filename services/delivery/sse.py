"""Server-sent events for dashboards: the feed as it grows, filtered for the principal.

`GET /stream` sends `StandingChanged` events of the farms whose standing the principal may read and, to a
buyer, its own `BuyerNotified` notifications. Each message's `id` is its feed position: a client that
reconnects with `Last-Event-ID` (browsers do it by themselves) resumes where it stopped. Without it the
stream starts at the current end; `?after=0` replays from the beginning. A comment line every
`heartbeat` seconds keeps proxies from closing an idle stream.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine

from services.auth import policy
from services.auth.deps import PrincipalDep
from services.auth.roles import Principal
from services.auth.scope import load_scopes
from services.delivery import feed

router = APIRouter(tags=["subscriptions"])
POLL, HEARTBEAT = 1.0, 15.0


def message(item: feed.FeedItem, who: Principal) -> bytes:
    if item.type == "BuyerNotified":
        data: dict[str, Any] = feed.notification(item)
    else:
        body = policy.visible(who, item.body)
        data = {"event_id": item.event_id, "farm_id": item.farm_id, "occurred_at": body["occurred_at"],
                **body["data"]}
    return f"id: {item.position}\nevent: {item.type}\ndata: ".encode() + orjson.dumps(data) + b"\n\n"


def visible_items(engine: Engine, who: Principal, after: int) -> tuple[list[feed.FeedItem], int]:
    """The next page of the feed this principal may see, and the position read up to."""
    items = feed.read(engine, after, limit=500)
    if not items:
        return [], after
    scopes = load_scopes(engine, {i.farm_id for i in items})
    shown = [i for i in items if policy.sees_feed(who, i.type, i.buyer_id, scopes[i.farm_id])]
    return shown, items[-1].position


async def messages(request: Request, who: Principal, after: int) -> AsyncIterator[bytes]:
    engine: Engine = request.app.state.engine
    poll = getattr(request.app.state, "sse_poll", POLL)
    heartbeat = getattr(request.app.state, "sse_heartbeat", HEARTBEAT)
    yield b"retry: 3000\n\n"
    quiet_since = time.monotonic()
    while not await request.is_disconnected():
        shown, after_next = await asyncio.to_thread(visible_items, engine, who, after)
        if after_next != after:
            after = after_next
            for item in shown:
                yield message(item, who)
                quiet_since = time.monotonic()
            continue
        if time.monotonic() - quiet_since >= heartbeat:
            yield b": keep-alive\n\n"
            quiet_since = time.monotonic()
        await asyncio.sleep(poll)


@router.get("/stream", summary="Server-sent events: standing changes and (for a buyer) its notifications",
            response_class=StreamingResponse)
async def stream(
    request: Request, who: PrincipalDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    after: Annotated[int | None, Query(ge=0, description="Start after this feed position (0: from the start)")]
    = None,
) -> StreamingResponse:
    if after is None:
        after = int(last_event_id) if last_event_id and last_event_id.isdigit() else await asyncio.to_thread(
            feed.last_position, request.app.state.engine)
    return StreamingResponse(messages(request, who, after), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
