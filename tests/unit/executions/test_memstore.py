"""The engine on its state store in memory (``conveyor run``'s): the same runs, DAG and job
life as on the database, driven here as a runner drives them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from conveyor.basics import utcnow
from conveyor.executions import lifecycle
from conveyor.executions.claims import Claim, Line, StepChange
from conveyor.executions.dag import advance
from conveyor.executions.memstore import MemoryProject, MemoryStore
from conveyor.executions.runs import Trigger, cancel_execution, start_execution
from conveyor.executions.store import ExecutionState
from conveyor.status import Status

DEFINITION = """
jobs:
  build:
    steps:
      - run: echo built
      - run: echo again
  test:
    needs: [build]
    steps: [{run: echo tested}]
  report:
    needs: [build, test]
    if: failure()
    steps: [{run: echo report}]
"""
RUNNER = "local@test:1"


@dataclass(frozen=True)
class Pipeline:
    id: str = "p1"
    project_id: str = "project"
    name: str = "ci"
    definition: str = DEFINITION
    path: str | None = None


@dataclass
class Dispatched:
    """An executor that keeps what it is asked to run: the test runs the jobs itself."""

    jobs: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)

    async def dispatch(self, job_ids: Sequence[str]) -> None:
        self.jobs += job_ids

    async def cancel(self, job_ids: Sequence[str]) -> None:
        self.cancelled += job_ids


def new_store() -> tuple[MemoryStore, list[dict[str, Any]]]:
    shown: list[dict[str, Any]] = []
    store = MemoryStore(shown.append, projects={"project": MemoryProject()}, pipelines={"p1": "ci"})
    return store, shown


async def start(store: MemoryStore, executor: Dispatched) -> ExecutionState:
    async with store.write() as tx:
        return await start_execution(
            tx, executor=executor, pipeline=Pipeline(), actor_id=None, trigger=Trigger.MANUAL
        )


async def claim(store: MemoryStore, job_id: str) -> Claim:
    claimed = await lifecycle.claim_job(store, job_id, runner=RUNNER, lease=60)
    assert claimed is not None
    return claimed


async def run_job(store: MemoryStore, claimed: Claim, status: Status) -> list[str]:
    """A job's steps reported and its end, then what the engine dispatches next."""
    steps = [StepChange(index, status) for index in range(len(claimed.plan.steps))]
    line = Line(claimed.log_offset, 0, utcnow(), "output")
    assert await lifecycle.report(store, claimed, lines=[line], steps=steps, runner=RUNNER)
    assert await lifecycle.finish_job(store, claimed, runner=RUNNER, status=status)
    async with store.write() as tx:
        return await advance(tx, claimed.execution_id)


async def test_a_run_goes_through_its_jobs_in_order_and_ends_with_their_outcome() -> None:
    store, shown = new_store()
    executor = Dispatched()
    execution = await start(store, executor)
    jobs = {job.key: job for job in store.jobs.values()}
    assert executor.jobs == [jobs["build"].id]
    assert await lifecycle.claim_job(store, jobs["test"].id, runner=RUNNER, lease=60) is None, "needs build"

    assert await run_job(store, await claim(store, jobs["build"].id), Status.SUCCESS) == [jobs["test"].id]
    assert await run_job(store, await claim(store, jobs["test"].id), Status.SUCCESS) == []

    assert store.executions[execution.id].status == Status.SUCCESS
    assert jobs["report"].status == Status.SKIPPED
    assert jobs["report"].error == "skipped: if failure() is false"
    assert [step.status for step in jobs["build"].steps] == [Status.SUCCESS, Status.SUCCESS]
    assert [event["seq"] for event in shown] == list(range(1, len(shown) + 1))
    types = [event["event_type"] for event in shown]
    assert types[0] == "pipeline_execution_started" and types[-1] == "pipeline_execution_completed"
    assert "pipeline_log" in types
    last = shown[-1]["data"]["execution"]
    assert [(job["key"], job["status"]) for job in last["jobs"]] == [
        ("build", "success"),
        ("test", "success"),
        ("report", "skipped"),
    ]


async def test_a_failed_job_skips_its_dependents_and_runs_the_failure_handler() -> None:
    store, _ = new_store()
    executor = Dispatched()
    execution = await start(store, executor)
    jobs = {job.key: job for job in store.jobs.values()}
    assert await run_job(store, await claim(store, jobs["build"].id), Status.FAILED) == [jobs["report"].id]
    assert jobs["test"].status == Status.SKIPPED
    assert [step.status for step in jobs["test"].steps] == [Status.SKIPPED]
    await run_job(store, await claim(store, jobs["report"].id), Status.SUCCESS)
    assert store.executions[execution.id].status == Status.FAILED
    assert store.executions[execution.id].error == "job 'build': failed"


async def test_cancelling_reaches_the_running_job_through_its_heartbeat() -> None:
    store, _ = new_store()
    executor = Dispatched()
    execution = await start(store, executor)
    build = await claim(store, executor.jobs[0])
    beat = await lifecycle.heartbeat(store, build.job_id, runner=RUNNER, lease=60, pgid=None)
    assert beat.held and not beat.cancel
    async with store.write() as tx:
        await cancel_execution(tx, executor=executor, execution=execution)
    assert executor.cancelled == [build.job_id]
    beat = await lifecycle.heartbeat(store, build.job_id, runner=RUNNER, lease=60, pgid=None)
    assert beat.held and beat.cancel
    await run_job(store, build, Status.CANCELLED)
    assert store.executions[execution.id].status == Status.CANCELLED
    other = await lifecycle.heartbeat(store, build.job_id, runner="someone-else", lease=60, pgid=None)
    assert not other.held
