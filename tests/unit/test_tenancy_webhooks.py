"""Webhook URLs (issue 9, SPEC §6): https to a public host unless the operator's allow-list names them, checked
at registration and at each delivery on the addresses actually connected to; no redirects are followed."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from services.api.app import create_app
from services.auth.tokens import TokenStore
from services.cli.main import app as cli
from services.delivery import urls
from services.delivery.sender import HttpSender
from services.delivery.subscriptions import Subscriptions
from services.delivery.urls import ALLOW_ENV, RefusedUrl, check_url
from services.ledger.embedded import EmbeddedLedger

PUBLIC = "93.184.216.34"  # an IP literal resolves to itself: no DNS needed
REFUSED = [
    "http://127.0.0.1:9/hook",  # loopback, and http
    "https://127.0.0.1/hook",
    "https://localhost/hook",
    "https://10.1.2.3/hook", "https://192.168.0.10/hook", "https://172.16.5.4/hook",  # private
    "https://169.254.169.254/latest/meta-data",  # link-local (cloud metadata)
    "https://100.64.0.1/hook",  # shared address space
    "https://0.0.0.0/hook",
    "https://[::1]/hook", "https://[fe80::1]/hook", "https://[fd00::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",  # IPv4-mapped loopback
    "https://224.0.0.1/hook",  # multicast
    f"http://{PUBLIC}/hook",  # public, but not https
    f"https://user:pw@{PUBLIC}/hook",  # credentials in the URL
    "ftp://example.org/x", "https:///nohost", "not a url",
]


class Target:
    """A local receiver that answers `status` (and a Location when it redirects); counts its calls."""

    def __init__(self, status: int = 204, location: str | None = None) -> None:
        self.calls = 0
        target = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                self.rfile.read(int(self.headers["Content-Length"]))
                target.calls += 1
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST  # noqa: N815 (a followed redirect would arrive as a GET)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def no_allow_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ALLOW_ENV, raising=False)


@pytest.mark.usefixtures("no_allow_list")
@pytest.mark.parametrize("url", REFUSED)
def test_tenancy_webhook_urls_are_https_to_a_public_host(url: str) -> None:
    with pytest.raises(RefusedUrl):
        check_url(url)
    assert check_url(f"https://{PUBLIC}/hook") == [PUBLIC]
    # a name is judged by every address it resolves to
    assert check_url("https://hooks.example/x", lambda _h, _p: [PUBLIC]) == [PUBLIC]
    with pytest.raises(RefusedUrl, match="non-public"):
        check_url("https://hooks.example/x", lambda _h, _p: [PUBLIC, "10.0.0.7"])


def test_tenancy_webhook_allow_list_names_the_exceptions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ALLOW_ENV, "127.0.0.1:8080, hooks.internal")
    assert check_url("http://127.0.0.1:8080/hook") == ["127.0.0.1"]
    assert check_url("http://hooks.internal/x", lambda _h, _p: ["10.0.0.7"]) == ["10.0.0.7"]
    with pytest.raises(RefusedUrl):
        check_url("http://127.0.0.1:8081/hook")  # another port is not named


@pytest.mark.usefixtures("no_allow_list")
def test_tenancy_webhook_registration_refuses_private_hosts_on_every_door(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    ledger = EmbeddedLedger(db)
    token = TokenStore(ledger.engine).issue("buyer", "buyer-1").secret
    client = TestClient(create_app(db, deliver=False))
    auth = {"Authorization": f"Bearer {token}"}
    refused = client.post("/buyers/buyer-1/webhooks", json={"url": "http://127.0.0.1:9/hook"}, headers=auth)
    assert refused.status_code == 422 and "127.0.0.1" in refused.text
    assert client.post("/buyers/buyer-1/webhooks", json={"url": f"https://{PUBLIC}/hook"},
                       headers=auth).status_code == 201
    run = CliRunner().invoke(cli, ["webhooks", "add", "--buyer", "buyer-1", "--url", "https://[::1]/x", "--db", db])
    assert run.exit_code != 0 and "non-public" in run.output
    with pytest.raises(ValueError, match="non-public"):
        Subscriptions(ledger.engine).add("buyer-1", "https://169.254.169.254/")
    assert [s["url"] for s in Subscriptions(ledger.engine).all()] == [f"https://{PUBLIC}/hook"]
    ledger.engine.dispose()


@pytest.fixture
def target() -> Iterator[Target]:
    t = Target()
    yield t
    t.close()


def test_tenancy_webhook_delivery_checks_again_and_connects_only_where_it_checked(
        target: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    send = HttpSender(timeout=2.0)
    monkeypatch.setenv(ALLOW_ENV, "127.0.0.1")
    assert send(target.url, b"{}", {"Content-Type": "application/json"}).ok and target.calls == 1
    monkeypatch.delenv(ALLOW_ENV)  # the operator took it off the list: the next try is refused, not sent
    sent = send(target.url, b"{}", {})
    assert not sent.ok and sent.detail.startswith("refused:") and target.calls == 1
    # DNS rebinding: a name that resolved to a public address when registered resolves to loopback now
    real = socket.getaddrinfo

    def rebound(host: str, *args: Any, **kw: Any) -> Any:
        return real("127.0.0.1", *args, **kw) if host == "rebind.example" else real(host, *args, **kw)

    monkeypatch.setattr(urls.socket, "getaddrinfo", rebound)
    sent = send(f"https://rebind.example:{target.port}/hook", b"{}", {})
    assert not sent.ok and "non-public" in sent.detail and target.calls == 1


def test_tenancy_webhook_redirects_are_not_followed(monkeypatch: pytest.MonkeyPatch, target: Target) -> None:
    monkeypatch.setenv(ALLOW_ENV, "127.0.0.1")
    for status in (301, 302, 303, 307, 308):
        bouncer = Target(status=status, location=target.url)
        try:
            sent = HttpSender(timeout=2.0)(bouncer.url, b"{}", {"Content-Type": "application/json"})
            assert (sent.ok, sent.detail, bouncer.calls, target.calls) == (False, f"HTTP {status}", 1, 0)
        finally:
            bouncer.close()
