"""Lint and format failures: ``ruff check --fix`` of the rules the log reports and, for a format
check, ``ruff format``, on the Python files the log names only.

A lint failure gets only the fixes of the violations the log shows (``--select`` the codes it
names), so code the failing check did not complain about stays as it is; whole files are
reformatted only when the failing check was a format check that named them.
"""

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
# Files a format check wants rewritten: ruff format --check / black --check.
REFORMAT = re.compile(r"^\s*(?:[Ww]ould reformat:?)\s+([\w./-]+\.pyi?)\s*$", re.M)
# Rule codes as ruff, flake8 and pylint print them: "a.py:1:8: F401 ...", "F401 [*] ...".
RULE_CODE = re.compile(r"(?:^|:\d+: |^\s*)([A-Z]{1,4}\d{2,4})\b(?= |\s*\[\*\])", re.M)


class RuffFixer:
    name = "ruff"

    async def propose(self, ctx: FixContext) -> Proposal | None:
        if ctx.label != "lint_format" or ctx.repo is None:
            return None
        named = {e.error.file for e in ctx.errors if e.error.file} | set(LOCATION.findall(ctx.log))
        files = _in_repo(ctx, named)
        reformat = _in_repo(ctx, set(REFORMAT.findall(ctx.log)))
        linted = [name for name in files if name not in reformat]
        codes = sorted(set(RULE_CODE.findall(ctx.log)))
        done = []
        if linted and codes:
            await _ruff(
                ctx,
                "check",
                "--fix",
                "--exit-zero",
                "--quiet",
                "--no-cache",
                "--select",
                ",".join(codes),
                *linted,
            )
            done.append(f"ruff check --fix --select {','.join(codes)} on {', '.join(linted)}")
        if reformat:
            await _ruff(ctx, "format", "--quiet", "--no-cache", *reformat)
            done.append(f"ruff format on {', '.join(reformat)}")
        if not done:
            return None
        return Proposal(
            self.name,
            PatchTarget.REPOSITORY,
            "; ".join(done) + ", with the repository's own settings; nothing else is changed.",
            0.9,
        )


def _in_repo(ctx: FixContext, names: set[str | None]) -> list[str]:
    return sorted(n for n in names if n and n.endswith((".py", ".pyi")) and ctx.repo_file(n))


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
