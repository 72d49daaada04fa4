"""A local HTTP server speaking the OpenAI ``/v1/chat/completions`` protocol, for the LLM fixer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

Answer = Callable[[dict[str, Any]], str | None]  # None: never answer (a slow endpoint)


@dataclass
class FakeLlm:
    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)


def completion(content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "model": "test-model",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
    }


@asynccontextmanager
async def fake_llm(answer: Answer, *, raw: bool = False) -> AsyncIterator[FakeLlm]:
    """``answer`` gets the request body; its text is the reply's content (or, ``raw``, the body)."""
    never = asyncio.Event()
    server = FakeLlm(url="")

    async def chat(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        server.requests.append(body)
        server.headers.append(dict(request.headers))
        content = answer(body)
        if content is None:
            await never.wait()
        if raw:
            return web.Response(text=content, content_type="application/json")
        return web.json_response(completion(content or ""))

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    server.url = f"http://127.0.0.1:{port}/v1"
    try:
        yield server
    finally:
        never.set()
        await runner.cleanup()
