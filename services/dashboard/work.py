"""The dashboard pages where people post (issue 12): uploads for cooperatives and farms, MDSC's case work,
the case pages, and the buyers' page. Each posts through the same door as the API (`POST /templates`,
`POST /events`: services/auth/posting.py under the signed-in principal), so the policy, the validation and
the answer are the API's. Forms carry the page's CSRF token (services/auth/csrf.py); the upload script
sends it as `X-CSRF-Token`.
"""

from __future__ import annotations

import io
from typing import Annotated, Any
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from services.api.params import AsOf, EngineDep
from services.api.routers import ingest as api_ingest
from services.auth import policy
from services.auth.deps import PrincipalDep, farm_reader, refuse
from services.auth.roles import Principal
from services.auth.scope import FarmScope
from services.dashboard import cases, forms, uploads
from services.dashboard.pages import readable_farms
from services.dashboard.routes import render
from services.delivery.subscriptions import Subscriptions
from services.delivery.webhooks import Webhooks
from services.ledger import queries
from services.ledger.ingest import parse_dicts
from services.ledger.templates import TEMPLATES, parse_template

router = APIRouter(prefix="/dashboard", tags=["dashboard: posting"])


def _refuse_role(who: Principal, roles: Any, what: str) -> None:
    if who.role not in roles:
        raise HTTPException(status_code=403, detail=f"a {who.role} token may not {what}")


async def _form(request: Request) -> dict[str, str]:
    raw = (await request.body()).decode("utf-8", "replace")
    return {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}


# -- uploads ---------------------------------------------------------------------------------------------
@router.get("/upload", response_class=HTMLResponse, summary="Upload a remittance or payroll CSV")
def upload_page(engine: EngineDep, who: PrincipalDep) -> HTMLResponse:
    _refuse_role(who, uploads.UPLOADS, "upload templates")
    return render("upload.html", who=who, templates=uploads.UPLOADS[who.role],
                  posted=uploads.posted_by_month(engine, who))


@router.post("/upload/{template}", summary="The upload page's script: a CSV body, the API's answer per row")
async def upload(request: Request, who: PrincipalDep,
                 template: Annotated[str, Path(description="remittance or payroll")]) -> JSONResponse:
    _refuse_role(who, uploads.UPLOADS, "upload templates")
    if template not in uploads.UPLOADS[who.role]:
        raise HTTPException(status_code=403, detail=f"a {who.role} token does not upload the {template} template")
    raw = await request.body()
    answer = await run_in_threadpool(
        api_ingest._run, request, who, lambda ledger: parse_template(template, io.BytesIO(raw), ledger),
        TEMPLATES[template].fields)
    report = answer.as_json()  # a page's upload is bounded by the body limit: read the spooled answer whole
    rows = uploads.explained(report["rows"])
    return JSONResponse({**report, "rows": rows, "rejected_csv": uploads.rejected_rows(raw, rows)})


# -- MDSC case work --------------------------------------------------------------------------------------
def _mdsc(who: Principal) -> None:
    refuse(policy.may_administer(who))


@router.get("/record", response_class=HTMLResponse, summary="The events MDSC records: pick one")
def record_index(engine: EngineDep, who: PrincipalDep) -> HTMLResponse:
    _mdsc(who)
    return render("record_index.html", who=who, types=list(forms.envelopes()), farms=readable_farms(engine, who))


@router.get("/record/{event_type}", response_class=HTMLResponse, summary="A form for one event type (MDSC)")
def record_form(event_type: str, request: Request, engine: EngineDep, who: PrincipalDep) -> HTMLResponse:
    """The query prefills inputs by name (`?farm_id=…&violation_id=…`, as the case page links)."""
    _mdsc(who)
    _known(event_type)
    values = {k: v for k, v in request.query_params.items() if k != "csrf_token"}
    return render("record.html", who=who, type=event_type, inputs=forms.inputs(event_type),
                  farms=readable_farms(engine, who), values=values, errors={}, preview=None)


def _known(event_type: str) -> None:
    if event_type not in forms.envelopes():
        raise HTTPException(status_code=404, detail=f"no form for {event_type!r}")


@router.post("/record/{event_type}", response_class=HTMLResponse,
             summary="Preview (action=preview) or append (action=append) the event the form describes")
async def record(event_type: str, request: Request, engine: EngineDep, who: PrincipalDep) -> Response:
    _mdsc(who)
    _known(event_type)
    form = await _form(request)
    sub = forms.submission(event_type, form, who.actor)
    context = {"who": who, "type": event_type, "inputs": forms.inputs(event_type), "farms": readable_farms(engine, who),
               "values": {**sub.values, "event_id": sub.event["event_id"]}, "errors": sub.errors,
               "previewed": forms.fingerprint(sub.event)}
    if not sub.ok or form.get("action") != "append" or form.get("previewed") != forms.fingerprint(sub.event):
        # an append is of exactly what was previewed: a field changed since shows the new preview instead
        return render("record.html", 200 if sub.ok else 422, preview=sub if sub.ok else None, masked=forms.masked,
                      **context)
    report = (await run_in_threadpool(api_ingest._run, request, who,
                                      lambda _l: parse_dicts([(1, sub.event)]))).as_json()
    if report["rejected"]:
        context["errors"] = {"event": report["rejected"][0]["error"]}
        return render("record.html", 422, preview=None, **context)
    target = f"/dashboard/farms/{quote(sub.event['farm_id'])}"
    for kind, key in cases.KINDS.items():
        if key in sub.event["data"]:
            target += f"/cases/{kind}/{quote(str(sub.event['data'][key]))}"
            break
    return RedirectResponse(target + f"?recorded={quote(event_type)}", status_code=303)


@router.get("/farms/{farm_id}/cases/{kind}/{case_id}", response_class=HTMLResponse,
            summary="A complaint's or a violation's events and deadlines")
def case_page(kind: str, case_id: str, engine: EngineDep, who: PrincipalDep, as_of: AsOf,
              scope: Annotated[FarmScope, Depends(farm_reader("dashboard"))],
              recorded: Annotated[str | None, Query()] = None) -> HTMLResponse:
    if kind not in cases.KINDS:
        raise HTTPException(status_code=404, detail=f"no case kind {kind!r}: complaint or violation")
    try:
        found = cases.case(engine, who, scope.farm_id, kind, case_id, as_of)
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    return render("case.html", who=who, case=found, recorded=recorded,
                  record_types=list(forms.envelopes()) if who.role == "mdsc" else [])


# -- buyers ----------------------------------------------------------------------------------------------
def _buyer(who: Principal, buyer: str | None) -> str:
    buyer_id = buyer or (who.subject if who.role == "buyer" else None)
    if buyer_id is None:
        raise HTTPException(status_code=422, detail="buyer: required (?buyer=)")
    refuse(policy.may_read_buyer(who, buyer_id))
    return buyer_id


def buyer_context(engine: Any, buyer_id: str) -> dict[str, Any]:
    subs = [{k: v for k, v in s.items() if k != "secret"} for s in Subscriptions(engine).all(buyer_id)]
    hooks = Webhooks(engine)
    mine = [s["subscription_id"] for s in subs]
    deliveries = hooks.deliveries(limit=500, subscription_ids=mine)
    dead = [d for d in hooks.dead_letters() if d["subscription_id"] in mine]
    return {"buyer_id": buyer_id, "notifications": queries.notifications(engine, buyer_id)[::-1][:500],
            "subscriptions": subs, "deliveries": deliveries[::-1], "dead": dead[::-1]}


@router.get("/buyer", response_class=HTMLResponse, summary="A buyer's farms' standing changes and webhooks")
def buyer_page(engine: EngineDep, who: PrincipalDep, buyer: Annotated[str | None, Query()] = None,
               message: Annotated[str | None, Query()] = None) -> HTMLResponse:
    buyer_id = _buyer(who, buyer)
    return render("buyer.html", who=who, message=message, secret=None, **buyer_context(engine, buyer_id))


def _back(buyer_id: str, message: str) -> RedirectResponse:
    return RedirectResponse(f"/dashboard/buyer?buyer={quote(buyer_id)}&message={quote(message)}", status_code=303)


def _own(engine: Any, buyer_id: str, subscription_id: str) -> None:
    sub = Subscriptions(engine).get(subscription_id)
    if sub is None or sub["buyer_id"] != buyer_id:
        raise HTTPException(status_code=404, detail=f"no subscription {subscription_id!r} of {buyer_id!r}")


@router.post("/buyer/webhooks", response_class=HTMLResponse, summary="Subscribe a URL (form: url, from_now)")
async def buyer_subscribe(request: Request, engine: EngineDep, who: PrincipalDep) -> Response:
    form = await _form(request)
    buyer_id = _buyer(who, form.get("buyer"))
    try:
        row = Subscriptions(engine).add(buyer_id, form.get("url", ""), None, form.get("from_now") == "on")
    except ValueError as exc:
        return render("buyer.html", 422, who=who, message=f"Not subscribed: {exc}", secret=None,
                      **buyer_context(engine, buyer_id))
    return render("buyer.html", who=who, message=f"Subscribed {row['url']}.",
                  secret={"subscription_id": row["subscription_id"], "secret": row["secret"]},
                  **buyer_context(engine, buyer_id))


@router.post("/buyer/webhooks/{subscription_id}/{action}", response_class=HTMLResponse,
             summary="rotate (a new secret, shown once) or remove a subscription")
async def buyer_subscription(subscription_id: str, action: str, request: Request, engine: EngineDep,
                             who: PrincipalDep) -> Response:
    form = await _form(request)
    buyer_id = _buyer(who, form.get("buyer"))
    _own(engine, buyer_id, subscription_id)
    subs = Subscriptions(engine)
    if action == "remove":
        subs.remove(subscription_id)
        return _back(buyer_id, f"Subscription {subscription_id} removed.")
    if action != "rotate":
        raise HTTPException(status_code=404, detail=f"no action {action!r}: rotate or remove")
    secret = subs.rotate(subscription_id)
    if secret is None:
        return _back(buyer_id, f"Subscription {subscription_id} was removed: nothing to rotate.")
    return render("buyer.html", who=who, message="New secret: every delivery from now on is signed with it.",
                  secret={"subscription_id": subscription_id, "secret": secret}, **buyer_context(engine, buyer_id))


@router.post("/buyer/deliveries/{delivery_id}/redeliver", summary="Send a delivery again")
async def buyer_redeliver(delivery_id: str, request: Request, engine: EngineDep, who: PrincipalDep) -> Response:
    form = await _form(request)
    buyer_id = _buyer(who, form.get("buyer"))
    hooks = Webhooks(engine)
    found = hooks.deliveries(delivery_id=delivery_id)
    if not found:
        raise HTTPException(status_code=404, detail=f"no delivery {delivery_id!r}")
    _own(engine, buyer_id, found[0]["subscription_id"])
    hooks.redeliver(delivery_id)
    return _back(buyer_id, f"Delivery {delivery_id} will be sent again, in its place in the farm's order.")
