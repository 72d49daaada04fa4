"""The code a server-side scan reads: a clone of the project's repository at the ref or commit,
with the last commits' history for the secrets scanner."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from conveyor.security.scanners.base import ScannerError, run_tool

HISTORY_DEPTH = 21  # the secrets scanner reads the last 20 commits


class SourceError(RuntimeError):
    """The repository or ref is not there: the reason is shown on the scan."""


async def fetch(repo_url: str, *, ref: str | None, sha: str | None, dest: Path, limit: float) -> str:
    """Clone into ``dest`` and check out ``sha`` or ``ref``; the commit checked out.

    A branch or tag is cloned with only the history the secrets scanner reads (a huge repository
    costs its last commits, not its whole past); a commit, or a ref a shallow clone cannot name,
    takes a full clone."""
    if sha is None and ref is not None and await _shallow(repo_url, ref, dest, limit):
        return (await run_tool(["git", "rev-parse", "HEAD"], cwd=dest, limit=limit)).decode().strip()
    try:
        await run_tool(
            ["git", "clone", "--quiet", "--no-checkout", "--", repo_url, str(dest)],
            cwd=dest.parent,
            limit=limit,
        )
    except ScannerError as exc:
        raise SourceError(f"cannot clone the repository: {exc}") from None
    target = sha or await _resolve(dest, ref, limit)
    try:
        await run_tool(["git", "checkout", "--quiet", "--detach", target], cwd=dest, limit=limit)
        return (await run_tool(["git", "rev-parse", "HEAD"], cwd=dest, limit=limit)).decode().strip()
    except ScannerError as exc:
        raise SourceError(f"cannot check out {target}: {exc}") from None


async def _resolve(repo: Path, ref: str | None, limit: float) -> str:
    if ref is None:
        candidates = ["HEAD"]
    else:
        short = ref.removeprefix("refs/heads/").removeprefix("refs/tags/")
        candidates = [f"origin/{short}", f"refs/tags/{short}", ref]
    for candidate in candidates:
        try:
            out = await run_tool(
                ["git", "rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}"], cwd=repo, limit=limit
            )
            return out.decode().strip()
        except ScannerError:
            continue
    raise SourceError(f"ref {ref!r} not found in the repository")


async def _shallow(repo_url: str, ref: str, dest: Path, limit: float) -> bool:
    url = await asyncio.to_thread(_clone_url, repo_url)
    short = ref.removeprefix("refs/heads/").removeprefix("refs/tags/")
    args = ["git", "clone", "--quiet", f"--depth={HISTORY_DEPTH}", "--branch", short, "--", url, str(dest)]
    try:
        await run_tool(args, cwd=dest.parent, limit=limit)
        return True
    except ScannerError:
        await asyncio.to_thread(shutil.rmtree, dest, ignore_errors=True)
        return False


def _clone_url(repo_url: str) -> str:
    """A local path as a file:// URL: git ignores --depth in a plain local clone."""
    path = Path(repo_url)
    return f"file://{path.resolve()}" if "://" not in repo_url and path.exists() else repo_url
