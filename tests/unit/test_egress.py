"""Internal addresses are refused for user-chosen URLs: when saved and on every connection."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from conveyor import egress
from conveyor.channels import outbound
from conveyor.errors import InvalidInput

INSIDE = [
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "0.0.0.0",
    "::1",
    "fe80::1",
    "fd00::1",
    "::ffff:127.0.0.1",
    "224.0.0.1",
]


@pytest.mark.parametrize("address", INSIDE)
def test_internal_addresses(address: str) -> None:
    assert egress.is_internal(address)


def test_public_addresses_are_not_internal() -> None:
    assert not any(egress.is_internal(a) for a in ("93.184.216.34", "2606:2800:220:1::1", "8.8.8.8"))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "https://[::1]/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/hook",
    ],
)
async def test_saving_an_internal_url_is_refused_with_the_reason(url: str) -> None:
    with pytest.raises(InvalidInput, match="internal address"):
        await egress.check_url(url, frozenset(), "url")


async def test_a_host_the_operator_allows_is_accepted() -> None:
    await egress.check_url("http://127.0.0.1:9/hook", egress.allowed_hosts([" 127.0.0.1 "]), "url")


async def test_a_name_that_resolves_inside_at_connection_time_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DNS rebinding: public when saved, loopback when the request is made. The stand-in is DNS
    (the one thing a test cannot point elsewhere); the refusal happens before any socket opens."""
    connections: list[str] = []
    server = await asyncio.start_server(lambda r, w: connections.append("connected"), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])

    async def rebinding(host: str) -> list[str]:
        return next(answers)

    monkeypatch.setattr(egress, "resolve", rebinding)
    url = f"http://hooks.example.test:{port}/hook"
    await egress.check_url(url, frozenset(), "url")  # outside when saved
    async with outbound.guarded_client(frozenset(), timeout=5) as client:
        with pytest.raises(httpx.ConnectError, match=r"internal address \(127\.0\.0\.1\)"):
            await client.post(url, content=b"{}")
    server.close()
    assert connections == []


async def test_an_allowed_host_is_reached() -> None:
    received: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.append(await reader.readuntil(b"\r\n\r\n"))
        writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with outbound.guarded_client(frozenset({"127.0.0.1"}), timeout=5) as client:
        response = await client.post(f"http://127.0.0.1:{port}/hook", content=b"{}")
    async with outbound.guarded_client(frozenset(), timeout=5) as client:
        with pytest.raises(httpx.ConnectError, match="internal address"):
            await client.post(f"http://127.0.0.1:{port}/hook", content=b"{}")
    server.close()
    assert response.status_code == 204 and len(received) == 1
