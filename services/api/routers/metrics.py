"""GET /metrics: the Prometheus text format (services/api/metrics.py). Public like /health: it holds only
aggregates (no farm, person or buyer id), and scrapers rarely carry a bearer token."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

router = APIRouter(tags=["metrics"])
public_router = APIRouter(tags=["metrics"])


@public_router.get("/metrics", summary="Prometheus metrics: ingest, deadlines missed, deliveries, consumer lag")
async def metrics(request: Request) -> Response:
    body = await run_in_threadpool(generate_latest, request.app.state.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
