"""How a running job talks to the server: in-process on a server node or in ``conveyor run``
(``DirectLink``, the local executor), or over the worker API from a remote worker that holds no database
credentials (``runners/remote.py``). ``JobRun`` sees only this protocol."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from conveyor.executions import lifecycle
from conveyor.executions.claims import (
    ArtifactFile,
    Claim,
    Heartbeat,
    Line,
    StepChange,
    StoredArtifact,
    TestCase,
)
from conveyor.executions.store import RunnerStore
from conveyor.pipelines.builtins import BuiltinJob
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
    """Straight to the update path: the runner shares its engine's state store (a server
    node's database and bus, or ``conveyor run``'s memory)."""

    store: RunnerStore
    runner: str
    lease: float

    async def report(self, claim: Claim, *, lines: Sequence[Line], steps: Sequence[StepChange]) -> bool:
        return await lifecycle.report(self.store, claim, lines=lines, steps=steps, runner=self.runner)

    async def restart(self, claim: Claim) -> bool:
        return await lifecycle.restart_job(self.store, claim, runner=self.runner)

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
        return await lifecycle.finish_job(
            self.store,
            claim,
            runner=self.runner,
            status=status,
            exit_code=exit_code,
            error=error,
            outputs=outputs,
            caches=caches,
        )

    async def heartbeat(self, claim: Claim, *, pgid: int | None) -> Heartbeat:
        return await lifecycle.heartbeat(
            self.store, claim.job_id, runner=self.runner, lease=self.lease, pgid=pgid
        )

    async def record_commit(self, claim: Claim, sha: str) -> None:
        await self.store.record_commit(claim.execution_id, sha)

    async def store_artifacts(self, claim: Claim, files: Sequence[ArtifactFile]) -> None:
        await self.store.store_artifacts(claim, files)

    async def store_test_results(self, claim: Claim, cases: Sequence[TestCase]) -> dict[str, int]:
        return await self.store.store_test_results(claim, cases)

    async def source_artifacts(self, claim: Claim, source_job_id: str) -> list[StoredArtifact]:
        return await self.store.artifacts_of(source_job_id)

    def artifact_content(self, claim: Claim, artifact: StoredArtifact) -> AsyncIterator[bytes]:
        return self.store.artifact_content(artifact.id)

    def builtin_job(self, claim: Claim) -> BuiltinJob | None:
        server = self.store.in_process()
        if server is None:
            return None
        return BuiltinJob(
            claim.project_id, claim.execution_id, claim.job_id, claim.ref, claim.commit_sha, server
        )
