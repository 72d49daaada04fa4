"""The execution engine's state behind one interface: what the DAG reads and writes in one
transaction on one execution.

The engine (``dag``, ``approvals``, ``concurrency``) decides; a ``StateTx`` loads and saves. The
server's is ``sqlstore.SqlTx`` (its database and event log); the records it hands out are the
ORM rows, which satisfy ``ExecutionState`` and ``JobState``. This module imports no database
code: an engine module that needs only it runs without SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from conveyor.events.catalog import EventPriority
from conveyor.events.schemas import Emission
from conveyor.executions.schemas import ExecutionRead
from conveyor.pipelines.spec.plan import JobPlan


class ExecutionState(Protocol):
    """An execution as the engine reads and changes it."""

    id: str
    pipeline_id: str
    project_id: str
    number: int
    status: str
    trigger: str
    ref: str | None
    commit_sha: str | None
    pull_request: int | None
    pull_request_title: str | None
    base_ref: str | None
    head_ref: str | None
    from_fork: bool
    actor_id: str | None
    error: str | None
    cancel_requested: bool
    inputs: dict[str, object] | None
    concurrency_group: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class JobState(Protocol):
    """A job of an execution as the engine reads and changes it."""

    id: str
    execution_id: str
    key: str
    needs: list[str]
    plan: JobPlan
    status: str
    dispatched_at: datetime | None
    wait_reason: str | None
    waiting_since: datetime | None
    concurrency_group: str | None
    cancel_requested: bool
    error: str | None
    outputs: dict[str, str] | None
    approval: dict[str, str | None] | None
    finished_at: datetime | None


class StateTx(Protocol):
    """One transaction on the engine's state. Changes made to the records it returns are saved
    by ``commit``, which also publishes the events given to it; the transaction goes on after it."""

    async def lock_execution(self, execution_id: str) -> ExecutionState:
        """The execution (NotFound if it is gone), held for this transaction: changes to one
        execution happen one at a time."""
        ...

    async def jobs_of(self, execution_id: str) -> Sequence[JobState]:
        """The execution's jobs, in their order in the definition."""
        ...

    async def username(self, user_id: str) -> str | None: ...

    async def skip_steps(self, job_ids: Sequence[str]) -> None:
        """Every step of these jobs: skipped."""
        ...

    async def read_execution(self, execution: ExecutionState) -> ExecutionRead:
        """The execution with its jobs and steps as clients see it (with this transaction's changes)."""
        ...

    async def commit(self, *emissions: Emission) -> None: ...

    async def older_in_group(self, execution: ExecutionState) -> bool:
        """Whether an unfinished execution of the project's same concurrency group is older."""
        ...

    async def next_in_group(self, execution: ExecutionState) -> str | None:
        """The oldest other unfinished execution of the execution's concurrency group."""
        ...

    async def protected_environments(self, project_id: str) -> set[str]: ...

    async def notify_maintainers(
        self, execution: ExecutionState, *, kind: str, title: str, body: str, priority: EventPriority
    ) -> list[Emission]:
        """Notifications to the project's maintainers who want ``kind``, with their events."""
        ...

    async def pipeline_name(self, pipeline_id: str) -> str | None: ...

    async def lock_group(self, project_id: str, group: str) -> None:
        """One transaction at a time decides about a job concurrency group."""
        ...

    async def group_jobs(self, project_id: str, group: str, job: JobState) -> list[tuple[JobState, str]]:
        """The project's other jobs of the group that hold it or wait for it, with their run's
        name (``deploy #3``)."""
        ...
