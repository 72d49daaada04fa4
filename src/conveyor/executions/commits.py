"""Starting a pipeline at a commit: a repository pipeline runs its file as that commit has it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.db import get_or_404
from conveyor.errors import Conflict
from conveyor.events.bus import EventBus
from conveyor.executions import runs
from conveyor.executions.executor import Executor
from conveyor.executions.service import Trigger
from conveyor.executions.sqlstore import SqlTx
from conveyor.executions.store import ExecutionState
from conveyor.pipelines.models import Pipeline, PipelineSource
from conveyor.pipelines.repository import RepositoryMirrors
from conveyor.pipelines.sources import PipelineAtCommit, pipelines_at_commit
from conveyor.projects.models import Project


async def start_pipeline(
    *,
    session: AsyncSession,
    bus: EventBus,
    executor: Executor,
    mirrors: RepositoryMirrors,
    pipeline: Pipeline,
    actor_id: str | None,
    trigger: Trigger,
    ref: str | None = None,
    commit_sha: str | None = None,
    commit_message: str | None = None,
    commit_author: str | None = None,
    inputs: dict[str, Any] | None = None,
) -> ExecutionState:
    """Start one pipeline by hand or on schedule. One from the repository runs its file as it is
    at the commit ``ref`` (default: the default branch) names now; 409 when that commit has no
    such file, 422 when the ref does not exist."""
    if pipeline.source != PipelineSource.REPOSITORY:
        return await runs.start_execution(
            SqlTx(session, bus), executor=executor, pipeline=pipeline,
            actor_id=actor_id, trigger=trigger, ref=ref, commit_sha=commit_sha,
            commit_message=commit_message, commit_author=commit_author, inputs=inputs,
        )  # fmt: skip
    project = await get_or_404(session, Project, pipeline.project_id, "project")
    if not project.repo_url:
        raise Conflict(f"{pipeline.path} comes from the repository, and the project has none now")
    branch = ref or project.default_branch
    sha = await mirrors.resolve(project.repo_url, branch)
    message, author = await mirrors.describe(project.repo_url, sha)
    found = await pipelines_at_commit(
        session=session, bus=bus, mirrors=mirrors, project=project, sha=sha,
        on_default_branch=branch.removeprefix("refs/heads/") == project.default_branch,
    )  # fmt: skip
    at_commit = next((item for item in found if item.pipeline.id == pipeline.id), None)
    if at_commit is None:
        raise Conflict(f"{pipeline.path} does not exist at {branch} (commit {sha[:12]})")
    return await runs.start_execution(
        SqlTx(session, bus), executor=executor, pipeline=pipeline, actor_id=actor_id,
        trigger=trigger, ref=branch.removeprefix("refs/heads/"), commit_sha=sha,
        commit_message=message, commit_author=author, inputs=inputs, at_commit=at_commit,
    )  # fmt: skip


async def pipelines_of_commit(
    *,
    session: AsyncSession,
    bus: EventBus,
    mirrors: RepositoryMirrors,
    project_id: str,
    sha: str,
    branch: str | None,
) -> list[PipelineAtCommit]:
    """Every pipeline a pushed commit has: the API's, and its files (the API's alone, with a
    warning in the server log, when the commit cannot be fetched)."""
    project = await get_or_404(session, Project, project_id, "project")
    return await pipelines_at_commit(
        session=session, bus=bus, mirrors=mirrors, project=project, sha=sha,
        on_default_branch=branch == project.default_branch, strict=False,
    )  # fmt: skip
