"""Artifacts of the jobs a job needs, restored into its workspace before its steps, streamed a
chunk at a time from the server (its database, or the worker API), checked against their SHA-256."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from conveyor.executions.claims import ArtifactSource, Claim, StoredArtifact
from conveyor.runners.link import JobLink
from conveyor.status import Status


class ArtifactError(Exception):
    pass


async def restore_artifacts(
    link: JobLink,
    claim: Claim,
    sources: list[ArtifactSource],
    workspace: Path,
    *,
    max_bytes: int,
    log: Callable[[str], None],
) -> None:
    """Every source's files into the workspace; ArtifactError when one that was asked for is
    missing, a path would leave the workspace, or they pass ``max_bytes`` together."""
    total = 0
    for source in sources:
        artifacts = await link.source_artifacts(claim, source.job_id)
        if not artifacts:
            why = (
                "nothing matched its paths"
                if source.status == Status.SUCCESS
                else f"it ended {source.status}"
            )
            message = f"artifacts of job {source.key!r} are missing: it kept none ({why})"
            if source.named:
                raise ArtifactError(message)
            log(f"artifacts: {message}")
            continue
        size = sum(artifact.size for artifact in artifacts)
        total += size
        if total > max_bytes:
            raise ArtifactError(
                f"artifacts of job {source.key!r} would pass the {max_bytes}-byte limit of a job"
            )
        for artifact in artifacts:
            await _restore(link, claim, artifact, workspace)
        log(f"artifacts: restored {len(artifacts)} file(s), {size} bytes, from job {source.key!r}")


async def _restore(link: JobLink, claim: Claim, artifact: StoredArtifact, workspace: Path) -> None:
    target = safe_target(workspace, artifact.path)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        raise ArtifactError(f"artifact {artifact.path!r} cannot be written: {exc.strerror}") from None
    digest = hashlib.sha256()
    with os.fdopen(fd, "wb") as out:
        async for chunk in link.artifact_content(claim, artifact):
            await asyncio.to_thread(out.write, chunk)
            digest.update(chunk)
    if digest.hexdigest() != artifact.sha256:
        raise ArtifactError(f"artifact {artifact.path!r} is damaged: its SHA-256 does not match")


def safe_target(workspace: Path, relative: str) -> Path:
    """Where ``relative`` goes under the workspace, its directories made; never through a link."""
    path = PurePosixPath(relative)
    if not path.parts or path.is_absolute() or ".." in path.parts:
        raise ArtifactError(f"artifact {relative!r} would be written outside the workspace")
    parent = workspace.resolve()
    for part in path.parts[:-1]:
        parent = parent / part
        if parent.is_symlink() or (parent.exists() and not parent.is_dir()):
            raise ArtifactError(f"artifact {relative!r}: {part!r} in the workspace is a link or a file")
        parent.mkdir(exist_ok=True)
    return parent / path.parts[-1]
