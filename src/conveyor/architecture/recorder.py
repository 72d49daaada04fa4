"""How ``uses: conveyor/architecture`` records its diagram: the analysis runs where the job runs
(a server node or a remote worker) and the graph is stored on the server by the same function
either way. ``DirectDiagrams`` calls it in-process; ``ApiDiagrams`` (a remote worker, no database
credentials) calls the worker API, whose routes (``workers/``) call it for the claimed job."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from conveyor.architecture import service
from conveyor.architecture.schemas import ArchitectureSettings, DiagramRead, DiagramStore, GraphWire
from conveyor.db import Database
from conveyor.events.bus import EventBus
from conveyor.pipelines.builtins import BuiltinJob, InProcess, WorkerApi


class DiagramRecorder(Protocol):
    async def settings(self) -> ArchitectureSettings:
        """The project's architecture settings (depth, layering rules)."""

    async def store(self, graph: GraphWire, depth: int) -> DiagramRead:
        """Store and announce the job's diagram (``architecture_diagram_update``)."""


def diagram_recorder(job: BuiltinJob) -> DiagramRecorder:
    if isinstance(job.server, InProcess):
        return DirectDiagrams(job, job.server.db, job.server.bus)
    return ApiDiagrams(job.server)


async def store_step_diagram(
    db: Database,
    bus: EventBus,
    *,
    project_id: str,
    ref: str | None,
    commit_sha: str | None,
    data: DiagramStore,
) -> DiagramRead:
    """A step's diagram, always on the project of the job that ran it."""
    graph = data.graph.model_dump(mode="json", by_alias=True)
    return await service.store_graph(
        db=db,
        bus=bus,
        project_id=project_id,
        graph=graph,
        depth=data.depth,
        ref=ref,
        sha=commit_sha,
        trigger="step",
    )


@dataclass(frozen=True)
class DirectDiagrams:
    job: BuiltinJob
    db: Database
    bus: EventBus

    async def settings(self) -> ArchitectureSettings:
        async with self.db.session() as session:
            return await service.get_settings(session, self.job.project_id)

    async def store(self, graph: GraphWire, depth: int) -> DiagramRead:
        job = self.job
        data = DiagramStore(graph=graph, depth=depth)
        return await store_step_diagram(
            self.db, self.bus, project_id=job.project_id, ref=job.ref, commit_sha=job.commit_sha, data=data
        )


@dataclass(frozen=True)
class ApiDiagrams:
    api: WorkerApi

    async def settings(self) -> ArchitectureSettings:
        return ArchitectureSettings.model_validate(await self.api.call("GET", "architecture/settings"))

    async def store(self, graph: GraphWire, depth: int) -> DiagramRead:
        body = DiagramStore(graph=graph, depth=depth).wire()
        return DiagramRead.model_validate(await self.api.call("POST", "architecture", body))
