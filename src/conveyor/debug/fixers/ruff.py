"""Lint and format failures: ``ruff check --fix`` and ``ruff format`` on the Python files the log names."""

from __future__ import annotations

import asyncio
import re
import sys

from conveyor.debug.fixers.base import FixContext, Proposal
from conveyor.debug.schemas import PatchTarget

RUFF_TIMEOUT_SECONDS = 60
# Where linters and formatters name files: "a.py:1:8: F401", " --> a.py:1:8", "Would reformat: a.py".
LOCATION = re.compile(
    r"^\s*(?:-->\s*|Would reformat:\s*|error: cannot format\s*)?([\w./-]+\.pyi?)(?=:\d|\s*$)", re.M
)


class RuffFixer:
    name = "ruff"

    async def propose(self, ctx: FixContext) -> Proposal | None:
        if ctx.label != "lint_format" or ctx.repo is None:
            return None
        named = {e.error.file for e in ctx.errors if e.error.file} | set(LOCATION.findall(ctx.log))
        files = sorted(
            name for name in named if name and name.endswith((".py", ".pyi")) and ctx.repo_file(name)
        )
        if not files:
            return None
        await _ruff(ctx, "check", "--fix", "--exit-zero", "--quiet", "--no-cache", *files)
        await _ruff(ctx, "format", "--quiet", "--no-cache", *files)
        return Proposal(
            self.name,
            PatchTarget.REPOSITORY,
            f"ruff check --fix and ruff format on {', '.join(files)}, with the repository's own settings.",
            0.9,
        )


async def _ruff(ctx: FixContext, *args: str) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ruff",
        *args,
        cwd=ctx.repo,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await asyncio.wait_for(process.wait(), RUFF_TIMEOUT_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()
