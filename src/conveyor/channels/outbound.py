"""The HTTP client for user-chosen URLs (project webhooks): ``egress``'s address rules applied
on every connection, to the addresses actually connected to."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from conveyor import egress


class InternalAddress(httpcore.ConnectError):
    """A connection refused because its host resolves to an internal address."""


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
        addresses = await egress.resolve(host)
        if not addresses:
            raise httpcore.ConnectError(f"{host} does not resolve")
        if internal := egress.first_internal(addresses):
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
