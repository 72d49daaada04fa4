"""Pipelines from the repository: each pipeline file at a commit is a pipeline of its project.

A file gets its pipeline row (``source: repository``, its ``path``) the first time a push, a run
or a sync sees it; the row holds the file as last seen on the default branch (its schedule comes
from there) and the run reads the file at its own commit. A file that does not validate still
gets its row, with the reason in ``error``: its runs fail with that reason, the others run.
Pipelines stored through the API live beside them unchanged.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.db import new_id, utcnow
from conveyor.errors import InvalidInput
from conveyor.events.bus import EventBus
from conveyor.events.catalog import EventType
from conveyor.events.schemas import Emission
from conveyor.logs import get_logger
from conveyor.pipelines.models import Pipeline, PipelineSource
from conveyor.pipelines.repository import PipelineFile, RepositoryMirrors
from conveyor.pipelines.service import pipeline_event
from conveyor.pipelines.spec import PipelineSpec, parse_definition
from conveyor.pipelines.spec.formats import parse_pipeline
from conveyor.pipelines.spec.schedule import next_run
from conveyor.projects.models import Project

log = get_logger(__name__)


@dataclass(frozen=True)
class PipelineAtCommit:
    """A pipeline as it stands at one commit: the text to run, its spec, or why it cannot run."""

    pipeline: Pipeline
    definition: str
    spec: PipelineSpec | None
    error: str | None = None


async def pipelines_at_commit(
    *,
    session: AsyncSession,
    bus: EventBus,
    mirrors: RepositoryMirrors,
    project: Project,
    sha: str,
    on_default_branch: bool,
    strict: bool = True,
) -> list[PipelineAtCommit]:
    """The project's API pipelines and its pipeline files at ``sha``, rows created or (on the
    default branch) updated, announced and committed. When the commit cannot be read: InvalidInput,
    or without ``strict`` a warning and the API pipelines alone."""
    rows = await _pipelines(session, project.id)
    found = [
        PipelineAtCommit(row, row.definition, parse_definition(row.definition))
        for row in rows
        if row.source == PipelineSource.API
    ]
    if not project.repo_url:
        return found
    try:
        files = await mirrors.files_at(project.repo_url, sha, workflows=project.github_workflows)
    except InvalidInput as exc:
        if strict:
            raise
        log.warning("pipeline files not read", project=project.id, sha=sha, reason=exc.detail)
        return found
    by_path = {row.path: row for row in rows if row.path is not None}
    events: list[Emission] = []
    names = {row.name for row in rows}
    for file in files:
        spec, error = await _parse(file)
        row = by_path.get(file.path)
        if row is None:
            row, created = await _adopt(
                session, _new_row(project, file, _free_name(file.path, names), spec, error)
            )
            names.add(row.name)
            if created:
                events.append(pipeline_event(EventType.PIPELINE_CREATED, row))
        elif on_default_branch and (row.definition, row.error) != (file.text or "", error):
            _update_row(row, file, spec, error)
            events.append(pipeline_event(EventType.PIPELINE_UPDATED, row))
        found.append(PipelineAtCommit(row, file.text or "", spec, error))
    if on_default_branch:
        events += _unschedule_removed(by_path, {file.path for file in files})
    await bus.commit(session, *events)
    return found


async def _adopt(session: AsyncSession, row: Pipeline) -> tuple[Pipeline, bool]:
    """The new row, or the one another delivery made for the same file since we looked."""
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        existing = await session.scalar(
            select(Pipeline).where(Pipeline.project_id == row.project_id, Pipeline.path == row.path)
        )
        if existing is None:
            raise
        return existing, False
    return row, True


async def _parse(file: PipelineFile) -> tuple[PipelineSpec | None, str | None]:
    if file.text is None:
        return None, file.problem
    try:
        return await asyncio.to_thread(parse_pipeline, file.path, file.text), None
    except InvalidInput as exc:
        return None, f"{file.path}: {exc.detail}"


def _new_row(
    project: Project, file: PipelineFile, name: str, spec: PipelineSpec | None, error: str | None
) -> Pipeline:
    now = utcnow()
    return Pipeline(
        id=new_id(),
        project_id=project.id,
        name=name,
        definition=file.text or "",
        source=PipelineSource.REPOSITORY,
        path=file.path,
        error=error,
        next_run_at=next_run(spec, now) if spec is not None else None,
        created_at=now,
        updated_at=now,
    )


def _update_row(row: Pipeline, file: PipelineFile, spec: PipelineSpec | None, error: str | None) -> None:
    now = utcnow()
    row.definition, row.error, row.updated_at = file.text or "", error, now
    row.next_run_at = next_run(spec, now) if spec is not None else None


def _unschedule_removed(by_path: dict[str, Pipeline], present: set[str]) -> list[Emission]:
    """A file gone from the default branch keeps its row (and runs) but no longer runs on schedule."""
    events = []
    for path, row in by_path.items():
        if path not in present and row.next_run_at is not None:
            row.next_run_at = None
            row.error = f"{path} is no longer on the default branch"
            events.append(pipeline_event(EventType.PIPELINE_UPDATED, row))
    return events


def _free_name(path: str, taken: set[str]) -> str:
    """The file's stem (``.conveyor.yml`` is ``conveyor``), numbered when another pipeline has it."""
    stem = PurePosixPath(path).stem.lstrip(".") or "pipeline"
    base = re.sub(r"[^A-Za-z0-9 _.-]+", "-", stem)[:90]
    base = base if base[:1].isalnum() else "p" + base
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name


async def _pipelines(session: AsyncSession, project_id: str) -> list[Pipeline]:
    statement = select(Pipeline).where(Pipeline.project_id == project_id).order_by(Pipeline.name)
    return list((await session.execute(statement)).scalars())


async def sync_repository(
    *, session: AsyncSession, bus: EventBus, mirrors: RepositoryMirrors, project: Project, ref: str | None
) -> list[Pipeline]:
    """Read the pipeline files at ``ref`` (the default branch when None); their pipelines."""
    if not project.repo_url:
        raise InvalidInput("the project has no repository (set its repoUrl)")
    branch = ref or project.default_branch
    sha = await mirrors.resolve(project.repo_url, branch)
    on_default = branch.removeprefix("refs/heads/") == project.default_branch
    found = await pipelines_at_commit(
        session=session, bus=bus, mirrors=mirrors, project=project, sha=sha, on_default_branch=on_default
    )
    return [item.pipeline for item in found if item.pipeline.source == PipelineSource.REPOSITORY]
