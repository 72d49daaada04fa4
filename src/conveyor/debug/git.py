"""The git CLI for the debugging loop: clones to propose patches in, commits and pushes to apply them."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

GIT_TIMEOUT_SECONDS = 120
_ENV = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_ASKPASS": "true",
    "GIT_AUTHOR_NAME": "Conveyor",
    "GIT_AUTHOR_EMAIL": "conveyor@localhost",
    "GIT_COMMITTER_NAME": "Conveyor",
    "GIT_COMMITTER_EMAIL": "conveyor@localhost",
    "GIT_CONFIG_NOSYSTEM": "1",
}


class GitError(Exception):
    pass


async def git(*args: str, cwd: Path | None = None, stdin: bytes | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")} | _ENV
    process = await asyncio.create_subprocess_exec(
        "git",
        *args,
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(stdin), GIT_TIMEOUT_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise GitError(f"git {args[0]} took longer than {GIT_TIMEOUT_SECONDS}s") from None
    if process.returncode != 0:
        raise GitError(f"git {args[0]} failed: {err.decode(errors='replace').strip()[:2000]}")
    return out.decode(errors="replace")


async def clone_at(url: str, commit: str | None, dest: Path) -> str:
    """A working copy of ``url`` at ``commit`` (its default branch when None); returns HEAD."""
    await git("clone", "--quiet", "--no-checkout", url, str(dest))
    await git("checkout", "--quiet", "--detach", commit or "HEAD", cwd=dest)
    return (await git("rev-parse", "HEAD", cwd=dest)).strip()


async def diff(repo: Path) -> str:
    """Every change of the working copy (new files and mode changes included), as a unified diff."""
    await git("add", "--all", cwd=repo)
    return await git("diff", "--cached", "--binary", cwd=repo)


async def reset(repo: Path) -> None:
    await git("reset", "--quiet", "--hard", cwd=repo)
    await git("clean", "--quiet", "-fdx", cwd=repo)
