"""Requests the server sends to addresses that users choose (project webhooks) never reach inside
the network: not loopback, link-local (cloud metadata), private, reserved, unspecified or
multicast addresses, unless an operator lists the host in ``CONVEYOR_WEBHOOK_ALLOWED_HOSTS``.

A URL is checked when it is saved (a clear 422) and again on every connection, on the very
addresses the connection is made to (``GuardedBackend``): a name that resolved outside when it
was saved and resolves inside later (DNS rebinding) is refused at delivery.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from conveyor.errors import InvalidInput


class InternalAddress(httpcore.ConnectError):
    """A connection refused because its host resolves to an internal address."""


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


def _first_internal(addresses: Iterable[str]) -> str | None:
    return next((address for address in addresses if is_internal(address)), None)


async def check_url(url: str, allowed_hosts: frozenset[str], what: str) -> None:
    """Raise InvalidInput when ``url``'s host is (or resolves to) an internal address. A name
    that does not resolve now is accepted: every connection is checked again."""
    host = (urlsplit(url).hostname or "").lower()
    if not host:
        raise InvalidInput(f"{what}: the URL names no host")
    if host in allowed_hosts:
        return
    if internal := _first_internal(await resolve(host)):
        raise InvalidInput(
            f"{what}: {host} is an internal address ({internal}); an operator may allow it "
            "with CONVEYOR_WEBHOOK_ALLOWED_HOSTS"
        )


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend that resolves each host itself, refuses internal addresses
    and connects to the address it checked (TLS still verifies the host name)."""

    def __init__(self, allowed_hosts: frozenset[str]) -> None:
        self.allowed_hosts = allowed_hosts
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if host.lower() in self.allowed_hosts:
            return await self.inner.connect_tcp(host, port, timeout, local_address, socket_options)
        addresses = await resolve(host)
        if not addresses:
            raise httpcore.ConnectError(f"{host} does not resolve")
        if internal := _first_internal(addresses):
            raise InternalAddress(
                f"{host} resolves to an internal address ({internal}); not sent "
                "(CONVEYOR_WEBHOOK_ALLOWED_HOSTS allows a host)"
            )
        failure: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not a destination for outgoing requests")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def allowed_hosts(hosts: Iterable[str]) -> frozenset[str]:
    return frozenset(host.strip().lower() for host in hosts if host.strip())


def guarded_client(allowed: frozenset[str], *, timeout: float) -> httpx.AsyncClient:
    """An HTTP client for user-chosen URLs: internal addresses refused on every connection, no
    proxies from the environment (they would connect in its place), no redirects followed."""
    transport = httpx.AsyncHTTPTransport()
    # httpx takes no network backend; its pool is rebuilt around ours, with the same defaults.
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        network_backend=GuardedBackend(allowed),
    )
    return httpx.AsyncClient(transport=transport, timeout=timeout, trust_env=False, follow_redirects=False)
