"""How a running job talks to the server: in-process on a server node (``DirectLink``, the
local executor), or over the worker API from a remote worker that holds no database
credentials (``runners/remote.py``). ``JobRun`` sees only this protocol."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from conveyor.db import Database
from conveyor.events.bus import EventBus
from conveyor.executions import updates
from conveyor.executions.service import artifact_content
from conveyor.executions.updates import (
    ArtifactFile,
    Claim,
    Heartbeat,
    Line,
    StepChange,
    StoredArtifact,
    TestCase,
)
from conveyor.pipelines.builtins import BuiltinJob, InProcess
from conveyor.status import Status


class JobLink(Protocol):
    """Every call but ``source_artifacts`` and ``artifact_content`` answers or acts only while
    this runner still holds the job (False, or ``held=False``, once it lost it)."""

    async def report(self, claim: Claim, *, lines: Sequence[Line], steps: Sequence[StepChange]) -> bool: ...

    async def restart(self, claim: Claim) -> bool: ...

    async def finish(
        self,
        claim: Claim,
        *,
        status: Status,
        exit_code: int | None,
        error: str | None,
        outputs: dict[str, str] | None,
        caches: list[dict[str, object]] | None,
    ) -> bool: ...

    async def heartbeat(self, claim: Claim, *, pgid: int | None) -> Heartbeat: ...

    async def record_commit(self, claim: Claim, sha: str) -> None: ...

    async def store_artifacts(self, claim: Claim, files: Sequence[ArtifactFile]) -> None: ...

    async def store_test_results(self, claim: Claim, cases: Sequence[TestCase]) -> dict[str, int]: ...

    async def source_artifacts(self, claim: Claim, source_job_id: str) -> list[StoredArtifact]: ...

    def artifact_content(self, claim: Claim, artifact: StoredArtifact) -> AsyncIterator[bytes]: ...

    def builtin_job(self, claim: Claim) -> BuiltinJob | None:
        """What ``uses: conveyor/...`` steps that record on the server get (None: they cannot)."""


@dataclass
class DirectLink:
    """Straight to the update path: the runner shares the server's database and bus."""

    db: Database
    bus: EventBus
    runner: str
    lease: float

    async def report(self, claim: Claim, *, lines: Sequence[Line], steps: Sequence[StepChange]) -> bool:
        return await updates.report(self.db, self.bus, claim, lines=lines, steps=steps, runner=self.runner)

    async def restart(self, claim: Claim) -> bool:
        return await updates.restart_job(self.db, self.bus, claim, runner=self.runner)

    async def finish(
        self,
        claim: Claim,
        *,
        status: Status,
        exit_code: int | None,
        error: str | None,
        outputs: dict[str, str] | None,
        caches: list[dict[str, object]] | None,
    ) -> bool:
        return await updates.finish_job(
            self.db,
            self.bus,
            claim,
            runner=self.runner,
            status=status,
            exit_code=exit_code,
            error=error,
            outputs=outputs,
            caches=caches,
        )

    async def heartbeat(self, claim: Claim, *, pgid: int | None) -> Heartbeat:
        return await updates.heartbeat(self.db, claim.job_id, runner=self.runner, lease=self.lease, pgid=pgid)

    async def record_commit(self, claim: Claim, sha: str) -> None:
        await updates.record_commit(self.db, claim.execution_id, sha)

    async def store_artifacts(self, claim: Claim, files: Sequence[ArtifactFile]) -> None:
        await updates.store_artifacts(self.db, claim, files)

    async def store_test_results(self, claim: Claim, cases: Sequence[TestCase]) -> dict[str, int]:
        return await updates.store_test_results(self.db, claim, cases)

    async def source_artifacts(self, claim: Claim, source_job_id: str) -> list[StoredArtifact]:
        return await updates.artifacts_of(self.db, source_job_id)

    def artifact_content(self, claim: Claim, artifact: StoredArtifact) -> AsyncIterator[bytes]:
        return artifact_content(self.db, artifact.id)

    def builtin_job(self, claim: Claim) -> BuiltinJob | None:
        return BuiltinJob(
            claim.project_id,
            claim.execution_id,
            claim.job_id,
            claim.ref,
            claim.commit_sha,
            InProcess(self.db, self.bus),
        )
