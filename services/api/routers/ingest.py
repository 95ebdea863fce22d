"""POST /events and POST /templates/{template}: `dignity ingest` over HTTP, under the poster's token.

Same validation and the same answer as `dignity ingest --json` (`accepted`, `duplicates`, `rejected` with
line numbers from 1), plus `rows`: a result per line or CSV row. A line the token may not post (another
farm's payroll, a remittance for a farm not linked to the cooperative) is rejected with its number and
why, like an invalid line, and appends nothing.
"""

from __future__ import annotations

import io
import threading
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from services.api.body import BodyParser
from services.api.responses import streamed
from services.auth import posting
from services.auth.deps import PrincipalDep
from services.auth.roles import Principal
from services.auth.scope import load_scope
from services.ledger.templates import TEMPLATES, parse_template
from services.settings import settings

router = APIRouter(tags=["ingest"])
_WRITE = threading.Lock()
"""One writer at a time in this process: the embedded ledger applies projections in the same transaction."""



def _body_doc(media_type: str, description: str) -> dict[str, Any]:
    """OpenAPI for a raw body (read with `request.body()`, not parsed by FastAPI)."""
    return {"requestBody": {"required": True, "description": description,
                            "content": {media_type: {"schema": {"type": "string"}}}}}


def write_lock() -> threading.Lock:
    """The process's write lock, for other writers of the embedded ledger (the server's tick)."""
    return _WRITE


def ledger_for(request: Request) -> Any:
    """The embedded ledger on the app's database, or the distributed one when the app is distributed
    (a PostgreSQL database and DIGNITY_KAFKA set, the rule `dignity ingest` follows)."""
    state = request.app.state
    kafka = settings().kafka
    if kafka and str(state.engine.url).startswith("postgresql"):
        if getattr(state, "distributed_ledger", None) is None:
            from services.ledger.distributed import DistributedLedger

            state.distributed_ledger = DistributedLedger(None, kafka, engine=state.engine)
        return state.distributed_ledger
    from services.ledger.embedded import EmbeddedLedger

    return EmbeddedLedger(engine=state.engine)


def _run(request: Request, who: Principal, parsed_of: Any, fields: dict[str, str] | None = None) -> posting.Answer:
    with _WRITE:
        ledger = ledger_for(request)
        parsed = parsed_of(ledger)
        answer = posting.ingest_to(ledger, parsed, who, lambda farm: load_scope(request.app.state.engine, farm),
                                   fields=fields)
    request.app.state.metrics.count(answer.accepted, answer.duplicates, answer.rejected, "api")
    return answer


def _streamed(answer: posting.Answer) -> StreamingResponse:
    """The answer streams from its spool, after the write lock is released (services/auth/posting.py)."""
    return streamed(answer.chunks())


@router.post("/events", summary="Append events (JSON Lines, a JSON array, or one object)",
             openapi_extra=_body_doc("application/x-ndjson", "JSON Lines (one event a line), or a JSON array"))
async def post_events(request: Request, who: PrincipalDep) -> StreamingResponse:
    parser = BodyParser()
    async for chunk in request.stream():  # 413 past DIGNITY_MAX_BODY (services/api/limits.py): nothing appended
        if chunk:
            await run_in_threadpool(parser.feed, chunk)  # each line parsed while the next chunk arrives
    parsed = parser.results()
    return _streamed(await run_in_threadpool(_run, request, who, lambda _ledger: parsed))


@router.post("/templates/{template}", summary="Upload a CSV template: remittance or payroll",
             openapi_extra=_body_doc("text/csv", "The CSV file, header row first"))
async def post_template(request: Request, who: PrincipalDep,
                        template: Annotated[str, Path(description=" or ".join(TEMPLATES))]) -> StreamingResponse:
    if template not in TEMPLATES:
        raise HTTPException(status_code=404, detail=f"unknown template {template!r}: use {' or '.join(TEMPLATES)}")
    raw = await request.body()
    return _streamed(await run_in_threadpool(
        _run, request, who, lambda ledger: parse_template(template, io.BytesIO(raw), ledger),
        TEMPLATES[template].fields))
