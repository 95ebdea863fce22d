"""GET /metrics: the Prometheus text format (services/api/metrics.py), for an MDSC token like every
program-wide answer: no route answers without a token (a scraper sends it with `authorization:` in its
scrape config). It holds only aggregates (no farm, person or buyer id)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from services.auth import policy
from services.auth.deps import require
from services.auth.roles import Principal

router = APIRouter(tags=["metrics"])
Operator = Annotated[Principal, Depends(require(policy.may_administer))]


@router.get("/metrics", summary="Prometheus metrics: ingest, deadlines missed, deliveries, consumer lag (MDSC)")
async def metrics(request: Request, who: Operator) -> Response:
    body = await run_in_threadpool(generate_latest, request.app.state.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
