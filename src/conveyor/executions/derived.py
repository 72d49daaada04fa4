"""What the engine derives from an execution's records, whichever store holds them: the
snapshot clients and events carry, the status it ends with, and the `needs` and `conveyor`
contexts of its expressions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from conveyor.events.catalog import EventType, ExecutionData
from conveyor.events.schemas import Emission, emission
from conveyor.executions.schemas import ExecutionRead, JobRead, StepRead, TestSummary
from conveyor.executions.store import ExecutionState, JobState, StateTx
from conveyor.status import Status


def total_tests(jobs: Sequence[JobRead]) -> TestSummary | None:
    reported = [job.tests for job in jobs if job.tests is not None]
    if not reported:
        return None
    return TestSummary(
        passed=sum(t.passed for t in reported),
        failed=sum(t.failed for t in reported),
        skipped=sum(t.skipped for t in reported),
    )


def snapshot_event(event_type: EventType, snapshot: ExecutionRead) -> Emission:
    data = ExecutionData(executionId=snapshot.id, pipelineId=snapshot.pipeline_id, execution=snapshot)
    return emission(event_type, data, project_id=snapshot.project_id)


def with_step_values(
    snapshot: ExecutionRead, job_id: str, index: int, values: dict[str, object]
) -> ExecutionRead:
    """The snapshot after one step's columns changed, without reading the database again."""
    jobs = [
        job.model_copy(
            update={
                "steps": [
                    StepRead.model_validate({**step.model_dump(), **values}) if step.index == index else step
                    for step in job.steps
                ]
            }
        )
        if job.id == job_id
        else job
        for job in snapshot.jobs
    ]
    return snapshot.model_copy(update={"jobs": jobs})


def outcome(execution: ExecutionState, jobs: Sequence[JobState]) -> tuple[Status, str | None]:
    """The status an execution ends with once all its jobs are done, and why it did not succeed."""
    if execution.cancel_requested:
        return Status.CANCELLED, "cancelled"
    for wanted in (Status.FAILED, Status.TIMED_OUT, Status.CANCELLED):
        culprit = next((job for job in jobs if job.status == wanted), None)
        if culprit is not None:
            return wanted, f"job {culprit.key!r}: {culprit.error or wanted.value}"
    return Status.SUCCESS, None


# `needs.<job>.result`, worst first: a matrix job's combinations give the worst of theirs
_RESULTS = {Status.FAILED: "failure", Status.TIMED_OUT: "failure", Status.CANCELLED: "cancelled"}
_RESULT_ORDER = ("failure", "cancelled", "skipped", "success")


def needs_context(needed: Sequence[JobState]) -> dict[str, dict[str, Any]]:
    """The `needs` context of a job: each needed job's result and outputs, by its id in the
    definition (the outputs of a matrix job's combinations merged in order)."""
    context: dict[str, dict[str, Any]] = {}
    for job in needed:
        entry = context.setdefault(job.plan.definition_id, {"result": "success", "outputs": {}})
        entry["outputs"].update(job.outputs or {})
        result = "skipped" if job.status == Status.SKIPPED else _RESULTS.get(Status(job.status), "success")
        entry["result"] = min(entry["result"], result, key=_RESULT_ORDER.index)
    return context


async def conveyor_context(tx: StateTx, execution: ExecutionState) -> dict[str, Any]:
    """The `conveyor` context of an execution (a runner adds `job` and `workspace`)."""
    actor = await tx.username(execution.actor_id) if execution.actor_id else None
    return {
        "sha": execution.commit_sha or "",
        "ref": execution.ref or "",
        "event": execution.trigger,
        "run_number": float(execution.number),
        "run_id": execution.id,
        "actor": actor or "",
        "base_ref": execution.base_ref or "",
        "head_ref": execution.head_ref or "",
        "pull_request": _pull_request(execution),
    }


def _pull_request(execution: ExecutionState) -> dict[str, Any] | None:
    if execution.pull_request is None:
        return None
    return {
        "number": float(execution.pull_request),
        "title": execution.pull_request_title or "",
        "base_ref": execution.base_ref or "",
        "head_ref": execution.head_ref or "",
        "fork": execution.from_fork,
    }
