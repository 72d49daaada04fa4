"""The execution engine's state behind one interface: what the DAG reads and writes in one
transaction on one execution.

The engine (``dag``, ``approvals``, ``concurrency``) decides; a ``StateTx`` loads and saves. The
server's is ``sqlstore.SqlTx`` (its database and event log); the records it hands out are the
ORM rows, which satisfy ``ExecutionState`` and ``JobState``. This module imports no database
code: an engine module that needs only it runs without SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from conveyor.events.catalog import EventPriority
from conveyor.events.schemas import Emission
from conveyor.executions.claims import ArtifactFile, Claim, Heartbeat, Line, StoredArtifact, TestCase
from conveyor.executions.schemas import ExecutionRead
from conveyor.pipelines.spec.plan import JobPlan
from conveyor.status import Status

if TYPE_CHECKING:
    from conveyor.pipelines.builtins import InProcess


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
    attempt: int
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
    attempt: int
    retries_left: int
    runner: str | None
    worker_token_id: str | None
    pgid: int | None
    lease_expires_at: datetime | None
    log_lines: int
    exit_code: int | None
    caches: list[dict[str, object]] | None
    started_at: datetime | None
    dispatched_at: datetime | None
    wait_reason: str | None
    waiting_since: datetime | None
    concurrency_group: str | None
    cancel_requested: bool
    error: str | None
    outputs: dict[str, str] | None
    approval: dict[str, str | None] | None
    finished_at: datetime | None


class ProjectState(Protocol):
    """What the engine reads of a project."""

    @property
    def repo_url(self) -> str | None: ...
    @property
    def default_branch(self) -> str: ...
    @property
    def protected_environments(self) -> list[str] | None: ...


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

    async def locked_job(self, job_id: str) -> tuple[ExecutionState, JobState] | None:
        """The job (None if it is gone) and its execution, locked, the job read under the lock."""
        ...

    async def held_job(self, job_id: str, runner: str) -> JobState | None:
        """The job if this runner still holds it, running (the caller holds the execution's lock)."""
        ...

    async def update_steps(
        self,
        job_id: str,
        values: Mapping[str, object],
        *,
        position: int | None = None,
        having: Status | None = None,
    ) -> None:
        """Set ``values`` on the job's steps: all, the one at ``position``, or those ``having`` a status."""
        ...

    async def append_lines(self, job: JobState, lines: Sequence[Line]) -> None:
        """Keep the lines of the job's log (numbered on from ``job.log_lines``, which follows them)."""
        ...

    async def project(self, project_id: str) -> ProjectState | None: ...

    async def next_number(self, pipeline_id: str) -> int:
        """The number of the pipeline's next run (the pipeline held for this transaction)."""
        ...

    def new_execution(self, columns: Mapping[str, Any]) -> ExecutionState:
        """An execution with these columns, not saved yet (``add_run`` saves it)."""
        ...

    async def add_run(
        self,
        execution: ExecutionState,
        jobs: Sequence[Mapping[str, Any]],
        steps: Sequence[Mapping[str, Any]],
    ) -> None:
        """Save a new execution with its jobs and their steps (their columns)."""
        ...

    async def in_group(self, execution: ExecutionState) -> list[ExecutionState]:
        """The project's other unfinished executions of the execution's concurrency group."""
        ...

    async def extend_lease(self, job_id: str, runner: str, *, until: datetime, pgid: int | None) -> Heartbeat:
        """Extend the lease of the job if the runner still holds it; whether it must cancel."""
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


class StateStore(Protocol):
    """Where the engine's state lives."""

    def write(self) -> AbstractAsyncContextManager[StateTx]:
        """A transaction that changes the state (one at a time where the store needs it)."""
        ...


class RunnerStore(StateStore, Protocol):
    """The state store of a runner that shares it (a server node's, ``conveyor run``'s), with
    what a job keeps beside its state."""

    async def job_secrets(self, claim: Claim) -> dict[str, str]:
        """The claimed job's secrets, decrypted for its environment."""
        ...

    async def record_commit(self, execution_id: str, sha: str) -> None:
        """The commit the first checkout resolved: every later job of the execution uses it."""
        ...

    async def store_artifacts(self, claim: Claim, files: Sequence[ArtifactFile]) -> None: ...

    async def artifacts_of(self, job_id: str) -> list[StoredArtifact]: ...

    def artifact_content(self, artifact_id: str) -> AsyncIterator[bytes]: ...

    async def store_test_results(self, claim: Claim, cases: Sequence[TestCase]) -> dict[str, int]: ...

    def in_process(self) -> InProcess | None:
        """What built-in steps that record on the server get (None: they cannot record)."""
        ...
