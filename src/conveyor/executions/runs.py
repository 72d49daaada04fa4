"""Starting, cancelling and re-running executions, on the engine's state store (``StateTx``):
the server's database or ``conveyor run``'s memory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from conveyor.basics import new_id, utcnow
from conveyor.errors import Conflict, InvalidInput
from conveyor.events.catalog import EventType
from conveyor.events.schemas import Emission
from conveyor.executions.dag import advance
from conveyor.executions.derived import conveyor_context, snapshot_event
from conveyor.executions.executor import Executor
from conveyor.executions.store import ExecutionState, JobState, StateTx
from conveyor.notifications.schemas import ActivityKind
from conveyor.pipelines.spec import plan_jobs
from conveyor.pipelines.spec.expressions import Context, ExpressionError, interpolate
from conveyor.pipelines.spec.formats import parse_pipeline
from conveyor.pipelines.spec.model import resolve_inputs
from conveyor.pipelines.spec.plan import JobPlan
from conveyor.projects.repository import describe_commit
from conveyor.status import FAILING, RETRYABLE, TERMINAL, Status

if TYPE_CHECKING:
    from conveyor.pipelines.sources import PipelineAtCommit


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


class PipelineState(Protocol):
    """A pipeline as a run starts from it."""

    @property
    def id(self) -> str: ...
    @property
    def project_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def path(self) -> str | None: ...
    @property
    def definition(self) -> str: ...


RUN_VERBS = {
    ActivityKind.RUN_TRIGGERED: "Triggered",
    ActivityKind.RUN_RETRIED: "Retried",
    ActivityKind.RUN_CANCELLED: "Cancelled",
}


async def start_execution(
    tx: StateTx,
    *,
    executor: Executor,
    pipeline: PipelineState,
    actor_id: str | None,
    trigger: Trigger,
    ref: str | None = None,
    commit_sha: str | None = None,
    commit_message: str | None = None,
    commit_author: str | None = None,
    pull_request: PullRequestRun | None = None,
    inputs: dict[str, Any] | None = None,
    at_commit: PipelineAtCommit | None = None,
) -> ExecutionState:
    """Start a run: the pipeline's stored definition, or ``at_commit`` its file as read at the
    commit (a repository file that does not validate gives a run that fails at once with the
    reason). A manual run without a commit looks up the one its ref names now (sha, message,
    author: shown before a job checks it out); the scheduler does so before its lock."""
    definition = pipeline.definition if at_commit is None else at_commit.definition
    spec = parse_pipeline(pipeline.path, definition) if at_commit is None else at_commit.spec
    commit = {"commit_sha": commit_sha, "commit_message": commit_message, "commit_author": commit_author}
    if spec is None:
        assert at_commit is not None
        ref = ref or await _default_ref(tx, pipeline)
        return await _invalid_run(tx, at_commit, trigger, ref, commit, pull_request, actor_id)
    if trigger is Trigger.MANUAL and not spec.on.manual:
        raise Conflict(f"pipeline {pipeline.name} does not allow manual runs (on.manual is false)")
    try:
        values = resolve_inputs(spec, inputs or {}, manual=trigger is Trigger.MANUAL)
    except ValueError as exc:
        raise InvalidInput(f"invalid inputs: {exc}") from None
    ref = ref or await _default_ref(tx, pipeline)
    if commit_sha is None and trigger is Trigger.MANUAL:
        commit = await _resolve_commit(tx, pipeline.project_id, ref) or commit
    execution = tx.new_execution(
        {
            "id": new_id(),
            "pipeline_id": pipeline.id,
            "project_id": pipeline.project_id,
            "number": await tx.next_number(pipeline.id),
            "status": Status.QUEUED,
            "trigger": trigger,
            "ref": ref,
            **commit,
            **_pull_request_columns(pull_request),
            "definition": definition,
            "actor_id": actor_id,
            "inputs": values,
            "created_at": utcnow(),
        }
    )
    conveyor = await conveyor_context(tx, execution)
    plans = plan_jobs(spec, conveyor, values)
    if spec.concurrency is not None:
        try:
            group = interpolate(spec.concurrency.group, Context(conveyor=conveyor, inputs=values))
        except ExpressionError as exc:
            raise InvalidInput(f"concurrency.group: {exc}") from None
        execution.concurrency_group = group[:255]
    jobs = _job_rows(execution.id, plans)
    await tx.add_run(execution, jobs, _step_rows(jobs, plans))
    started = snapshot_event(EventType.PIPELINE_EXECUTION_STARTED, await tx.read_execution(execution))
    await tx.commit(started, *_did(actor_id, ActivityKind.RUN_TRIGGERED, execution))
    if spec.concurrency is not None and spec.concurrency.cancel_in_progress:
        for other in await tx.in_group(execution):
            await cancel_execution(tx, executor=executor, execution=other)
    await executor.dispatch(await advance(tx, execution.id))
    return execution


async def _invalid_run(
    tx: StateTx,
    at_commit: PipelineAtCommit,
    trigger: Trigger,
    ref: str | None,
    commit: dict[str, str | None],
    pull_request: PullRequestRun | None,
    actor_id: str | None,
) -> ExecutionState:
    """A run of a pipeline file that does not validate: failed at once, the reason (each problem
    with its line) as its error, announced as started and completed."""
    pipeline, now = at_commit.pipeline, utcnow()
    execution = tx.new_execution(
        {
            "id": new_id(),
            "pipeline_id": pipeline.id,
            "project_id": pipeline.project_id,
            "number": await tx.next_number(pipeline.id),
            "status": Status.FAILED,
            "trigger": trigger,
            "ref": ref,
            **commit,
            **_pull_request_columns(pull_request),
            "definition": at_commit.definition,
            "actor_id": actor_id,
            "error": at_commit.error or "the pipeline file does not validate",
            "created_at": now,
            "started_at": now,
            "finished_at": now,
        }
    )
    await tx.add_run(execution, [], [])
    snapshot = await tx.read_execution(execution)
    await tx.commit(
        snapshot_event(EventType.PIPELINE_EXECUTION_STARTED, snapshot),
        snapshot_event(EventType.PIPELINE_EXECUTION_COMPLETED, snapshot),
    )
    return execution


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


async def _resolve_commit(tx: StateTx, project_id: str, ref: str | None) -> dict[str, str | None] | None:
    project = await tx.project(project_id)
    if project is None or not project.repo_url:
        return None
    found = await describe_commit(project.repo_url, ref or project.default_branch)
    if found is None:
        return None
    return {"commit_sha": found.sha, "commit_message": found.message, "commit_author": found.author}


async def _default_ref(tx: StateTx, pipeline: PipelineState) -> str | None:
    project = await tx.project(pipeline.project_id)
    return project.default_branch if project and project.repo_url else None


def _job_rows(execution_id: str, plans: Sequence[JobPlan]) -> list[dict[str, Any]]:
    return [
        {
            "id": new_id(),
            "execution_id": execution_id,
            "position": position,
            "key": plan.key,
            "name": plan.name,
            "needs": plan.needs,
            "plan": plan,
            "status": Status.QUEUED,
            "attempt": 0,
            "retries_left": plan.retries,
            "log_lines": 0,
            "environment": (
                {"name": plan.environment, "url": plan.environment_url} if plan.environment else None
            ),
        }
        for position, plan in enumerate(plans)
    ]


def _step_rows(jobs: Sequence[dict[str, Any]], plans: Sequence[JobPlan]) -> list[dict[str, Any]]:
    return [
        {"id": new_id(), "job_id": job["id"], "position": index, "name": step.name, "status": Status.QUEUED}
        for job, plan in zip(jobs, plans, strict=True)
        for index, step in enumerate(plan.steps)
    ]


async def cancel_execution(
    tx: StateTx, *, executor: Executor, execution: ExecutionState, actor_id: str | None = None
) -> ExecutionState:
    """Cancel a run (``actor_id``: who asked; None when the platform does, e.g. a newer run of
    its concurrency group)."""
    execution = await tx.lock_execution(execution.id)
    if execution.status in TERMINAL:
        raise Conflict(f"execution {execution.id} has already ended ({execution.status})")
    execution.cancel_requested = True
    now = utcnow()
    running: list[str] = []
    for job in await tx.jobs_of(execution.id):
        if job.status in (Status.QUEUED, Status.WAITING):
            job.status, job.error, job.finished_at = Status.CANCELLED, "cancelled before it started", now
            job.wait_reason = job.waiting_since = None
            await tx.skip_steps([job.id])
        elif job.status == Status.RUNNING:
            job.cancel_requested = True
            running.append(job.id)
    updated = snapshot_event(EventType.PIPELINE_EXECUTION_UPDATED, await tx.read_execution(execution))
    await tx.commit(updated, *_did(actor_id, ActivityKind.RUN_CANCELLED, execution))
    await executor.cancel(running)
    await advance(tx, execution.id)
    return execution


async def retry_execution(
    tx: StateTx, *, executor: Executor, execution: ExecutionState, actor_id: str | None
) -> ExecutionState:
    """Re-run the jobs that failed, were cancelled or timed out, and those skipped because of them."""
    execution = await tx.lock_execution(execution.id)
    if execution.status not in RETRYABLE:
        raise Conflict(f"only a failed, cancelled or timed-out execution can be re-run ({execution.status})")
    again = [job for job in await tx.jobs_of(execution.id) if _rerun(job)]
    for job in again:
        job.status, job.dispatched_at, job.cancel_requested = Status.QUEUED, None, False
        job.exit_code = job.error = job.finished_at = job.outputs = job.caches = None
        job.wait_reason = job.waiting_since = job.approval = None
        job.retries_left = job.plan.retries
        await tx.update_steps(job.id, {"status": Status.QUEUED.value})
    execution.status, execution.attempt, execution.actor_id = Status.QUEUED, execution.attempt + 1, actor_id
    execution.error = execution.finished_at = None
    execution.cancel_requested = False
    started = snapshot_event(EventType.PIPELINE_EXECUTION_STARTED, await tx.read_execution(execution))
    await tx.commit(started, *_did(actor_id, ActivityKind.RUN_RETRIED, execution))
    await executor.dispatch(await advance(tx, execution.id))
    return execution


def _rerun(job: JobState) -> bool:
    return job.status in FAILING or (job.status == Status.SKIPPED and bool(job.error))


def _did(actor_id: str | None, kind: ActivityKind, execution: ExecutionState) -> list[Emission]:
    """The ``user_activity`` of a person acting on a run (none when the platform acts)."""
    if actor_id is None:
        return []
    # imported when a person acts: notifications' service is the database's (not `conveyor run`'s)
    from conveyor.notifications.service import activity

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
