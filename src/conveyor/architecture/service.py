"""Architecture diagrams of a project's code: analyse a checkout, store the graph with what
changed since the project's previous diagram, announce it (``architecture_diagram_update``)."""

from __future__ import annotations

import asyncio
import re
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.architecture import render
from conveyor.architecture.analyze import LayerRule, analyse
from conveyor.architecture.models import ArchitectureConfig, ArchitectureDiagram
from conveyor.architecture.schemas import (
    ArchitectureSettings,
    DiagramChanges,
    DiagramFormat,
    DiagramRead,
    DiagramSummary,
)
from conveyor.auth.principal import Principal
from conveyor.auth.roles import Role
from conveyor.db import Database, new_id, utcnow
from conveyor.errors import InvalidInput, NotFound
from conveyor.events.bus import EventBus
from conveyor.events.catalog import ArchitectureDiagramData, EventType
from conveyor.events.schemas import emission
from conveyor.projects.access import require_in_project
from conveyor.projects.models import Project

GIT_TIMEOUT_SECONDS = 300.0
_CREDENTIALS = re.compile(r"://[^/@\s]+@")


async def get_settings(session: AsyncSession, project_id: str) -> ArchitectureSettings:
    row = await session.get(ArchitectureConfig, project_id)
    if row is None:
        return ArchitectureSettings()
    return ArchitectureSettings(depth=row.depth, layers=row.layers, auto=row.auto)


async def put_settings(
    *, session: AsyncSession, project_id: str, data: ArchitectureSettings
) -> ArchitectureSettings:
    row = await session.get(ArchitectureConfig, project_id)
    if row is None:
        row = ArchitectureConfig(project_id=project_id)
        session.add(row)
    row.depth, row.layers, row.auto = data.depth, data.layers, data.auto
    await session.commit()
    return data


async def analyse_project(
    *,
    session: AsyncSession,
    bus: EventBus,
    project: Project,
    ref: str | None,
    depth: int | None,
    trigger: str = "api",
) -> DiagramRead:
    """Check the project's repository out at ``ref`` (its default branch) and diagram it, in the
    caller's transaction."""
    settings = await get_settings(session, project.id)
    async with _checkout_of(project, ref) as (root, ref, sha):
        graph, depth = await analyse_tree(root, settings, depth)
    return await _store(session, bus, project.id, graph, depth=depth, ref=ref, sha=sha, trigger=trigger)


async def auto_diagram(*, db: Database, bus: EventBus, project_id: str, ref: str) -> DiagramRead | None:
    """The diagram of a default-branch run: cloned and analysed outside any transaction."""
    async with db.session() as session:
        project = await session.get(Project, project_id)
    if project is None:
        return None
    async with _checkout_of(project, ref) as (root, ref, sha):
        return await record(
            db=db, bus=bus, project_id=project_id, root=root, ref=ref, sha=sha, trigger="auto"
        )


@asynccontextmanager
async def _checkout_of(project: Project, ref: str | None) -> AsyncIterator[tuple[Path, str, str]]:
    if not project.repo_url:
        raise InvalidInput("the project has no repository to analyse")
    ref = ref or project.default_branch
    with tempfile.TemporaryDirectory(prefix="conveyor-architecture-") as folder:
        root = Path(folder) / "src"
        sha = await checkout(project.repo_url, ref, root)
        yield root, ref, sha


async def record(
    *,
    db: Database,
    bus: EventBus,
    project_id: str,
    root: Path,
    ref: str | None,
    sha: str | None,
    trigger: str,
    depth: int | None = None,
) -> DiagramRead:
    """Analyse ``root`` with the project's settings (no transaction held meanwhile), then store
    and announce the diagram."""
    async with db.session() as session:
        settings = await get_settings(session, project_id)
    graph, depth = await analyse_tree(root, settings, depth)
    return await store_graph(
        db=db, bus=bus, project_id=project_id, graph=graph, depth=depth, ref=ref, sha=sha, trigger=trigger
    )


async def store_graph(
    *,
    db: Database,
    bus: EventBus,
    project_id: str,
    graph: dict[str, Any],
    depth: int,
    ref: str | None,
    sha: str | None,
    trigger: str,
) -> DiagramRead:
    """Store and announce a graph analysed elsewhere (a pipeline step, maybe on a worker)."""
    async with db.write_session() as session:
        return await _store(session, bus, project_id, graph, depth=depth, ref=ref, sha=sha, trigger=trigger)


async def analyse_tree(
    root: Path, settings: ArchitectureSettings, depth: int | None
) -> tuple[dict[str, Any], int]:
    """The graph of ``root`` (in a thread) and the depth it was grouped at."""
    depth = depth or settings.depth
    rule = LayerRule(tuple(tuple(layer) for layer in settings.layers)) if settings.layers else None
    return (await asyncio.to_thread(analyse, root, depth=depth, rule=rule)).as_json(), depth


async def _store(
    session: AsyncSession,
    bus: EventBus,
    project_id: str,
    graph: dict[str, Any],
    *,
    depth: int,
    ref: str | None,
    sha: str | None,
    trigger: str,
) -> DiagramRead:
    previous = await latest(session, project_id)
    changes = render.changes_between(previous.graph if previous else None, graph)
    diagram = ArchitectureDiagram(
        id=new_id(),
        project_id=project_id,
        ref=ref,
        commit_sha=sha,
        depth=depth,
        trigger=trigger,
        graph=graph,
        changes=changes.model_dump(mode="json"),
        mermaid=render.mermaid(graph, changes),
        previous_id=previous.id if previous else None,
        created_at=utcnow(),
    )
    session.add(diagram)
    read = diagram_read(diagram)
    data = ArchitectureDiagramData(diagramId=diagram.id, diagram=read)
    await bus.commit(session, emission(EventType.ARCHITECTURE_DIAGRAM_UPDATE, data, project_id=project_id))
    return read


async def latest(session: AsyncSession, project_id: str) -> ArchitectureDiagram | None:
    statement = (
        select(ArchitectureDiagram)
        .where(ArchitectureDiagram.project_id == project_id)
        .order_by(ArchitectureDiagram.created_at.desc())
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def list_diagrams(session: AsyncSession, project_id: str, limit: int) -> list[DiagramRead]:
    statement = (
        select(ArchitectureDiagram)
        .where(ArchitectureDiagram.project_id == project_id)
        .order_by(ArchitectureDiagram.created_at.desc())
        .limit(limit)
    )
    return [diagram_read(d) for d in (await session.execute(statement)).scalars()]


async def require_diagram(
    session: AsyncSession, principal: Principal, diagram_id: str, needed: Role = Role.VIEWER
) -> ArchitectureDiagram:
    """The diagram if the caller holds ``needed`` in its project (a stranger's 404 names the diagram)."""
    diagram = await session.get(ArchitectureDiagram, diagram_id)
    if diagram is None:
        raise NotFound(f"diagram {diagram_id} not found")
    await require_in_project(session, principal, diagram.project_id, needed, what=f"diagram {diagram_id}")
    return diagram


def diagram_read(diagram: ArchitectureDiagram) -> DiagramRead:
    graph = diagram.graph
    return DiagramRead(
        diagram_id=diagram.id,
        project_id=diagram.project_id,
        ref=diagram.ref,
        commit_sha=diagram.commit_sha,
        depth=diagram.depth,
        trigger=diagram.trigger,
        created_at=diagram.created_at,
        summary=DiagramSummary(
            components=len(graph["components"]),
            edges=len(graph["edges"]),
            cycles=len(graph["cycles"]),
            breaches=len(graph["breaches"]),
            modules=graph["stats"]["modules"],
            skipped=len(graph["skipped"]),
        ),
        changes=DiagramChanges.model_validate(diagram.changes),
        previous_id=diagram.previous_id,
        mermaid=diagram.mermaid,
    )


def export(diagram: ArchitectureDiagram, fmt: DiagramFormat) -> tuple[str, str | dict[str, Any]]:
    """(media type, body) of the diagram in ``fmt``."""
    if fmt == DiagramFormat.MERMAID:
        return "text/vnd.mermaid; charset=utf-8", diagram.mermaid
    if fmt == DiagramFormat.SVG:
        return "image/svg+xml", render.svg(diagram.graph)
    return "application/json", {**diagram_read(diagram).wire(), "graph": diagram.graph}


async def checkout(repo_url: str, ref: str, dest: Path) -> str:
    """A shallow clone of ``ref`` (a branch or tag; else a full clone and a checkout of it)."""
    try:
        await _git("clone", "--quiet", "--depth", "1", "--branch", ref, "--", repo_url, str(dest))
    except InvalidInput:
        await _git("clone", "--quiet", "--no-checkout", "--", repo_url, str(dest))
        await _git("-C", str(dest), "checkout", "--quiet", "--detach", ref)
    return (await _git("-C", str(dest), "rev-parse", "HEAD")).strip()


async def _git(*args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        "git", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), GIT_TIMEOUT_SECONDS)
    except TimeoutError:
        process.kill()
        raise InvalidInput("git did not finish in time") from None
    if process.returncode != 0:
        # git's own words, with any credentials of the URL blanked out.
        last = (err.decode(errors="replace").strip().splitlines() or ["git failed"])[-1]
        reason = _CREDENTIALS.sub("://***@", last.removeprefix("fatal: "))
        raise InvalidInput(f"cannot check out the repository: {reason[:200]}")
    return out.decode()
