"""The dashboard's routes: the farm list, a farm's page, and the token sign-in for browsers.

The pages are read-only GETs. A browser signs in once by posting its token to /dashboard/login, which
sets an HttpOnly, SameSite=Strict cookie; the cookie is accepted on the dashboard's pages only, never by the
API's routes, and a form posted with it carries the page's CSRF token (services/auth/deps.py, csrf.py).
Without a token a page answers 401 with the sign-in form.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from services.api.params import AsOf, EngineDep
from services.auth import csrf, policy
from services.auth.deps import COOKIE, PrincipalDep, farm_reader
from services.auth.scope import FarmScope
from services.auth.tokens import TokenStore
from services.dashboard.pages import farm_page, farm_rows
from services.ledger import queries

router = APIRouter(prefix="/dashboard", tags=["dashboard"])
public_router = APIRouter(prefix="/dashboard", tags=["dashboard"])
"""Sign-in and sign-out: the one place a token arrives in a form rather than a header or cookie."""
ENV = Environment(loader=PackageLoader("services.dashboard", "templates"), autoescape=select_autoescape(["html"]))


def shown(value: Any) -> Any:
    """Sealed personal data is shown as sealed, never as its ciphertext."""
    if isinstance(value, dict) and "sealed" in value:
        return f"sealed ({value.get('person_id')})"
    return value


ENV.filters["shown"] = shown
SIGN_IN = policy.READERS["dashboard"] | {"cooperative", "buyer"}
"""Who may sign a browser in: the dashboard's readers, and the cooperatives (uploads) and buyers (their page)."""
LANDING = {"cooperative": "/dashboard/upload", "buyer": "/dashboard/buyer"}


def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(ENV.get_template(name).render(**context), status_code=status)


def login_page(request: Request, message: str = "", status: int = 401) -> HTMLResponse:
    """The sign-in form, answered with 401 to a browser that came without a (valid) token."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return render("login.html", status, who=None, message=message,
                  next=target if target.startswith("/dashboard") else "/dashboard")


@router.get("", response_class=HTMLResponse, summary="Farm list with standing")
def farms(request: Request, engine: EngineDep, who: PrincipalDep, as_of: AsOf) -> Response:
    from projections.calendar import local_date

    if who.role in LANDING:
        return RedirectResponse(LANDING[who.role], status_code=303)
    if who.role not in policy.READERS["dashboard"]:
        raise HTTPException(status_code=403, detail=f"a {who.role} token may not open the dashboard")
    day = local_date(as_of, None)
    return render("farms.html", who=who, rows=farm_rows(engine, who, as_of), as_of=day.isoformat())


@router.get("/farms/{farm_id}", response_class=HTMLResponse, summary="A farm's timeline and pass-through")
def farm(engine: EngineDep, who: PrincipalDep, as_of: AsOf,
         scope: Annotated[FarmScope, Depends(farm_reader("dashboard"))]) -> HTMLResponse:
    return render("farm.html", who=who, page=farm_page(engine, who, scope.farm_id, as_of))


@router.get("/farms/{farm_id}/report.pdf", summary="A farm's compliance report for a period, as PDF")
def report_pdf(engine: EngineDep, scope: Annotated[FarmScope, Depends(farm_reader("dashboard"))],
               period: Annotated[str, Query(description="YYYY, YYYY-MM or YYYY-MM..YYYY-MM")]) -> Response:
    from services.reports.compliance import Period, farm_report
    from services.reports.pdf import render as render_pdf

    try:
        wanted = Period.parse(period)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    body = render_pdf(farm_report(engine, scope.farm_id, wanted))
    name = f"compliance-{scope.farm_id}-{wanted}.pdf".replace("..", "_")
    return Response(body, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


CSV_LISTS = ("passthrough", "missed", "open", "deadlines", "findings", "events")


@router.get("/farms.csv", summary="The farm list with standing, as CSV")
def farms_csv(engine: EngineDep, who: PrincipalDep, as_of: AsOf) -> Response:
    if who.role not in policy.READERS["dashboard"]:
        raise HTTPException(status_code=403, detail=f"a {who.role} token may not open the dashboard")
    return csv_response("farms.csv", farm_rows(engine, who, as_of),
                        ["farm_id", "name", "jurisdiction", "enrolled_on", "standing", "stayed", "since",
                         "suspension_count", "suspended_until"])


@router.get("/farms/{farm_id}/{name}.csv", summary="One list of a farm's page as CSV: " + ", ".join(CSV_LISTS))
def farm_csv(name: str, engine: EngineDep, who: PrincipalDep, as_of: AsOf,
             scope: Annotated[FarmScope, Depends(farm_reader("dashboard"))]) -> Response:
    if name not in CSV_LISTS:
        raise HTTPException(status_code=404, detail=f"no list {name!r}: use one of {', '.join(CSV_LISTS)}")
    page = farm_page(engine, who, scope.farm_id, as_of)
    if name == "passthrough":
        rows: list[dict[str, Any]] = [{"period": m.period, "premium": m.premium, "pool": m.pool, "paid": m.paid,
                                       "shortfall": m.shortfall, "note": m.note} for m in page.months]
    elif name == "events":
        rows = [{"occurred_at": e["occurred_at"], "type": e["type"], "event_id": e["event_id"],
                 "data": {k: shown(v) for k, v in e["data"].items()}} for e in page.conduct]
    elif name == "deadlines":
        rows = queries.deadlines(engine, scope.farm_id, as_of, [])
    else:
        rows = getattr(page, name)
    return csv_response(f"{scope.farm_id}-{name}.csv", rows)


def csv_response(filename: str, rows: list[dict[str, Any]], columns: list[str] | None = None) -> Response:
    from services.reports.csv import to_csv

    return Response(to_csv(rows, columns), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@public_router.post("/login", response_class=HTMLResponse, summary="Sign a browser in with a token (form: token, next)")
async def login(request: Request) -> Response:
    if not csrf.same_origin(request):  # another site must not sign a browser in under its own token
        raise HTTPException(status_code=403, detail="sign in from the dashboard's own form")
    form = parse_qs((await request.body()).decode("utf-8", "replace"))  # urlencoded; no multipart needed
    token, next = form.get("token", [""])[0].strip(), form.get("next", ["/dashboard"])[0]
    who = TokenStore(request.app.state.engine).authenticate(token)
    if who is None:
        return login_page(request, "That token is unknown or revoked.")
    if who.role not in SIGN_IN:
        raise HTTPException(status_code=403, detail=f"a {who.role} token may not open the dashboard")
    target = next if next.startswith("/dashboard") and "//" not in next else "/dashboard"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/")
    return response


@public_router.post("/logout", summary="Sign the browser out (form: csrf_token)")
async def logout(request: Request) -> Response:
    signed_in = request.cookies.get(COOKIE)
    if signed_in and not await csrf.valid(request, signed_in):
        raise HTTPException(status_code=403, detail="sign out from the dashboard's own form")
    response = RedirectResponse("/dashboard", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


async def html_errors(request: Request, exc: Exception) -> Response:
    """401 on a dashboard page answers the sign-in form; every other error as the API answers it."""
    from fastapi.exception_handlers import http_exception_handler
    from starlette.exceptions import HTTPException as StarletteHTTPException

    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 401 and request.url.path.startswith("/dashboard") and request.method == "GET":
        return login_page(request, "" if "required" in str(exc.detail) else "That token is unknown or revoked.")
    return await http_exception_handler(request, exc)
