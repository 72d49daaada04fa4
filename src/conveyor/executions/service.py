"""Executions for the routes and the server's loops: start, cancel and re-run them in the caller's
session (the engine's ``runs`` on ``SqlTx``), decide approvals, and read them back."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from conveyor.auth.principal import Principal
from conveyor.auth.roles import Role
from conveyor.db import get_or_404
from conveyor.errors import Conflict, NotFound
from conveyor.events.bus import EventBus
from conveyor.executions import approvals, runs
from conveyor.executions.dag import advance
from conveyor.executions.executor import Executor
from conveyor.executions.models import Artifact, Execution, TestResult
from conveyor.executions.runs import PullRequestRun as PullRequestRun
from conveyor.executions.runs import Trigger as Trigger
from conveyor.executions.schemas import ExecutionSummary, TestReport, TestResultRead, TestSummary
from conveyor.executions.sqlstore import SqlTx
from conveyor.executions.state import jobs_of
from conveyor.executions.store import ExecutionState
from conveyor.executions.updates import artifact_content as artifact_content  # the routes' way to it
from conveyor.pipelines import service as pipelines_service
from conveyor.pipelines.models import Pipeline
from conveyor.projects.access import require_in_project
from conveyor.projects.models import Project, ProjectMember
from conveyor.projects.repository import CommitInfo, describe_commit
from conveyor.status import TERMINAL


async def resolve_commit(session: AsyncSession, project_id: str, ref: str | None) -> CommitInfo | None:
    """The commit ``ref`` (default: the default branch) names now in the project's repository;
    None without a repository or when it cannot be read."""
    project = await session.get(Project, project_id)
    if project is None or not project.repo_url:
        return None
    return await describe_commit(project.repo_url, ref or project.default_branch)


async def cancel_execution(
    *,
    session: AsyncSession,
    bus: EventBus,
    executor: Executor,
    execution: ExecutionState,
    actor_id: str | None = None,
) -> ExecutionState:
    """``runs.cancel_execution`` in the caller's session."""
    return await runs.cancel_execution(
        SqlTx(session, bus), executor=executor, execution=execution, actor_id=actor_id
    )


async def retry_execution(
    *,
    session: AsyncSession,
    bus: EventBus,
    executor: Executor,
    execution: ExecutionState,
    actor_id: str | None,
) -> ExecutionState:
    """``runs.retry_execution`` in the caller's session."""
    return await runs.retry_execution(
        SqlTx(session, bus), executor=executor, execution=execution, actor_id=actor_id
    )


async def decide_approval(
    *,
    session: AsyncSession,
    bus: EventBus,
    executor: Executor,
    execution: Execution,
    actor: Principal,
    approve: bool,
    comment: str | None,
) -> Execution:
    """A maintainer's decision on the jobs waiting for approval: approved ones run, rejected ones
    are cancelled (and the jobs needing them skipped)."""
    tx = SqlTx(session, bus)
    execution = await tx.lock_execution(execution.id)
    await tx.commit(*await approvals.record_decision(tx, execution, actor, approve=approve, comment=comment))
    await executor.dispatch(await advance(tx, execution.id))
    return execution


async def require_execution(
    session: AsyncSession, principal: Principal, execution_id: str, needed: Role = Role.VIEWER
) -> Execution:
    """The execution, if the principal holds ``needed`` in its project; 404 for non-members."""
    execution = await get_or_404(session, Execution, execution_id, "execution")
    await require_in_project(
        session, principal, execution.project_id, needed, what=f"execution {execution_id}"
    )
    return execution


async def delete_pipeline(*, session: AsyncSession, bus: EventBus, pipeline: Pipeline) -> None:
    """Delete a pipeline and its finished executions; refused while one is in progress."""
    active = select(Execution.id).where(
        Execution.pipeline_id == pipeline.id, Execution.status.not_in(sorted(TERMINAL))
    )
    if (await session.execute(active.limit(1))).first() is not None:
        raise Conflict("the pipeline has executions in progress; cancel them first")
    await pipelines_service.delete_pipeline(session=session, bus=bus, pipeline=pipeline)


async def list_executions(session: AsyncSession, pipeline_id: str, *, limit: int) -> list[Execution]:
    statement = (
        select(Execution)
        .where(Execution.pipeline_id == pipeline_id)
        .order_by(Execution.number.desc())
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars())


_Other = aliased(Execution)
_SUMMARY_COLUMNS = [
    Execution.id,
    Execution.pipeline_id,
    Pipeline.name.label("pipeline_name"),
    Execution.project_id,
    Project.name.label("project_name"),
    Execution.number,
    Execution.status,
    Execution.trigger,
    Execution.ref,
    Execution.commit_sha,
    Execution.commit_message,
    Execution.commit_author,
    Execution.pull_request,
    Execution.pull_request_title,
    Execution.base_ref,
    Execution.head_ref,
    Execution.created_at,
    Execution.started_at,
    Execution.finished_at,
]


async def recent_executions(
    session: AsyncSession, principal: Principal, *, limit: int, latest: bool
) -> list[ExecutionSummary]:
    """The newest runs in the caller's projects (every project for admins); with ``latest``,
    only the newest run of each pipeline on each ref."""
    statement = (
        select(*_SUMMARY_COLUMNS)
        .join(Pipeline, Pipeline.id == Execution.pipeline_id)
        .join(Project, Project.id == Execution.project_id)
    )
    if not principal.is_admin:
        statement = statement.join(
            ProjectMember,
            (ProjectMember.project_id == Execution.project_id) & (ProjectMember.user_id == principal.user_id),
        )
    if latest:
        newest = select(func.max(_Other.number)).where(
            _Other.pipeline_id == Execution.pipeline_id, _Other.ref.is_not_distinct_from(Execution.ref)
        )
        statement = statement.where(Execution.number == newest.scalar_subquery())
    rows = await session.execute(statement.order_by(Execution.created_at.desc()).limit(limit))
    return [ExecutionSummary.model_validate(row) for row in rows]


async def list_artifacts(session: AsyncSession, execution_id: str) -> list[Artifact]:
    statement = select(Artifact).where(Artifact.execution_id == execution_id).order_by(Artifact.path)
    return list((await session.execute(statement)).scalars())


async def get_artifact(session: AsyncSession, execution_id: str, artifact_id: str) -> Artifact:
    artifact = await session.get(Artifact, artifact_id)
    if artifact is None or artifact.execution_id != execution_id:
        raise NotFound(f"artifact {artifact_id} not found")
    return artifact


_STATUS_ORDER = {"failed": 0, "skipped": 1, "passed": 2}


async def test_report(
    session: AsyncSession, execution: Execution, *, job: str | None, status: str | None
) -> TestReport:
    """The execution's test results, failures first; ``job`` (id or key) and ``status`` narrow them."""
    jobs = {j.id: j for j in await jobs_of(session, execution.id)}
    statement = select(TestResult).where(TestResult.execution_id == execution.id)
    if job is not None:
        wanted = [j.id for j in jobs.values() if job in (j.id, j.key)]
        if not wanted:
            raise NotFound(f"job {job} not found in execution {execution.id}")
        statement = statement.where(TestResult.job_id.in_(wanted))
    rows = list((await session.execute(statement)).scalars())
    rows.sort(key=lambda r: (_STATUS_ORDER.get(r.status, 3), r.suite, r.classname, r.name))
    summary = TestSummary(**{name: sum(r.status == name for r in rows) for name in _STATUS_ORDER})
    shown = [TestResultRead.model_validate(r) for r in rows if status is None or r.status == status]
    return TestReport(execution_id=execution.id, summary=summary, tests=shown)
