"""Every request body has a limit, enforced before the body is read."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest

from conveyor.api.limits import body_limit
from tests.support.server import RunningServer

MIB = 1024 * 1024


async def _exchange(server: RunningServer, head: str, body_chunks: list[bytes]) -> bytes:
    """Send ``head`` and ``body_chunks`` (never completing a body that is longer) and read the
    answer: a server that waits for the rest of the body never answers."""
    url = urlsplit(server.base_url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    try:
        writer.write(head.encode())
        for chunk in body_chunks:
            writer.write(chunk)
        await writer.drain()
        return await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    finally:
        writer.close()


@pytest.mark.parametrize(
    ("path", "declared"),
    [
        ("/api/v1/auth/login", 100 * MIB),
        ("/api/v1/hooks/github/some-project", 26 * MIB),
        ("/api/v1/projects/p/pipelines", 3 * MIB),
        ("/api/v1/projects", 2 * MIB),
    ],
)
async def test_a_declared_length_over_the_limit_is_refused_unread(
    server: RunningServer, path: str, declared: int
) -> None:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        f"Content-Length: {declared}\r\n\r\n"
    )
    answer = await _exchange(server, head, [b"{"])
    assert answer.startswith(b"HTTP/1.1 413 "), answer


async def test_a_chunked_body_is_cut_off_at_the_limit(server: RunningServer) -> None:
    head = (
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"400\r\n" + b" " * 1024 + b"\r\n"  # the final zero-length chunk is never sent
    answer = await _exchange(server, head, [chunk] * 8)
    assert answer.startswith(b"HTTP/1.1 413 "), answer


async def test_bodies_within_their_limit_are_served(server: RunningServer) -> None:
    async with server.api() as client:
        login = await client.post(
            "/api/v1/auth/login", json={"username": "admin", "password": "wrong", "pad": "x" * 3000}
        )
    assert login.status_code == 401
    assert body_limit("POST", "/api/v1/auth/login") == 4 * 1024
    assert body_limit("POST", "/api/v1/hooks/github/p") == 25 * MIB
    assert body_limit("PUT", "/api/v1/pipelines/p") == 2 * MIB
    assert body_limit("POST", "/api/v1/projects") == MIB
