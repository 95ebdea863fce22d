"""MDSC only: unseal the personal data of an event, and forget a person (crypto-shredding).

`GET /farms/{farm_id}/events/{event_id}/unsealed` answers the event with its sealed personal data in clear,
or `{"erased": true}` once the person was forgotten; `POST /persons/{person_id}/forget` destroys the
person's key (what `dignity forget` does): every later read shows the data erased, the chain still verifies.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException

from services.api.params import EngineDep
from services.api.responses import JSONResponse
from services.auth import policy
from services.auth.deps import farm_reader, require
from services.auth.roles import Principal
from services.auth.scope import FarmScope
from services.ledger import queries
from services.sealing.vault import KeyVault

router = APIRouter(tags=["personal data"])
Unsealer = Annotated[Principal, Depends(require(policy.may_unseal))]


def unsealed(body: dict[str, Any], vault: KeyVault) -> dict[str, Any]:
    """The event with every sealed person in its data replaced by the clear data (or the erased mark)."""
    data = {k: vault.unseal(v) if isinstance(v, dict) and "sealed" in v else v for k, v in body["data"].items()}
    return {**body, "data": data}


@router.get("/farms/{farm_id}/events/{event_id}/unsealed", summary="An event with personal data unsealed (MDSC)")
def unseal(event_id: str, engine: EngineDep, who: Unsealer,
           scope: Annotated[FarmScope, Depends(farm_reader("history"))]) -> JSONResponse:
    body = queries.farm_event(engine, scope.farm_id, event_id)
    if body is not None:
        return JSONResponse(unsealed(body, KeyVault(engine)))
    raise HTTPException(status_code=404, detail=f"no event {event_id!r} in the history of {scope.farm_id!r}")


@router.post("/persons/{person_id}/forget", summary="Erase a person: destroy their key (MDSC)")
def forget(person_id: str, engine: EngineDep, who: Unsealer) -> JSONResponse:
    return JSONResponse({"person_id": person_id, "erased": KeyVault(engine).forget(person_id)})
