"""A buyer's door: its notifications (SPEC §4 `dignity notifications`), its webhook subscriptions and
their deliveries, and redelivery on request. A buyer token reaches its own buyer id only; MDSC any."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query
from fastapi.responses import StreamingResponse

from services.api.params import EngineDep
from services.api.responses import JSONResponse, streamed_array
from services.auth import policy
from services.auth.deps import PrincipalDep, refuse
from services.delivery.subscriptions import Subscriptions
from services.delivery.webhooks import Webhooks
from services.ledger import queries

router = APIRouter(tags=["buyers"])


def buyer_reader(buyer_id: Annotated[str, Path(description="The buyer id")], who: PrincipalDep) -> str:
    refuse(policy.may_read_buyer(who, buyer_id))
    return buyer_id


Buyer = Annotated[str, Depends(buyer_reader)]


@router.get("/notifications", summary="What a buyer was told (BU-1), in order per farm")
def notifications(engine: EngineDep, who: PrincipalDep,
                  buyer: Annotated[str | None, Query(description="The buyer (default: the token's)")] = None
                  ) -> StreamingResponse:
    """`{notification_id, farm_id, kind, standing, effective_on}` rows, as `dignity notifications --json`."""
    buyer_id = buyer or (who.subject if who.role == "buyer" else None)
    if buyer_id is None:
        raise HTTPException(status_code=422, detail="buyer: required")
    refuse(policy.may_read_buyer(who, buyer_id))
    return streamed_array(queries.notifications(engine, buyer_id))


@router.get("/buyers/{buyer_id}/webhooks", summary="A buyer's webhook subscriptions (secrets not shown)")
def subscriptions(buyer_id: Buyer, engine: EngineDep) -> StreamingResponse:
    return streamed_array({k: v for k, v in r.items() if k != "secret"} for r in Subscriptions(engine).all(buyer_id))


@router.post("/buyers/{buyer_id}/webhooks", status_code=201, summary="Subscribe a URL; the answer has the secret")
def subscribe(buyer_id: Buyer, engine: EngineDep,
              url: Annotated[str, Body(description="Where each notification is POSTed")],
              secret: Annotated[str | None, Body(description="HMAC secret (default: a new one)")] = None,
              from_now: Annotated[bool, Body(description="Skip notifications made before now")] = False,
              ) -> JSONResponse:
    try:
        row = Subscriptions(engine).add(buyer_id, url, secret, from_now)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    return JSONResponse(row, status_code=201)


def _own_subscription(engine: Any, buyer_id: str, subscription_id: str) -> None:
    sub = Subscriptions(engine).get(subscription_id)
    if sub is None or sub["buyer_id"] != buyer_id:
        raise HTTPException(status_code=404, detail=f"no subscription {subscription_id!r} of {buyer_id!r}")


@router.delete("/buyers/{buyer_id}/webhooks/{subscription_id}", summary="Stop a subscription")
def unsubscribe(buyer_id: Buyer, subscription_id: str, engine: EngineDep) -> JSONResponse:
    _own_subscription(engine, buyer_id, subscription_id)
    return JSONResponse({"subscription_id": subscription_id, "removed": Subscriptions(engine).remove(subscription_id)})


@router.post("/buyers/{buyer_id}/webhooks/{subscription_id}/rotate",
             summary="A new signing secret for a subscription; the answer has it")
def rotate(buyer_id: Buyer, subscription_id: str, engine: EngineDep) -> JSONResponse:
    _own_subscription(engine, buyer_id, subscription_id)
    secret = Subscriptions(engine).rotate(subscription_id)
    if secret is None:
        raise HTTPException(status_code=409, detail=f"subscription {subscription_id!r} was removed")
    return JSONResponse({"subscription_id": subscription_id, "secret": secret})


@router.get("/buyers/{buyer_id}/deliveries", summary="Deliveries of a buyer's webhooks, and dead letters")
def deliveries(buyer_id: Buyer, engine: EngineDep,
               status: Annotated[str | None, Query(description="pending, delivered or dead")] = None
               ) -> StreamingResponse:
    mine = [s["subscription_id"] for s in Subscriptions(engine).all(buyer_id)]
    return streamed_array(Webhooks(engine).deliveries(status, limit=10_000, subscription_ids=mine))


@router.post("/buyers/{buyer_id}/deliveries/{delivery_id}/redeliver", summary="Send a delivery again")
def redeliver(buyer_id: Buyer, delivery_id: str, engine: EngineDep) -> JSONResponse:
    hooks = Webhooks(engine)
    found = hooks.deliveries(delivery_id=delivery_id)
    if not found:
        raise HTTPException(status_code=404, detail=f"no delivery {delivery_id!r}")
    _own_subscription(engine, buyer_id, found[0]["subscription_id"])
    return JSONResponse({"delivery_id": delivery_id, "redelivering": hooks.redeliver(delivery_id)})
