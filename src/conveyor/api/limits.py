"""Request body limits, per route, enforced before a body is read.

A body whose ``Content-Length`` is over its route's limit is answered 413 without reading a byte;
one sent without a length (chunked) is counted as it arrives and refused at the first chunk that
goes over, so no route ever holds more than its limit in memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conveyor.debug.normalize import MAX_LOG_BYTES

KIB = 1024
MIB = 1024 * KIB
DEFAULT_BODY_BYTES = 1 * MIB


@dataclass(frozen=True)
class BodyLimit:
    method: str
    path: re.Pattern[str]
    max_bytes: int


# The first match wins; everything else gets DEFAULT_BODY_BYTES.
BODY_LIMITS = (
    BodyLimit("POST", re.compile(r"/api/v1/auth/login"), 4 * KIB),
    BodyLimit("POST", re.compile(r"/api/v1/projects/[^/]+/pipelines"), 2 * MIB),
    BodyLimit("PUT", re.compile(r"/api/v1/pipelines/[^/]+"), 2 * MIB),
    # GitHub caps a delivery's payload at 25 MB.
    BodyLimit("POST", re.compile(r"/api/v1/hooks/[^/]+/[^/]+"), 25 * MIB),
    # Pasted logs: up to MAX_LOG_BYTES of text, which JSON escaping may double.
    BodyLimit("POST", re.compile(r"/api/v1/debug/(?:classify|sessions)"), 2 * MAX_LOG_BYTES + 64 * KIB),
    # Workers: a log batch (split at 1 MiB by the worker), a job's JUnit cases, and an artifact,
    # streamed into the database and cut at CONVEYOR_ARTIFACT_MAX_BYTES as it arrives.
    BodyLimit("POST", re.compile(r"/api/v1/workers/jobs/[^/]+/report"), 8 * MIB),
    BodyLimit("POST", re.compile(r"/api/v1/workers/jobs/[^/]+/tests"), 64 * MIB),
    BodyLimit("PUT", re.compile(r"/api/v1/workers/jobs/[^/]+/artifacts"), 64 * 1024 * MIB),
    # A step's scan (up to 5,000 findings per scanner) and diagram, analysed on the worker.
    BodyLimit("POST", re.compile(r"/api/v1/workers/jobs/[^/]+/scans/[^/]+/finish"), 32 * MIB),
    BodyLimit("POST", re.compile(r"/api/v1/workers/jobs/[^/]+/(?:advisories|architecture)"), 32 * MIB),
)


@lru_cache(maxsize=4096)  # every request asks: one lookup instead of up to ten regex matches
def body_limit(method: str, path: str) -> int:
    for limit in BODY_LIMITS:
        if method == limit.method and limit.path.fullmatch(path.rstrip("/")):
            return limit.max_bytes
    return DEFAULT_BODY_BYTES


def _too_large(limit: int) -> str:
    return f"the request body is larger than this route accepts ({limit} bytes)"


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope["method"], scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, limit)
            return
        await self.app(scope, _counting(receive, limit), send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _counting(receive: Receive, limit: int) -> Receive:
    received = 0

    async def counted() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                # FastAPI re-raises an HTTPException met while reading the body: a 413, not a 400.
                raise HTTPException(413, _too_large(limit))
        return message

    return counted


async def _refuse(send: Send, limit: int) -> None:
    body = b'{"detail":"' + _too_large(limit).encode() + b'"}'
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
