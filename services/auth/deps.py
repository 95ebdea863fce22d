"""FastAPI dependencies: find the principal of a request, and turn policy refusals into 401/403/404.

A token comes as `Authorization: Bearer <token>`, or (for the dashboard in a browser) in the
`dignity_token` cookie set by the dashboard's login form, accepted for GET and HEAD only. No route
answers without one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request

from services.auth import policy
from services.auth.roles import Principal
from services.auth.scope import FarmScope, load_scope
from services.auth.tokens import TokenStore

COOKIE = "dignity_token"
CHALLENGE = {"WWW-Authenticate": "Bearer"}
SAFE_METHODS = frozenset({"GET", "HEAD"})


def presented_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if request.method in SAFE_METHODS:  # a browser's cookie reads; it never posts (no cross-site writes)
        return request.cookies.get(COOKIE) or None
    return None


def principal(request: Request) -> Principal:
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    token = presented_token(request)
    if token is None:
        raise HTTPException(status_code=401, detail="a bearer token is required", headers=CHALLENGE)
    found = TokenStore(request.app.state.engine).authenticate(token)
    if found is None:
        raise HTTPException(status_code=401, detail="unknown or revoked token", headers=CHALLENGE)
    request.state.principal = found
    return found


PrincipalDep = Annotated[Principal, Depends(principal)]


def refuse(decision: policy.Decision) -> None:
    if not decision:
        raise HTTPException(status_code=403, detail=decision.reason)


def farm_reader(what: str) -> Callable[..., FarmScope]:
    """A dependency for `/farms/{farm_id}/...` routes: the farm's scope once `what` may be read there.
    MDSC asking for a farm never enrolled gets 404; anyone else gets 403 for any farm not theirs."""

    def dependency(request: Request, who: PrincipalDep,
                   farm_id: Annotated[str, Path(description="The farm id")]) -> FarmScope:
        scope = load_scope(request.app.state.engine, farm_id)
        refuse(policy.may_read(who, what, scope))
        if not scope.enrolled:
            raise HTTPException(status_code=404, detail=f"unknown farm {farm_id!r}")
        return scope

    return dependency


def require(check: Callable[[Principal], policy.Decision]) -> Callable[..., Principal]:
    """A dependency that lets through the principals `check` allows (e.g. `policy.may_unseal`)."""

    def dependency(who: PrincipalDep) -> Principal:
        refuse(check(who))
        return who

    return dependency
