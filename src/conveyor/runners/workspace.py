"""Where a job runs: checkout of the requested ref, a clean environment, and its artifacts."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

from conveyor.executions.claims import ArtifactFile, Claim

# Variables a job inherits from the runner's own environment; everything else stays out.
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "USER", "LOGNAME", "SHELL", "TMPDIR", "TERM")
RESERVED_PREFIX = "CONVEYOR_"
MAX_ARTIFACT_PATH_CHARS = 1000  # as stored


class CheckoutError(Exception):
    pass


def base_env() -> dict[str, str]:
    return {name: os.environ[name] for name in INHERITED if name in os.environ}


def job_env(claim: Claim, workspace: Path, secrets: Mapping[str, str]) -> dict[str, str]:
    """The job's environment: inherited basics, CI variables, project secrets, then the YAML's env.

    Secrets named ``CONVEYOR_*`` are Conveyor's own (the webhook secret) and never reach jobs.
    """
    env = base_env()
    env.update(
        CI="true",
        CI_PIPELINE_ID=claim.pipeline_id,
        CI_EXECUTION_ID=claim.execution_id,
        CI_EXECUTION_NUMBER=str(claim.number),
        CI_JOB_ID=claim.job_id,
        CI_JOB_NAME=claim.key,
        CI_PROJECT_DIR=str(workspace),
    )
    if claim.ref:
        env["CI_COMMIT_REF_NAME"] = claim.ref
    env.update({k: v for k, v in secrets.items() if not k.startswith(RESERVED_PREFIX)})
    env.update(
        {f"MATRIX_{axis.upper().replace('-', '_')}": value for axis, value in claim.plan.matrix.items()}
    )
    env.update(claim.plan.env)
    return env


async def _git(*args: str, cwd: Path | None = None) -> str:
    # Only these transports, for the clone and any submodule: never ext:: (runs a command).
    env = {
        **base_env(),
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "true",
        "GIT_ALLOW_PROTOCOL": "https:ssh:git:file",
    }
    process = await asyncio.create_subprocess_exec(
        "git",
        *args,
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        raise CheckoutError(f"git {args[0]} failed: {err.decode(errors='replace').strip()}")
    return out.decode().strip()


async def checkout(repo_url: str, *, ref: str | None, sha: str | None, dest: Path) -> str:
    """Clone ``repo_url`` into ``dest`` and check out ``sha`` (or ``ref``); return the commit."""
    fresh_directory(dest, create=False)
    # no hard links to a local repository's objects: a sandboxed job's workspace is handed to its uid
    await _git("clone", "--quiet", "--no-checkout", "--no-hardlinks", "--", repo_url, str(dest))
    if (
        sha
        and ref
        and ref.startswith("refs/")
        and not sha.startswith("-")
        and not await _has_commit(dest, sha)
    ):
        # a pull request's commit (from a fork, say) lives under a ref a clone does not fetch
        await _git("fetch", "--quiet", "--no-tags", "origin", f"+{ref}:{ref}", cwd=dest)
    target = sha or await _resolve(dest, ref)
    if target.startswith("-"):  # never an option to git (checkout takes no --end-of-options)
        raise CheckoutError(f"{target!r} is not a commit")
    await _git("checkout", "--quiet", "--detach", target, cwd=dest)
    return await _git("rev-parse", "HEAD", cwd=dest)


async def _has_commit(repo: Path, sha: str) -> bool:
    try:
        await _git("cat-file", "-e", "--end-of-options", f"{sha}^{{commit}}", cwd=repo)
    except CheckoutError:
        return False
    return True


def fresh_directory(path: Path, *, create: bool = True) -> None:
    """Remove ``path`` if it exists; create it (or only its parent)."""
    if path.exists():
        shutil.rmtree(path)
    (path if create else path.parent).mkdir(parents=True, exist_ok=True)


async def _resolve(repo: Path, ref: str | None) -> str:
    if ref is None:
        return await _git("rev-parse", "--verify", "HEAD^{commit}", cwd=repo)
    short = ref.removeprefix("refs/heads/")
    for candidate in (f"origin/{short}", ref, f"refs/tags/{ref.removeprefix('refs/tags/')}"):
        try:
            return await _git(
                "rev-parse", "--verify", "--quiet", "--end-of-options", f"{candidate}^{{commit}}", cwd=repo
            )
        except CheckoutError:
            continue
    raise CheckoutError(f"ref {ref!r} not found in the repository")


def collect_artifacts(
    workspace: Path, patterns: list[str], *, max_bytes: int, warn: Callable[[str], None]
) -> list[ArtifactFile]:
    """Files under ``workspace`` matching the globs (directories taken whole), within a size budget."""
    root = workspace.resolve()
    found: dict[str, Path] = {}
    for pattern in patterns:
        matches = sorted(root.glob(pattern.lstrip("/")))
        if not matches:
            warn(f"artifacts: nothing matches {pattern!r}")
        for match in matches:
            for path in sorted(match.rglob("*")) if match.is_dir() else [match]:
                resolved = path.resolve()
                if path.is_file() and resolved.is_relative_to(root):
                    # the resolved path: a pattern such as ../** never stores a name with ".."
                    found.setdefault(resolved.relative_to(root).as_posix(), resolved)
    files, total = [], 0
    for relative, path in found.items():
        if len(relative) > MAX_ARTIFACT_PATH_CHARS:
            limit = MAX_ARTIFACT_PATH_CHARS
            warn(f"artifacts: {relative[:60]}... skipped, its path is over {limit} characters")
            continue
        size = path.stat().st_size
        if total + size > max_bytes:
            warn(f"artifacts: {relative} skipped, over the {max_bytes}-byte limit")
            continue
        total += size
        files.append(ArtifactFile(relative, path, size))
    return files
