"""Requests the server sends to addresses that users choose (project webhooks) never reach inside
the network: not loopback, link-local (cloud metadata), private, reserved, unspecified or
multicast addresses, unless an operator lists the host in ``CONVEYOR_WEBHOOK_ALLOWED_HOSTS``.

A URL is checked when it is saved (a clear 422) and again on every connection, on the very
addresses the connection is made to (``channels/outbound.py``): a name that resolved outside
when it was saved and resolves inside later (DNS rebinding) is refused at delivery. This module
imports no HTTP client: runners use its address rules too.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from conveyor.errors import InvalidInput


def is_internal(text: str) -> bool:
    address = ipaddress.ip_address(text.split("%")[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_reserved
        or address.is_unspecified
        or address.is_multicast
    )


async def resolve(host: str) -> list[str]:
    """The addresses ``host`` stands for now ([] when it does not resolve)."""
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def first_internal(addresses: Iterable[str]) -> str | None:
    return next((address for address in addresses if is_internal(address)), None)


async def check_url(url: str, allowed_hosts: frozenset[str], what: str) -> None:
    """Raise InvalidInput when ``url``'s host is (or resolves to) an internal address. A name
    that does not resolve now is accepted: every connection is checked again."""
    host = (urlsplit(url).hostname or "").lower()
    if not host:
        raise InvalidInput(f"{what}: the URL names no host")
    if host in allowed_hosts:
        return
    if internal := first_internal(await resolve(host)):
        raise InvalidInput(
            f"{what}: {host} is an internal address ({internal}); an operator may allow it "
            "with CONVEYOR_WEBHOOK_ALLOWED_HOSTS"
        )


def allowed_hosts(hosts: Iterable[str]) -> frozenset[str]:
    return frozenset(host.strip().lower() for host in hosts if host.strip())
