"""A minimal HTTP/1.1 client for the fan-out benchmark's publisher: POST JSON on kept-alive
connections, read the status and the body, nothing else.

httpx costs ~2 ms of CPU per POST (measured: the publisher at 9-15 % of a core at 50 POSTs/s),
on the core the benchmark's clients share with it: every millisecond it takes is one the
clients lose, for every server alike. This one costs a few tens of µs.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit

MAX_CONNECTIONS = 64


class PostError(Exception):
    pass


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def post(self, head: bytes, body: bytes) -> tuple[int, bytes]:
        self.writer.write(head + body)
        status_line, headers = await self._head()
        status = int(status_line.split(b" ", 2)[1])
        if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            return status, await self._chunked()
        return status, await self.reader.readexactly(int(headers.get(b"content-length", b"0")))

    async def _head(self) -> tuple[bytes, dict[bytes, bytes]]:
        block = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *lines = block[:-4].split(b"\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        return status_line, headers

    async def _chunked(self) -> bytes:
        body = b""
        while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
            body += await self.reader.readexactly(size)
            await self.reader.readexactly(2)
        await self.reader.readuntil(b"\r\n")
        return body

    def close(self) -> None:
        self.writer.close()


class Poster:
    """POSTs to one server; each request on an idle kept-alive connection, or a new one."""

    def __init__(self, base_url: str, token: str | None) -> None:
        address = urlsplit(base_url)
        self.host, self.port = address.hostname or "127.0.0.1", address.port or 80
        self.authorization = f"Authorization: Bearer {token}\r\n" if token else ""
        self.idle: list[_Connection] = []

    async def post(self, path: str, document: Any) -> Any:
        body = json.dumps(document).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{self.authorization}"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        for attempt in range(3):
            connection = self.idle.pop() if self.idle else await self._connect()
            try:
                status, reply = await connection.post(head, body)
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                # A kept-alive connection the server closed as it was reused (its keep-alive
                # timer): a new one. A duplicate, if the server did take it, shows in `dup`.
                connection.close()
                if attempt == 2:
                    raise
                continue
            if len(self.idle) < MAX_CONNECTIONS:
                self.idle.append(connection)
            else:
                connection.close()
            if status >= 300:
                raise PostError(f"POST {path}: {status} {reply[:200]!r}")
            return json.loads(reply) if reply else None
        raise AssertionError("unreachable")

    async def _connect(self) -> _Connection:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        return _Connection(reader, writer)

    def close(self) -> None:
        while self.idle:
            self.idle.pop().close()
