"""Executions: start (any trigger), cancel, re-run failed jobs, and reading them back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from conveyor.auth.principal import Principal
from conveyor.auth.roles import Role
from conveyor.db import get_or_404, new_id, utcnow
from conveyor.errors import Conflict, InvalidInput, NotFound
from conveyor.events.bus import EventBus
from conveyor.events.catalog import EventType
from conveyor.events.schemas import Emission
from conveyor.executions import approvals
from conveyor.executions.dag import advance
from conveyor.executions.executor import Executor
from conveyor.executions.models import Artifact, Execution, Job, Step, TestResult
from conveyor.executions.schemas import ExecutionSummary, TestReport, TestResultRead, TestSummary
from conveyor.executions.sqlstore import SqlTx
from conveyor.executions.state import conveyor_context, execution_event, jobs_of, lock_execution
from conveyor.executions.updates import artifact_content as artifact_content  # the routes' way to it
from conveyor.notifications.schemas import ActivityKind
from conveyor.notifications.service import activity
from conveyor.pipelines import service as pipelines_service
from conveyor.pipelines.models import Pipeline
from conveyor.pipelines.sources import PipelineAtCommit
from conveyor.pipelines.spec import plan_jobs
from conveyor.pipelines.spec.expressions import Context, ExpressionError, interpolate
from conveyor.pipelines.spec.formats import parse_pipeline
from conveyor.pipelines.spec.model import resolve_inputs
from conveyor.pipelines.spec.plan import JobPlan
from conveyor.projects.access import require_in_project
from conveyor.projects.models import Project, ProjectMember
from conveyor.projects.repository import CommitInfo, describe_commit
from conveyor.status import FAILING, RETRYABLE, TERMINAL, Status


class Trigger(StrEnum):
    MANUAL = "manual"
    PUSH = "push"
    PULL_REQUEST = "pull_request"  # a GitHub pull request or a GitLab merge request
    SCHEDULE = "schedule"
    DEBUG = "debug"  # the verification run of a debug patch


@dataclass(frozen=True)
class PullRequestRun:
    """What a pull request's run records beside its commit."""

    number: int
    title: str
    base_ref: str
    head_ref: str
    from_fork: bool


RUN_VERBS = {
    ActivityKind.RUN_TRIGGERED: "Triggered",
    ActivityKind.RUN_RETRIED: "Retried",
    ActivityKind.RUN_CANCELLED: "Cancelled",
}


async def start_execution(
    *,
    session: AsyncSession,
    bus: EventBus,
    executor: Executor,
    pipeline: Pipeline,
    actor_id: str | None,
    trigger: Trigger,
    ref: str | None = None,
    commit_sha: str | None = None,
    commit_message: str | None = None,
    commit_author: str | None = None,
    pull_request: PullRequestRun | None = None,
    inputs: dict[str, Any] | None = None,
    at_commit: PipelineAtCommit | None = None,
) -> Execution:
    """Start a run: the pipeline's stored definition, or ``at_commit`` its file as read at the
    commit (a repository file that does not validate gives a run that fails at once with the
    reason). A manual run without a commit looks up the one its ref names now (sha, message,
    author: shown before a job checks it out); the scheduler does so before its lock."""
    definition = pipeline.definition if at_commit is None else at_commit.definition
    spec = parse_pipeline(pipeline.path, definition) if at_commit is None else at_commit.spec
    if spec is None:
        assert at_commit is not None
        return await _invalid_run(
            session, bus, at_commit, trigger=trigger, ref=ref or await _default_ref(session, pipeline),
            commit_sha=commit_sha, commit_message=commit_message, commit_author=commit_author,
            pull_request=pull_request, actor_id=actor_id,
        )  # fmt: skip
    if trigger is Trigger.MANUAL and not spec.on.manual:
        raise Conflict(f"pipeline {pipeline.name} does not allow manual runs (on.manual is false)")
    try:
        values = resolve_inputs(spec, inputs or {}, manual=trigger is Trigger.MANUAL)
    except ValueError as exc:
        raise InvalidInput(f"invalid inputs: {exc}") from None
    ref = ref or await _default_ref(session, pipeline)
    if commit_sha is None and trigger is Trigger.MANUAL:
        commit = await resolve_commit(session, pipeline.project_id, ref)
        if commit is not None:
            commit_sha, commit_message, commit_author = commit.sha, commit.message, commit.author
    execution = Execution(
        id=new_id(),
        pipeline_id=pipeline.id,
        project_id=pipeline.project_id,
        number=await _next_number(session, pipeline.id),
        status=Status.QUEUED,
        trigger=trigger,
        ref=ref,
        commit_sha=commit_sha,
        commit_message=commit_message,
        commit_author=commit_author,
        **_pull_request_columns(pull_request),
        definition=definition,
        actor_id=actor_id,
        inputs=values,
        created_at=utcnow(),
    )
    conveyor = await conveyor_context(SqlTx(session, bus), execution)
    plans = plan_jobs(spec, conveyor, values)
    if spec.concurrency is not None:
        try:
            group = interpolate(spec.concurrency.group, Context(conveyor=conveyor, inputs=values))
        except ExpressionError as exc:
            raise InvalidInput(f"concurrency.group: {exc}") from None
        execution.concurrency_group = group[:255]
    session.add(execution)
    session.add_all(_job_rows(execution.id, plans))
    await session.flush()
    session.add_all(_step_rows(await jobs_of(session, execution.id)))
    await session.flush()
    started = await execution_event(session, EventType.PIPELINE_EXECUTION_STARTED, execution)
    await bus.commit(session, started, *_did(actor_id, ActivityKind.RUN_TRIGGERED, execution))
    if spec.concurrency is not None and spec.concurrency.cancel_in_progress:
        for other in await _in_group(session, execution):
            await cancel_execution(session=session, bus=bus, executor=executor, execution=other)
    await executor.dispatch(await advance(SqlTx(session, bus), execution.id))
    return execution


async def _invalid_run(
    session: AsyncSession,
    bus: EventBus,
    at_commit: PipelineAtCommit,
    *,
    trigger: Trigger,
    ref: str | None,
    commit_sha: str | None,
    commit_message: str | None,
    commit_author: str | None,
    pull_request: PullRequestRun | None,
    actor_id: str | None,
) -> Execution:
    """A run of a pipeline file that does not validate: failed at once, the reason (each problem
    with its line) as its error, announced as started and completed."""
    pipeline, now = at_commit.pipeline, utcnow()
    execution = Execution(
        id=new_id(),
        pipeline_id=pipeline.id,
        project_id=pipeline.project_id,
        number=await _next_number(session, pipeline.id),
        status=Status.FAILED,
        trigger=trigger,
        ref=ref,
        commit_sha=commit_sha,
        commit_message=commit_message,
        commit_author=commit_author,
        **_pull_request_columns(pull_request),
        definition=at_commit.definition,
        actor_id=actor_id,
        error=at_commit.error or "the pipeline file does not validate",
        created_at=now,
        started_at=now,
        finished_at=now,
    )
    session.add(execution)
    await session.flush()
    await bus.commit(
        session,
        await execution_event(session, EventType.PIPELINE_EXECUTION_STARTED, execution),
        await execution_event(session, EventType.PIPELINE_EXECUTION_COMPLETED, execution),
    )
    return execution


async def _in_group(session: AsyncSession, execution: Execution) -> list[Execution]:
    """The project's other unfinished executions of the execution's concurrency group."""
    statement = select(Execution).where(
        Execution.project_id == execution.project_id,
        Execution.concurrency_group == execution.concurrency_group,
        Execution.status.not_in(sorted(TERMINAL)),
        Execution.id != execution.id,
    )
    return list((await session.execute(statement)).scalars())


def _pull_request_columns(pull_request: PullRequestRun | None) -> dict[str, Any]:
    if pull_request is None:
        return {}
    return {
        "pull_request": pull_request.number,
        "pull_request_title": pull_request.title[:255],
        "base_ref": pull_request.base_ref,
        "head_ref": pull_request.head_ref,
        "from_fork": pull_request.from_fork,
    }


async def resolve_commit(session: AsyncSession, project_id: str, ref: str | None) -> CommitInfo | None:
    """The commit ``ref`` (default: the default branch) names now in the project's repository;
    None without a repository or when it cannot be read."""
    project = await session.get(Project, project_id)
    if project is None or not project.repo_url:
        return None
    return await describe_commit(project.repo_url, ref or project.default_branch)


async def _default_ref(session: AsyncSession, pipeline: Pipeline) -> str | None:
    project = await session.get(Project, pipeline.project_id)
    return project.default_branch if project and project.repo_url else None


async def _next_number(session: AsyncSession, pipeline_id: str) -> int:
    await session.execute(select(Pipeline.id).where(Pipeline.id == pipeline_id).with_for_update())
    statement = select(func.coalesce(func.max(Execution.number), 0)).where(
        Execution.pipeline_id == pipeline_id
    )
    return int((await session.execute(statement)).scalar_one()) + 1


def _job_rows(execution_id: str, plans: Sequence[JobPlan]) -> list[Job]:
    return [
        Job(
            id=new_id(),
            execution_id=execution_id,
            position=position,
            key=plan.key,
            name=plan.name,
            needs=plan.needs,
            plan=plan,
            status=Status.QUEUED,
            attempt=0,
            retries_left=plan.retries,
            log_lines=0,
            environment={"name": plan.environment, "url": plan.environment_url} if plan.environment else None,
        )
        for position, plan in enumerate(plans)
    ]


def _step_rows(jobs: Sequence[Job]) -> list[Step]:
    return [
        Step(id=new_id(), job_id=job.id, position=index, name=step.name, status=Status.QUEUED)
        for job in jobs
        for index, step in enumerate(job.plan.steps)
    ]


async def cancel_execution(
    *,
    session: AsyncSession,
    bus: EventBus,
    executor: Executor,
    execution: Execution,
    actor_id: str | None = None,
) -> Execution:
    """Cancel a run (``actor_id``: who asked; None when the platform does, e.g. a newer run of
    its concurrency group)."""
    execution = await lock_execution(session, execution.id)
    if execution.status in TERMINAL:
        raise Conflict(f"execution {execution.id} has already ended ({execution.status})")
    execution.cancel_requested = True
    now = utcnow()
    running: list[str] = []
    for job in await jobs_of(session, execution.id):
        if job.status in (Status.QUEUED, Status.WAITING):
            job.status, job.error, job.finished_at = Status.CANCELLED, "cancelled before it started", now
            job.wait_reason = job.waiting_since = None
            await session.execute(
                update(Step).where(Step.job_id == job.id).values(status=Status.SKIPPED.value)
            )
        elif job.status == Status.RUNNING:
            job.cancel_requested = True
            running.append(job.id)
    updated = await execution_event(session, EventType.PIPELINE_EXECUTION_UPDATED, execution)
    await bus.commit(session, updated, *_did(actor_id, ActivityKind.RUN_CANCELLED, execution))
    await executor.cancel(running)
    await advance(SqlTx(session, bus), execution.id)
    return execution


async def retry_execution(
    *, session: AsyncSession, bus: EventBus, executor: Executor, execution: Execution, actor_id: str | None
) -> Execution:
    """Re-run the jobs that failed, were cancelled or timed out, and those skipped because of them."""
    execution = await lock_execution(session, execution.id)
    if execution.status not in RETRYABLE:
        raise Conflict(f"only a failed, cancelled or timed-out execution can be re-run ({execution.status})")
    again = [job for job in await jobs_of(session, execution.id) if _rerun(job)]
    for job in again:
        job.status, job.dispatched_at, job.cancel_requested = Status.QUEUED, None, False
        job.exit_code = job.error = job.finished_at = job.outputs = job.caches = None
        job.wait_reason = job.waiting_since = job.approval = None
        job.retries_left = job.plan.retries
        await session.execute(update(Step).where(Step.job_id == job.id).values(status=Status.QUEUED.value))
    execution.status, execution.attempt, execution.actor_id = Status.QUEUED, execution.attempt + 1, actor_id
    execution.error = execution.finished_at = None
    execution.cancel_requested = False
    started = await execution_event(session, EventType.PIPELINE_EXECUTION_STARTED, execution)
    await bus.commit(session, started, *_did(actor_id, ActivityKind.RUN_RETRIED, execution))
    await executor.dispatch(await advance(SqlTx(session, bus), execution.id))
    return execution


def _did(actor_id: str | None, kind: ActivityKind, execution: Execution) -> list[Emission]:
    """The ``user_activity`` of a person acting on a run (none when the platform acts)."""
    if actor_id is None:
        return []
    return [
        activity(
            actor_id,
            kind,
            f"{RUN_VERBS[kind]} run #{execution.number}",
            projectId=execution.project_id,
            pipelineId=execution.pipeline_id,
            executionId=execution.id,
        )
    ]


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
    execution = await lock_execution(session, execution.id)
    events = await approvals.record_decision(session, execution, actor, approve=approve, comment=comment)
    await bus.commit(session, *events)
    await executor.dispatch(await advance(SqlTx(session, bus), execution.id))
    return execution


def _rerun(job: Job) -> bool:
    return job.status in FAILING or (job.status == Status.SKIPPED and bool(job.error))


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
