"""CSRF tokens for the dashboard's forms: a browser's cookie is ambient, so a form posted with it must also
carry a token a page of ours gave it (the synchronizer pattern, without server state).

The token is an HMAC, under the ledger's id secret, of the digest of the signed-in token: it is the same for
every page of one sign-in, unknown to another site, and dies with the token. Forms carry it as the hidden
field `csrf_token` (`{{ who.csrf }}` in a template); scripts may send it as `X-CSRF-Token`.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qs, urlsplit

from fastapi import Request
from sqlalchemy import Engine

from services.auth.tokens import digest
from services.sealing.ids import id_secret

FIELD = "csrf_token"
HEADER = "x-csrf-token"


def token_for(engine: Engine, secret: str) -> str:
    return hmac.new(id_secret(engine), b"csrf\x1f" + digest(secret).encode(), hashlib.sha256).hexdigest()


def same_origin(request: Request) -> bool:
    """A browser names the page a form came from (Origin, else Referer): it must be one of ours."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", request.url.netloc)


async def presented(request: Request) -> str:
    """The CSRF token a request carries: the header, else the form field of an urlencoded form."""
    header = request.headers.get(HEADER)
    if header:
        return header
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        form = parse_qs((await request.body()).decode("utf-8", "replace"))  # the body stays readable after
        return form.get(FIELD, [""])[0]
    return ""


async def valid(request: Request, secret: str) -> bool:
    expected = token_for(request.app.state.engine, secret)
    return same_origin(request) and hmac.compare_digest(await presented(request), expected)
