"""What the server keeps of a job beside its state: artifacts, test results, the commit it
resolved, its secrets, and a job whose runner is gone (the reaper). The state changes runners
report are in ``lifecycle``."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.db import Database, new_id, utcnow
from conveyor.events.bus import EventBus
from conveyor.events.catalog import EventType
from conveyor.executions.claims import ArtifactFile, Claim, StoredArtifact, TestCase
from conveyor.executions.lifecycle import claim_of
from conveyor.executions.models import Artifact, ArtifactChunk, Execution, Job, Step, TestResult
from conveyor.executions.state import execution_event, lock_execution
from conveyor.projects.secrets import SecretCipher
from conveyor.projects.service import secret_values
from conveyor.status import Status

ARTIFACT_CHUNK_BYTES = 1024 * 1024


async def artifacts_of(db: Database, job_id: str) -> list[StoredArtifact]:
    async with db.session() as session:
        statement = select(Artifact).where(Artifact.job_id == job_id).order_by(Artifact.path)
        rows = (await session.execute(statement)).scalars()
        return [StoredArtifact(row.id, row.job_id, row.path, row.size, row.sha256) for row in rows]


async def artifact_content(db: Database, artifact_id: str) -> AsyncIterator[bytes]:
    """The artifact's bytes a chunk at a time, each read in its own short session."""
    statement = select(ArtifactChunk.data).where(ArtifactChunk.artifact_id == artifact_id)
    n = 0
    while True:
        async with db.session() as session:
            data = (await session.execute(statement.where(ArtifactChunk.n == n))).scalar_one_or_none()
        if data is None:
            return
        yield data
        n += 1


async def held_claim(db: Database, job_id: str, *, holder: str) -> Claim | None:
    """Who a remote worker reports on: the job, if the worker token ``holder`` claimed it last
    (its ``needs``, ``conveyor`` and sources are left empty: reports do not read them)."""
    async with db.session() as session:
        job = await session.get(Job, job_id)
        if job is None or job.worker_token_id != holder:
            return None
        execution = await session.get(Execution, job.execution_id)
        if execution is None:
            return None
        return claim_of(job, execution, None, {}, {})


async def job_secrets(db: Database, cipher: SecretCipher, claim: Claim) -> dict[str, str]:
    """The claimed job's project secrets, decrypted for its environment (masked in its output).

    A pull request from a fork gets none: its code was written by someone outside the project."""
    async with db.session() as session:
        if await session.scalar(select(Execution.from_fork).where(Execution.id == claim.execution_id)):
            return {}
        return await secret_values(session, cipher, claim.project_id)


async def store_artifacts(db: Database, claim: Claim, files: Sequence[ArtifactFile]) -> None:
    """Replace the job's artifacts (a retry's replace the last attempt's) with ``files``."""
    await delete_artifacts(db, claim)
    for file in files:
        await _store_artifact(db, claim, file)


async def _store_artifact(db: Database, claim: Claim, file: ArtifactFile) -> None:
    with file.source.open("rb") as stream:
        await store_artifact(db, claim, file.path, _file_chunks(stream))


async def _file_chunks(stream: BinaryIO) -> AsyncIterator[bytes]:
    while chunk := await asyncio.to_thread(stream.read, ARTIFACT_CHUNK_BYTES):
        yield chunk


async def delete_artifacts(db: Database, claim: Claim) -> None:
    async with db.write_session() as session:
        await session.execute(delete(Artifact).where(Artifact.job_id == claim.job_id))
        await session.commit()


async def store_artifact(db: Database, claim: Claim, path: str, chunks: AsyncIterator[bytes]) -> int:
    """One file of the job's artifacts in one transaction, written as it arrives in rows of
    ``ARTIFACT_CHUNK_BYTES`` (never the whole file in memory); its size. It replaces a file of
    the same path (an upload tried again)."""
    digest, size, n = hashlib.sha256(), 0, 0
    async with db.write_session() as session:
        await session.execute(delete(Artifact).where(Artifact.job_id == claim.job_id, Artifact.path == path))
        artifact = Artifact(
            execution_id=claim.execution_id, job_id=claim.job_id, path=path, size=0, sha256=""
        )
        session.add(artifact)
        await session.flush()
        async for chunk in _rows(chunks):
            await session.execute(insert(ArtifactChunk).values(artifact_id=artifact.id, n=n, data=chunk))
            digest.update(chunk)
            size, n = size + len(chunk), n + 1
        artifact.size, artifact.sha256 = size, digest.hexdigest()
        await session.commit()
    return size


async def _rows(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The bytes of ``chunks`` again, cut into pieces of ``ARTIFACT_CHUNK_BYTES`` (the last shorter)."""
    pending = bytearray()
    async for chunk in chunks:
        pending += chunk
        while len(pending) >= ARTIFACT_CHUNK_BYTES:
            yield bytes(pending[:ARTIFACT_CHUNK_BYTES])
            del pending[:ARTIFACT_CHUNK_BYTES]
    if pending:
        yield bytes(pending)


async def store_test_results(db: Database, claim: Claim, cases: Sequence[TestCase]) -> dict[str, int]:
    """Replace the job's test results (a retry's replace the last attempt's); its summary."""
    summary = {
        status: sum(case.status == status for case in cases) for status in ("passed", "failed", "skipped")
    }
    async with db.write_session() as session:
        await session.execute(delete(TestResult).where(TestResult.job_id == claim.job_id))
        rows = [
            {"id": new_id(), "execution_id": claim.execution_id, "job_id": claim.job_id, **vars(case)}
            for case in cases
        ]
        for start in range(0, len(rows), 1000):
            await session.execute(insert(TestResult), rows[start : start + 1000])
        await session.execute(update(Job).where(Job.id == claim.job_id).values(tests=summary))
        await session.commit()
    return summary


async def record_commit(db: Database, execution_id: str, sha: str) -> None:
    """The commit the first checkout resolved: every later job of the execution uses it."""
    async with db.write_session() as session:
        await session.execute(
            update(Execution)
            .where(Execution.id == execution_id, Execution.commit_sha.is_(None))
            .values(commit_sha=sha)
        )
        await session.commit()


async def lose_job(
    db: Database, bus: EventBus, job_id: str, *, reason: str, expired_before: datetime | None
) -> bool:
    """A running job whose runner is gone: queued again if it has retries left, else failed.

    With ``expired_before`` only a job whose lease ended before then is taken (the reaper);
    without it the caller knows the runner is dead (a restarted node recognising its own jobs).
    """
    async with db.write_session() as session:
        job = await session.get(Job, job_id)
        if job is None:
            return False
        execution = await lock_execution(session, job.execution_id)
        await session.refresh(job)
        expired = expired_before is None or (job.lease_expires_at or expired_before) < expired_before
        if job.status != Status.RUNNING or not expired:
            await session.commit()
            return False
        await _mark_lost(session, job, reason)
        updated = await execution_event(session, EventType.PIPELINE_EXECUTION_UPDATED, execution)
        await bus.commit(session, updated)
        return True


async def _mark_lost(session: AsyncSession, job: Job, reason: str) -> None:
    now = utcnow()
    running = update(Step).where(Step.job_id == job.id, Step.status == Status.RUNNING.value)
    await session.execute(running.values(status=Status.FAILED.value, error=reason, finished_at=now))
    job.runner = job.lease_expires_at = job.pgid = None
    if job.retries_left > 0:
        job.status, job.dispatched_at, job.retries_left = Status.QUEUED, None, job.retries_left - 1
        job.error = f"{reason}; retrying"
        return
    job.status, job.error, job.finished_at = Status.FAILED, reason, now
    queued = update(Step).where(Step.job_id == job.id, Step.status == Status.QUEUED.value)
    await session.execute(queued.values(status=Status.SKIPPED.value))
