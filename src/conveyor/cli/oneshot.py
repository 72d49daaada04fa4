"""``conveyor run``: one pipeline file on the local runner, without a server.

The server's engine runs it (``executions.runs``, ``dag``, ``lifecycle``) on a state store in
memory, so a local run imports no database code. A pipeline with a step that records on the
server (a scan, a diagram) runs on a throw-away SQLite database instead, as on a server. The
current directory is the workspace of every job (no checkout); events go straight to a display
instead of sockets.
"""

from __future__ import annotations

import asyncio
import signal
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conveyor.basics import new_id
from conveyor.config import Settings
from conveyor.executions.memstore import MemoryProject, MemoryStore
from conveyor.executions.runs import PipelineState, Trigger, start_execution
from conveyor.executions.store import RunnerStore
from conveyor.pipelines.builtins import RECORDING, handler_of
from conveyor.pipelines.spec import parse_definition
from conveyor.runners.execute import runner_id
from conveyor.runners.job import Runner
from conveyor.runners.local import LocalExecutor
from conveyor.status import Status

Display = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class LocalPipeline:
    """The pipeline of a local run: its file's text, in a project of its own."""

    id: str
    project_id: str
    name: str
    definition: str
    path: str | None = None


async def run_pipeline_file(
    definition: str, *, name: str, workspace: Path, max_parallel: int, display: Display
) -> Status:
    """Run the pipeline to its end and return its status (InvalidInput if the YAML is refused)."""
    spec = parse_definition(definition)
    uses = {step.uses for job in spec.jobs.values() for step in job.steps if step.uses}
    for step in uses:
        handler_of(step)  # the step's domain, imported now (and its tables, for the database)
    pipeline = LocalPipeline(id=new_id(), project_id=new_id(), name=name, definition=definition)
    with tempfile.TemporaryDirectory(prefix="conveyor-run-") as scratch:
        settings = Settings(
            data_dir=Path(scratch),
            database_url=f"sqlite+aiosqlite:///{scratch}/run.db",
            max_parallel_jobs=max_parallel,
            log_flush_seconds=0.1,
        )
        runner = Runner(settings=settings, runner_id=runner_id("local"), fixed_workspace=workspace)
        if uses & RECORDING:
            return await _on_database(settings, runner, pipeline, display)
        store = MemoryStore(
            display, projects={pipeline.project_id: MemoryProject()}, pipelines={pipeline.id: name}
        )
        return await _run(runner, store, pipeline)


async def _run(runner: Runner, store: RunnerStore, pipeline: PipelineState) -> Status:
    executor = LocalExecutor(runner, store, max_parallel=runner.settings.max_parallel_jobs)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGINT, executor.cancel_all)
    try:
        async with store.write() as tx:
            started = await start_execution(
                tx, executor=executor, pipeline=pipeline, actor_id=None, trigger=Trigger.MANUAL
            )
        await executor.wait_idle()
    finally:
        loop.remove_signal_handler(signal.SIGINT)
    async with store.write() as tx:
        return Status((await tx.lock_execution(started.id)).status)


async def _on_database(
    settings: Settings, runner: Runner, pipeline: LocalPipeline, display: Display
) -> Status:
    """The run on a scratch SQLite database, for the steps that record there."""
    from conveyor.auth import models as _users  # noqa: F401  (the table the others refer to)
    from conveyor.db import Base, Database
    from conveyor.events.bus import EventBus
    from conveyor.executions.sqlstore import SqlRunnerStore
    from conveyor.pipelines.models import Pipeline
    from conveyor.projects.models import Project
    from conveyor.projects.secrets import SecretCipher

    db = Database(settings.resolved_database_url)
    try:
        # The tables straight from the models, without Alembic's chain (faster), and only those
        # of the domains a local run imports. It is new, so no table is looked up first.
        async with db.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all, checkfirst=False)
        row = Pipeline(id=pipeline.id, project_id=pipeline.project_id, name=pipeline.name)
        row.definition = pipeline.definition
        async with db.write_session() as session:
            session.add(Project(id=pipeline.project_id, name="local", repo_url=None, default_branch="main"))
            await session.flush()
            session.add(row)
            await session.commit()
        store = SqlRunnerStore(db, EventBus(DisplayEmitter(display)), SecretCipher(new_id()))
        return await _run(runner, store, row)
    finally:
        await db.dispose()


class DisplayEmitter:
    """Stands in for Socket.IO: hands every committed event envelope to the display."""

    def __init__(self, display: Display) -> None:
        self.display = display

    async def emit(
        self, event: str, data: Any = None, *, namespace: str | None = None, room: Any = None
    ) -> None:
        if isinstance(data, dict) and "envelope" in data:
            self.display(data["envelope"])
