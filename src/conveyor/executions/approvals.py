"""Protected environments: jobs of an environment the project protects wait (status `waiting`)
until a maintainer approves or rejects them; the maintainers are told, the decision is recorded
on the jobs and as the deciding user's activity."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from conveyor.basics import utcnow
from conveyor.errors import Conflict
from conveyor.events.catalog import EventPriority, EventType
from conveyor.events.schemas import Emission
from conveyor.executions.derived import snapshot_event
from conveyor.executions.store import ExecutionState, JobState, StateTx
from conveyor.notifications.activity import activity
from conveyor.notifications.schemas import ActivityKind, NotificationKind
from conveyor.status import Status

if TYPE_CHECKING:
    from conveyor.auth.principal import Principal  # its module reads the event log


async def hold(
    tx: StateTx, execution: ExecutionState, ready: Sequence[JobState], now: datetime
) -> tuple[list[JobState], list[Emission]]:
    """Of the ready jobs, those of a protected environment not approved yet wait, and so does the
    execution. Returns the jobs that go on, and the notifications telling the maintainers."""
    candidates = [job for job in ready if job.plan.environment is not None and not _approved(job)]
    if not candidates:
        return list(ready), []
    project = await tx.project(execution.project_id)
    protected = set(project.protected_environments or []) if project else set()
    held = [job for job in candidates if job.plan.environment in protected]
    if not held:
        return list(ready), []
    for job in held:
        job.status, job.dispatched_at, job.waiting_since = Status.WAITING, None, now
        job.wait_reason = f"waiting for a maintainer to approve the deployment to {job.plan.environment!r}"
    execution.status = Status.WAITING
    return [job for job in ready if job not in held], await _tell_maintainers(tx, execution, held)


def _approved(job: JobState) -> bool:
    return bool(job.approval) and (job.approval or {}).get("decision") == "approved"


async def _tell_maintainers(
    tx: StateTx, execution: ExecutionState, held: Sequence[JobState]
) -> list[Emission]:
    pipeline = await tx.pipeline_name(execution.pipeline_id)
    environments = ", ".join(sorted({str(job.plan.environment) for job in held}))
    run = f"{pipeline or 'run'} #{execution.number}"
    title = f"{run} waits for approval to deploy to {environments}"
    body = f"Jobs {', '.join(job.key for job in held)} run once a maintainer approves them on the run page."
    return await tx.notify_maintainers(
        execution,
        kind=NotificationKind.APPROVAL.value,
        title=title[:200],
        body=body,
        priority=EventPriority.HIGH,
    )


async def record_decision(
    tx: StateTx, execution: ExecutionState, actor: Principal, *, approve: bool, comment: str | None
) -> list[Emission]:
    """Approve (they queue again) or reject (they are cancelled) every job of the locked
    execution waiting for approval; its events. Conflict when none waits."""
    waiting = [job for job in await tx.jobs_of(execution.id) if job.status == Status.WAITING]
    if not waiting:
        raise Conflict(f"run #{execution.number} has no job waiting for approval (it is {execution.status})")
    username = await tx.username(actor.user_id) or actor.user_id
    now = utcnow()
    decision = "approved" if approve else "rejected"
    record = {"decision": decision, "user_id": actor.user_id, "username": username, "comment": comment}
    for job in waiting:
        job.approval = {**record, "at": now.isoformat()}
        job.wait_reason = job.waiting_since = None
        if approve:
            job.status = Status.QUEUED
            continue
        reason = f"deployment to {job.plan.environment!r} rejected by {username}"
        job.status, job.finished_at = Status.CANCELLED, now
        job.error = f"{reason}: {comment}" if comment else reason
        await tx.skip_steps([job.id])
    execution.status = Status.RUNNING if execution.started_at else Status.QUEUED
    environments = sorted({str(job.plan.environment) for job in waiting})
    did = activity(
        actor.user_id,
        ActivityKind.DEPLOYMENT_APPROVED if approve else ActivityKind.DEPLOYMENT_REJECTED,
        f"{decision} the deployment of run #{execution.number} to {', '.join(environments)}",
        projectId=execution.project_id,
        pipelineId=execution.pipeline_id,
        executionId=execution.id,
        environments=environments,
        jobs=[job.key for job in waiting],
        comment=comment,
    )
    updated = snapshot_event(EventType.PIPELINE_EXECUTION_UPDATED, await tx.read_execution(execution))
    return [updated, did]
