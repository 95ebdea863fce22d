"""FastAPI dependencies: find the principal of a request, and turn policy refusals into 401/403/404.

A token comes as `Authorization: Bearer <token>`, or (for the dashboard in a browser) in the
`dignity_token` cookie set by the dashboard's login form. The cookie is accepted on the dashboard's pages
only (`/dashboard...`), never by the API's routes; there it reads (GET, HEAD), and a form posted with it
must carry the page's CSRF token (services/auth/csrf.py). No route answers without a token.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request

from services.auth import csrf, policy
from services.auth.roles import Principal
from services.auth.scope import FarmScope, load_scope
from services.auth.tokens import TokenStore

COOKIE = "dignity_token"
CHALLENGE = {"WWW-Authenticate": "Bearer"}
SAFE_METHODS = frozenset({"GET", "HEAD"})


DASHBOARD = "/dashboard"


def on_dashboard(request: Request) -> bool:
    path = request.url.path
    return path == DASHBOARD or path.startswith(DASHBOARD + "/")


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def presented_token(request: Request) -> str | None:
    """The bearer token, else the dashboard cookie on a dashboard page (its forms are checked in `principal`)."""
    return bearer(request) or (request.cookies.get(COOKIE) or None if on_dashboard(request) else None)


async def principal(request: Request) -> Principal:
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    token = presented_token(request)
    if token is None:
        raise HTTPException(status_code=401, detail="a bearer token is required", headers=CHALLENGE)
    engine = request.app.state.engine
    found = TokenStore(engine).authenticate(token)
    if found is None:
        raise HTTPException(status_code=401, detail="unknown or revoked token", headers=CHALLENGE)
    by_cookie = bearer(request) is None
    if by_cookie and request.method not in SAFE_METHODS and not await csrf.valid(request, token):
        raise HTTPException(status_code=403, detail="a form posted with the dashboard cookie needs the CSRF "
                                                    "token of the page it came from")
    found = replace(found, csrf=csrf.token_for(engine, token) if by_cookie else "")
    request.state.principal = found
    return found


PrincipalDep = Annotated[Principal, Depends(principal)]


def refuse(decision: policy.Decision) -> None:
    if not decision:
        raise HTTPException(status_code=403, detail=decision.reason)


def farm_reader(what: str) -> Callable[..., Awaitable[FarmScope]]:
    """A dependency for `/farms/{farm_id}/...` routes: the farm's scope once `what` may be read there.
    MDSC asking for a farm never enrolled gets 404; anyone else gets 403 for any farm not theirs."""

    async def dependency(request: Request, who: PrincipalDep,
                         farm_id: Annotated[str, Path(description="The farm id")]) -> FarmScope:
        # On the event loop, as the token lookup in `principal` is: two indexed reads cost less than a hop
        # to the thread pool and back (docs/decisions.md, "The API's own cost per request").
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
