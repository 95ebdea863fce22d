"""Where a webhook may point (SPEC §6): https to a public host, unless the operator's allow-list names it.

The server makes these requests, so a URL a buyer registers must not reach the server's own host or its
private network. A host is public when every address it resolves to is globally routable (not loopback,
private, link-local, shared, reserved, multicast or unspecified). The check runs when a URL is registered
and again at each delivery, on the very addresses the connection is made to (services/delivery/sender.py),
so a name that later resolves to a private address (DNS rebinding) is refused too.

`DIGNITY_WEBHOOK_ALLOW` (comma- or space-separated) names the exceptions: a host (`hooks.internal`,
`127.0.0.1`) or a host and port (`127.0.0.1:8080`); a named host may be reached over http or https at any
address it resolves to.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import SplitResult, urlsplit

from services.settings import settings

ALLOW_ENV = "DIGNITY_WEBHOOK_ALLOW"

Resolver = Callable[[str, int], list[str]]


class RefusedUrl(ValueError):
    """A webhook URL the server will not call."""


def allow_list() -> frozenset[str]:
    raw = settings().webhook_allow  # DIGNITY_WEBHOOK_ALLOW
    return frozenset(e.strip().lower() for e in raw.replace(",", " ").split() if e.strip())


def resolve(host: str, port: int) -> list[str]:
    """Every address the host resolves to (an IP literal resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise RefusedUrl(f"the host {host!r} does not resolve ({exc})") from None
    return sorted({str(info[4][0]) for info in infos})


def public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def parts(url: str) -> tuple[SplitResult, str, int]:
    """The URL split, its host (lower case, no brackets) and port; refuses what is not an http(s) URL."""
    try:
        split = urlsplit(url)
        host, port = split.hostname, split.port
    except ValueError as exc:
        raise RefusedUrl(f"{url!r} is not a URL ({exc})") from None
    if split.scheme not in ("http", "https") or not host:
        raise RefusedUrl(f"{url!r} is not an http(s) URL")
    if split.username or split.password:
        raise RefusedUrl(f"{url!r} carries credentials: use the subscription's signing secret instead")
    return split, host.lower(), port or (443 if split.scheme == "https" else 80)


def allowed(host: str, port: int) -> bool:
    """Named by the operator's allow-list."""
    names = allow_list()
    literal = f"[{host}]" if ":" in host else host
    return host in names or f"{literal}:{port}" in names


def check_url(url: str, resolver: Resolver = resolve) -> list[str]:
    """The addresses the URL may be called at; raises RefusedUrl when the server must not call it."""
    split, host, port = parts(url)
    if allowed(host, port):
        return resolver(host, port)
    if split.scheme != "https":
        raise RefusedUrl(f"{url!r}: webhooks are https (or named in {ALLOW_ENV} by the operator)")
    addresses = resolver(host, port)
    private = [a for a in addresses if not public_address(a)]
    if private or not addresses:
        raise RefusedUrl(f"{url!r}: {host} resolves to a non-public address ({', '.join(private) or 'none'}); "
                         f"only public hosts, or those named in {ALLOW_ENV}")
    return addresses
