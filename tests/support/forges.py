"""A local stand-in for the commit status APIs of GitHub and GitLab, checking each request as
their documentation describes it:

- GitHub: ``POST /repos/{owner}/{repo}/statuses/{sha}`` with ``Authorization: Bearer <token>``
  and ``{state: error|failure|pending|success, target_url?, description?, context?}`` -> 201;
- GitLab: ``POST /api/v4/projects/{id or url-encoded path}/statuses/{sha}`` with
  ``PRIVATE-TOKEN: <token>`` and ``{state: pending|running|success|failed|canceled, ref?, name?,
  target_url?, description?}`` -> 201.

A request that breaks the documented shape is answered 422 (and recorded, so a test sees it).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

GITHUB_STATES = {"error", "failure", "pending", "success"}
GITLAB_STATES = {"pending", "running", "success", "failed", "canceled"}
_SHA = r"[0-9a-f]{40}"


@dataclass
class StatusCall:
    forge: str
    method: str
    raw_path: str
    headers: dict[str, str]
    body: dict[str, Any]
    answered: int


@dataclass
class ForgeStandIn:
    token: str
    url: str = ""
    calls: asyncio.Queue[StatusCall] = field(default_factory=asyncio.Queue)
    fail_next: int = 0  # answer this many calls 502, as a forge having a bad moment

    async def next_call(self, timeout: float = 10) -> StatusCall:
        return await asyncio.wait_for(self.calls.get(), timeout)


def _github_problem(request: web.Request, body: Any, token: str) -> tuple[int, str] | None:
    if request.headers.get("Authorization") != f"Bearer {token}":
        return 401, "Bad credentials"
    if not isinstance(body, dict) or body.get("state") not in GITHUB_STATES:
        return 422, "state must be one of error, failure, pending, success"
    if len(str(body.get("description", ""))) > 140 or not isinstance(body.get("context", ""), str):
        return 422, "description is at most 140 characters; context is text"
    return None


def _gitlab_problem(request: web.Request, body: Any, token: str) -> tuple[int, str] | None:
    if request.headers.get("PRIVATE-TOKEN") != token:
        return 401, "401 Unauthorized"
    if not isinstance(body, dict) or body.get("state") not in GITLAB_STATES:
        return 400, "state does not have a valid value"
    return None


@asynccontextmanager
async def forge_stand_in(token: str) -> AsyncIterator[ForgeStandIn]:
    stand_in = ForgeStandIn(token)

    async def handle(request: web.Request) -> web.Response:
        raw = request.raw_path
        forge = "github" if re.fullmatch(rf"/repos/[^/]+/[^/]+/statuses/{_SHA}", raw) else "gitlab"
        if forge == "gitlab" and not re.fullmatch(rf"/api/v4/projects/[^/]+/statuses/{_SHA}", raw):
            return web.json_response({"message": "Not Found"}, status=404)
        try:
            body = json.loads(await request.read())
        except ValueError:
            body = None
        check = _github_problem if forge == "github" else _gitlab_problem
        problem = check(request, body, stand_in.token)
        if stand_in.fail_next and problem is None:
            stand_in.fail_next -= 1
            problem = (502, "Bad Gateway")
        code = problem[0] if problem else 201
        call = StatusCall(forge, request.method, raw, dict(request.headers), body, code)
        await stand_in.calls.put(call)
        if problem:
            return web.json_response({"message": problem[1]}, status=code)
        return web.json_response({"id": stand_in.calls.qsize(), **body}, status=201)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    stand_in.url = f"http://127.0.0.1:{port}"
    try:
        yield stand_in
    finally:
        await runner.cleanup()
