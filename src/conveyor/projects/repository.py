"""Is a project's repository reachable? Asked when a project is saved, so a bad path or URL is
refused then rather than at the first run: ``git ls-remote`` with no prompt, a timeout, and
only the transports a run's checkout may use. Also: which commit a ref names, when a run starts."""

from __future__ import annotations

import asyncio
import os
import tempfile
from dataclasses import dataclass

from conveyor.errors import InvalidInput

TIMEOUT_SECONDS = 20.0
MAX_COMMIT_MESSAGE_CHARS = 4000  # as an execution stores it
GIT_ENV = {
    **{
        name: value for name, value in os.environ.items() if name in {"PATH", "HOME", "LANG", "SSL_CERT_FILE"}
    },
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_ALLOW_PROTOCOL": "file:git:http:https:ssh",
    "GIT_SSH_COMMAND": "ssh -o BatchMode=yes -o ConnectTimeout=10",
}


async def check_repository(url: str, branch: str) -> None:
    """Raise InvalidInput (a sentence) unless ``url`` answers and, if it has branches, has ``branch``."""
    if url.startswith("-"):
        raise InvalidInput(f"the repository {url!r} is not a path or URL git can clone")
    process = await asyncio.create_subprocess_exec(
        "git", "ls-remote", "--heads", "--", url,
        env=GIT_ENV, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            out, err = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise InvalidInput(f"the repository {url} did not answer within {TIMEOUT_SECONDS:.0f} s") from None
    if process.returncode != 0:
        reason = err.decode(errors="replace").strip().splitlines()
        raise InvalidInput(
            f"the repository {url} cannot be reached: {reason[-1] if reason else 'git failed'}"
        )
    heads = {
        line.split("\t", 1)[1].removeprefix("refs/heads/")
        for line in out.decode().splitlines()
        if "\t" in line
    }
    if heads and branch not in heads:
        known = ", ".join(sorted(heads)[:5])
        raise InvalidInput(f"the repository {url} has no branch {branch!r} (it has {known})")


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    message: str
    author: str


async def describe_commit(url: str, ref: str) -> CommitInfo | None:
    """The commit ``ref`` (a branch, tag or full ref) names in the repository at ``url``, with its
    message and author: one shallow fetch into a scratch directory. None when the repository or
    the ref cannot be read (the run then resolves its commit at checkout, as before)."""
    if url.startswith("-") or ref.startswith("-"):
        return None
    with tempfile.TemporaryDirectory(prefix="conveyor-ref-") as scratch:
        steps = (
            ("init", "--quiet", "--bare", scratch),
            ("-C", scratch, "fetch", "--quiet", "--depth=1", "--no-tags", "--", url, ref),
            ("-C", scratch, "log", "-1", "--format=%H%x00%an%x00%B", "FETCH_HEAD"),
        )
        for args in steps[:-1]:
            if await _git_output(*args) is None:
                return None
        out = await _git_output(*steps[-1])
    if out is None:
        return None
    sha, author, message = out.decode(errors="replace").split("\0", 2)
    return CommitInfo(sha.strip(), message.strip()[:MAX_COMMIT_MESSAGE_CHARS], author.strip()[:255])


async def _git_output(*args: str) -> bytes | None:
    process = await asyncio.create_subprocess_exec(
        "git", *args, env=GIT_ENV, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            out, _ = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        return None
    return out if process.returncode == 0 else None
