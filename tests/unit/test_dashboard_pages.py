"""The dashboard's pages through the app (issue 5): the sign-in form, the cookie (reads only), the farm list
and a farm page as of a date."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.api.app import create_app
from services.auth.deps import COOKIE
from services.auth.tokens import TokenStore
from services.ledger.embedded import EmbeddedLedger
from tests.unit.test_dashboard import suspended_and_reinstated


@pytest.fixture
def site(tmp_path: Path) -> Iterator[dict[str, Any]]:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    ledger = EmbeddedLedger(url)
    suspended_and_reinstated(ledger)
    token = TokenStore(ledger.engine).issue("mdsc", "auditor-1").secret
    yield {"client": TestClient(create_app(url, deliver=False)), "token": token}
    ledger.engine.dispose()


def test_dashboard_without_a_token_answers_the_sign_in_form(site: dict[str, Any]) -> None:
    page = site["client"].get("/dashboard/farms/farm-1?as_of=2025-03-10")
    assert page.status_code == 401 and "text/html" in page.headers["content-type"]
    assert 'name="token"' in page.text and 'value="/dashboard/farms/farm-1?as_of=2025-03-10"' in page.text
    assert "farm-1" not in page.text.replace('value="/dashboard/farms/farm-1?as_of=2025-03-10"', "")


def test_sign_in_sets_a_cookie_that_reads_but_never_posts(site: dict[str, Any]) -> None:
    client = site["client"]
    bad = client.post("/dashboard/login", data={"token": "dl_wrong", "next": "/dashboard"})
    assert bad.status_code == 401 and "unknown or revoked" in bad.text
    signed = client.post("/dashboard/login", follow_redirects=False,
                         data={"token": site["token"], "next": "/dashboard/farms/farm-1"})
    assert signed.status_code == 303 and signed.headers["location"] == "/dashboard/farms/farm-1"
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    page = client.get("/dashboard")
    assert page.status_code == 200  # the cookie is sent back
    assert client.get("/farms").status_code == 401  # the API's routes take a bearer token, never the cookie
    assert client.post("/events", content=b"{}").status_code == 401  # never for a write
    elsewhere = client.post("/dashboard/login", follow_redirects=False,
                            data={"token": site["token"], "next": "https://evil.example/"})
    assert elsewhere.headers["location"] == "/dashboard"
    assert client.post("/dashboard/logout", follow_redirects=False).status_code == 403  # no CSRF token
    import re

    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert token is not None
    out = client.post("/dashboard/logout", data={"csrf_token": token[1]}, follow_redirects=False)
    assert out.status_code == 303 and COOKIE in out.headers["set-cookie"]
    client.cookies.delete(COOKIE)
    assert client.get("/dashboard").status_code == 401


def test_farm_list_and_farm_page_follow_the_as_of_date(site: dict[str, Any]) -> None:
    headers = {"Authorization": f"Bearer {site['token']}"}
    client = site["client"]
    listing = client.get("/dashboard?as_of=2025-03-04", headers=headers).text
    assert 'data-farm="farm-1"' in listing and 'class="badge suspended"' in listing
    assert 'class="badge good_standing"' in client.get("/dashboard?as_of=2025-02-01", headers=headers).text
    page = client.get("/dashboard/farms/farm-1?as_of=2025-06-30", headers=headers).text
    assert page.count('class="band band-suspended"') == 2 and 'id="as_of"' in page and 'value="2025-06-30"' in page
    earlier = client.get("/dashboard/farms/farm-1?as_of=2025-03-04", headers=headers).text
    assert earlier.count('class="band band-suspended"') == 1
    assert client.get("/dashboard/farms/farm-9", headers=headers).status_code == 404
    assert client.get("/dashboard?as_of=yesterday", headers=headers).status_code == 422
