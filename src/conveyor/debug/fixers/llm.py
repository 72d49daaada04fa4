"""The fixer of last resort: an LLM behind an OpenAI-compatible ``/chat/completions`` endpoint.

It is given the diagnosis, the error excerpts and the repository files they name, and asked for
a unified diff. The diff is offered only if it names repository files alone and applies cleanly
to the failed commit; an endpoint that is down, slow or answers nonsense gives no patch (and
the session goes on without it).
"""

from __future__ import annotations

import re

import structlog

from conveyor.config import Settings
from conveyor.debug.fixers.base import FixContext, Proposal
from conveyor.debug.git import GitError, git
from conveyor.debug.schemas import PatchTarget

log = structlog.get_logger(__name__)
MAX_FILE_CHARS = 20_000
MAX_FILES = 5
MAX_EXCERPT_CHARS = 4_000
DIFF_BLOCK = re.compile(r"```(?:diff|patch)?\s*\n(.*?)```", re.DOTALL)
SYSTEM = (
    "You fix failing CI builds. Answer with one short paragraph explaining the cause, then the fix "
    "as a unified diff (paths relative to the repository root, a/ and b/ prefixes) in a ```diff block. "
    "Change only what the fix needs."
)


class LlmFixer:
    name = "llm"

    def __init__(self, url: str, model: str, api_key: str | None, timeout: float) -> None:
        self.url, self.model, self.api_key, self.timeout = url, model, api_key, timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> LlmFixer:
        assert settings.llm_url is not None
        return cls(settings.llm_url, settings.llm_model, settings.llm_api_key, settings.llm_timeout_seconds)

    async def propose(self, ctx: FixContext) -> Proposal | None:
        import httpx  # only when a model is asked: runners import this module

        if ctx.repo is None:
            return None
        try:
            answer = await self._ask(prompt(ctx))
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
            log.warning("llm fixer: no usable answer", error=type(exc).__name__)
            return None
        block = DIFF_BLOCK.search(answer)
        if block is None:
            return None
        diff = block.group(1) if block.group(1).endswith("\n") else block.group(1) + "\n"
        try:
            await git("apply", "--whitespace=nowarn", "-", cwd=ctx.repo, stdin=diff.encode())
        except GitError:
            return None
        explanation = DIFF_BLOCK.sub("", answer).strip()[:1000] or "The model proposed this change."
        return Proposal(self.name, PatchTarget.REPOSITORY, f"{explanation} ({self.model})", 0.5)

    async def _ask(self, content: str) -> str:
        import httpx

        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        body = {
            "model": self.model,
            "temperature": 0,
            "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": content}],
        }
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            response = await client.post(
                f"{self.url.rstrip('/')}/chat/completions", json=body, headers=headers
            )
            response.raise_for_status()
            text = response.json()["choices"][0]["message"]["content"]
        if not isinstance(text, str):
            raise TypeError("the answer's content is not text")
        return text


def prompt(ctx: FixContext) -> str:
    parts = [f"The CI run failed. Probable cause: {ctx.label or 'unknown'}."]
    for located in ctx.errors[:5]:
        error = located.error
        where = f" ({error.file}:{error.line})" if error.file else ""
        parts.append(f"Error{where}: {error.message}\n{error.excerpt[:MAX_EXCERPT_CHARS]}")
    if not ctx.errors:
        parts.append("End of the log:\n" + ctx.log[-MAX_EXCERPT_CHARS:])
    named = dict.fromkeys(e.error.file for e in ctx.errors if e.error.file)
    for name in [n for n in named if n and ctx.repo_file(n)][:MAX_FILES]:
        path = ctx.repo_file(name)
        assert path is not None
        parts.append(f"File {name}:\n```\n{path.read_text(errors='replace')[:MAX_FILE_CHARS]}\n```")
    return "\n\n".join(parts)
