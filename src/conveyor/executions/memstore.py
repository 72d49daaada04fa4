"""The engine's state in memory: ``conveyor run``'s store (one process, one pipeline, no
server). The same engine runs on it as on the database (``dag``, ``lifecycle``, ``runs``); the
records are plain dataclasses, and committed events go to a display instead of the log.
Changes take effect as they are made: a transaction that fails half-way is not undone (a local
run then ends with the error)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from conveyor.basics import new_id, utcnow
from conveyor.errors import NotFound
from conveyor.events.catalog import EventPriority
from conveyor.events.schemas import Emission, Envelope, event_row
from conveyor.executions.claims import ArtifactFile, Claim, Heartbeat, Line, StoredArtifact, TestCase
from conveyor.executions.derived import total_tests
from conveyor.executions.schemas import ExecutionRead, JobRead
from conveyor.executions.store import ExecutionState, JobState
from conveyor.pipelines.spec.plan import JobPlan
from conveyor.status import TERMINAL, Status

Display = Callable[[dict[str, Any]], None]


@dataclass(kw_only=True)
class MemoryExecution:
    id: str
    pipeline_id: str
    project_id: str
    number: int
    status: str
    trigger: str
    definition: str
    created_at: datetime
    ref: str | None = None
    commit_sha: str | None = None
    commit_message: str | None = None
    commit_author: str | None = None
    pull_request: int | None = None
    pull_request_title: str | None = None
    base_ref: str | None = None
    head_ref: str | None = None
    from_fork: bool = False
    attempt: int = 1
    actor_id: str | None = None
    error: str | None = None
    cancel_requested: bool = False
    inputs: dict[str, object] | None = None
    concurrency_group: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass(kw_only=True)
class MemoryJob:
    id: str
    execution_id: str
    position: int
    key: str
    name: str
    needs: list[str]
    plan: JobPlan
    status: str
    attempt: int = 0
    retries_left: int = 0
    runner: str | None = None
    worker_token_id: str | None = None
    pgid: int | None = None
    dispatched_at: datetime | None = None
    wait_reason: str | None = None
    waiting_since: datetime | None = None
    concurrency_group: str | None = None
    lease_expires_at: datetime | None = None
    cancel_requested: bool = False
    exit_code: int | None = None
    error: str | None = None
    log_lines: int = 0
    outputs: dict[str, str] | None = None
    caches: list[dict[str, object]] | None = None
    tests: dict[str, int] | None = None
    environment: dict[str, str | None] | None = None
    approval: dict[str, str | None] | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    steps: list[MemoryStep] = field(default_factory=list)


@dataclass(kw_only=True)
class MemoryStep:
    id: str
    job_id: str
    position: int
    name: str
    status: str
    exit_code: int | None = None
    error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True)
class MemoryProject:
    repo_url: str | None = None
    default_branch: str = "main"
    protected_environments: list[str] | None = None


@dataclass(frozen=True)
class MemoryArtifact:
    stored: StoredArtifact
    content: bytes


class MemoryStore:
    """A ``RunnerStore`` in this process's memory; transactions one at a time. It knows the
    projects and the names of the pipelines it is given; no users; its jobs have no secrets."""

    def __init__(
        self, display: Display, *, projects: Mapping[str, MemoryProject], pipelines: Mapping[str, str]
    ) -> None:
        self.display = display
        self.projects, self.pipelines = dict(projects), dict(pipelines)
        self.executions: dict[str, MemoryExecution] = {}
        self.jobs: dict[str, MemoryJob] = {}
        self.artifacts: dict[str, list[MemoryArtifact]] = {}  # by job id
        self.seq = 0
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[MemoryTx]:
        async with self._lock:
            yield MemoryTx(self)

    def publish(self, emissions: Sequence[Emission]) -> None:
        now = utcnow()
        for item in emissions:
            self.seq += 1
            self.display(Envelope.model_validate(event_row(self.seq, now, item)).model_dump(mode="json"))

    async def job_secrets(self, claim: Claim) -> dict[str, str]:
        return {}

    async def record_commit(self, execution_id: str, sha: str) -> None:
        execution = self.executions[execution_id]
        execution.commit_sha = execution.commit_sha or sha

    async def store_artifacts(self, claim: Claim, files: Sequence[ArtifactFile]) -> None:
        kept = []
        for file in files:
            content = await asyncio.to_thread(file.source.read_bytes)
            digest = hashlib.sha256(content).hexdigest()
            stored = StoredArtifact(new_id(), claim.job_id, file.path, len(content), digest)
            kept.append(MemoryArtifact(stored, content))
        self.artifacts[claim.job_id] = sorted(kept, key=lambda artifact: artifact.stored.path)

    async def artifacts_of(self, job_id: str) -> list[StoredArtifact]:
        return [artifact.stored for artifact in self.artifacts.get(job_id, [])]

    async def artifact_content(self, artifact_id: str) -> AsyncIterator[bytes]:
        for kept in self.artifacts.values():
            for artifact in kept:
                if artifact.stored.id == artifact_id:
                    yield artifact.content

    async def store_test_results(self, claim: Claim, cases: Sequence[TestCase]) -> dict[str, int]:
        summary = {
            status: sum(case.status == status for case in cases) for status in ("passed", "failed", "skipped")
        }
        self.jobs[claim.job_id].tests = summary
        return summary

    def in_process(self) -> None:
        return None


class MemoryTx:
    """A ``StateTx`` on a ``MemoryStore`` (its records are changed in place)."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    async def lock_execution(self, execution_id: str) -> MemoryExecution:
        execution = self.store.executions.get(execution_id)
        if execution is None:
            raise NotFound(f"execution {execution_id} not found")
        return execution

    async def jobs_of(self, execution_id: str) -> list[MemoryJob]:
        jobs = [job for job in self.store.jobs.values() if job.execution_id == execution_id]
        return sorted(jobs, key=lambda job: job.position)

    async def username(self, user_id: str) -> str | None:
        return None

    async def skip_steps(self, job_ids: Sequence[str]) -> None:
        for job_id in job_ids:
            await self.update_steps(job_id, {"status": Status.SKIPPED.value})

    async def locked_job(self, job_id: str) -> tuple[MemoryExecution, MemoryJob] | None:
        job = self.store.jobs.get(job_id)
        return None if job is None else (await self.lock_execution(job.execution_id), job)

    async def held_job(self, job_id: str, runner: str) -> MemoryJob | None:
        job = self.store.jobs.get(job_id)
        return job if job is not None and job.status == Status.RUNNING and job.runner == runner else None

    async def update_steps(
        self,
        job_id: str,
        values: Mapping[str, object],
        *,
        position: int | None = None,
        having: Status | None = None,
    ) -> None:
        for step in self.store.jobs[job_id].steps:
            if (position is None or step.position == position) and (having is None or step.status == having):
                for name, value in values.items():
                    setattr(step, name, value)

    async def append_lines(self, job: JobState, lines: Sequence[Line]) -> None:
        job.log_lines = lines[-1].n + 1  # the display showed them; nothing reads them back

    async def project(self, project_id: str) -> MemoryProject | None:
        return self.store.projects.get(project_id)

    async def next_number(self, pipeline_id: str) -> int:
        return 1 + sum(execution.pipeline_id == pipeline_id for execution in self.store.executions.values())

    def new_execution(self, columns: Mapping[str, Any]) -> MemoryExecution:
        return MemoryExecution(**columns)

    async def add_run(
        self,
        execution: ExecutionState,
        jobs: Sequence[Mapping[str, Any]],
        steps: Sequence[Mapping[str, Any]],
    ) -> None:
        assert isinstance(execution, MemoryExecution), "an execution of this store (new_execution)"
        self.store.executions[execution.id] = execution
        for columns in jobs:
            job = MemoryJob(**columns)
            self.store.jobs[job.id] = job
        for columns in steps:
            step = MemoryStep(**columns)
            self.store.jobs[step.job_id].steps.append(step)

    async def in_group(self, execution: ExecutionState) -> list[ExecutionState]:
        return [other for other in self._group(execution) if other.id != execution.id]

    def _group(self, execution: ExecutionState) -> list[MemoryExecution]:
        return [
            other
            for other in self.store.executions.values()
            if other.project_id == execution.project_id
            and other.concurrency_group == execution.concurrency_group
            and other.status not in TERMINAL
            and other.id != execution.id
        ]

    async def extend_lease(self, job_id: str, runner: str, *, until: datetime, pgid: int | None) -> Heartbeat:
        job = await self.held_job(job_id, runner)
        if job is None:
            return Heartbeat(held=False, cancel=False)
        job.lease_expires_at, job.pgid = until, pgid
        return Heartbeat(held=True, cancel=job.cancel_requested)

    async def read_execution(self, execution: ExecutionState) -> ExecutionRead:
        jobs = [JobRead.model_validate(job) for job in await self.jobs_of(execution.id)]
        snapshot = ExecutionRead.model_validate(execution)
        return snapshot.model_copy(update={"jobs": jobs, "tests": total_tests(jobs)})

    async def commit(self, *emissions: Emission) -> None:
        self.store.publish(emissions)

    async def older_in_group(self, execution: ExecutionState) -> bool:
        return any(other.created_at < execution.created_at for other in self._group(execution))

    async def next_in_group(self, execution: ExecutionState) -> str | None:
        waiting = min(self._group(execution), key=lambda other: other.created_at, default=None)
        return waiting.id if waiting is not None else None

    async def notify_maintainers(
        self, execution: ExecutionState, *, kind: str, title: str, body: str, priority: EventPriority
    ) -> list[Emission]:
        return []  # no users

    async def pipeline_name(self, pipeline_id: str) -> str | None:
        return self.store.pipelines.get(pipeline_id)

    async def lock_group(self, project_id: str, group: str) -> None:
        return None  # one transaction at a time already

    async def group_jobs(self, project_id: str, group: str, job: JobState) -> list[tuple[JobState, str]]:
        found: list[tuple[JobState, str]] = []
        for other in self.store.jobs.values():
            execution = self.store.executions[other.execution_id]
            holds_or_waits = other.status == Status.RUNNING or (
                other.status == Status.QUEUED and (other.dispatched_at or other.waiting_since) is not None
            )
            if (
                execution.project_id == project_id
                and other.concurrency_group == group
                and other.id != job.id
                and holds_or_waits
            ):
                name = self.store.pipelines.get(execution.pipeline_id, "run")
                found.append((other, f"{name} #{execution.number}"))
        return found
