"""``conveyor run``: one pipeline file on the local runner, without a server.

State lives in a throw-away SQLite database; the current directory is the workspace of every
job (no checkout); events go straight to a display instead of sockets.
"""

from __future__ import annotations

import asyncio
import signal
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conveyor.auth import models as _users  # noqa: F401  (the table the others refer to)
from conveyor.config import Settings
from conveyor.db import Base, Database, new_id
from conveyor.events.bus import EventBus
from conveyor.executions.models import Execution
from conveyor.executions.service import Trigger, start_execution
from conveyor.pipelines.builtins import handler_of
from conveyor.pipelines.models import Pipeline
from conveyor.pipelines.spec import parse_definition
from conveyor.projects.models import Project
from conveyor.projects.secrets import SecretCipher
from conveyor.runners.execute import runner_id
from conveyor.runners.local import LocalExecutor
from conveyor.runners.node import RunnerEnv
from conveyor.status import Status

Display = Callable[[dict[str, Any]], None]


class DisplayEmitter:
    """Stands in for Socket.IO: hands every committed event envelope to the display."""

    def __init__(self, display: Display) -> None:
        self.display = display

    async def emit(
        self, event: str, data: Any = None, *, namespace: str | None = None, room: Any = None
    ) -> None:
        if isinstance(data, dict) and "envelope" in data:
            self.display(data["envelope"])


async def run_pipeline_file(
    definition: str, *, name: str, workspace: Path, max_parallel: int, display: Display
) -> Status:
    """Run the pipeline to its end and return its status (InvalidInput if the YAML is refused)."""
    spec = parse_definition(definition)
    for name in {step.uses for job in spec.jobs.values() for step in job.steps if step.uses}:
        handler_of(name)  # the step's domain, imported now so that its tables are created
    with tempfile.TemporaryDirectory(prefix="conveyor-run-") as scratch:
        settings = Settings(
            data_dir=Path(scratch),
            database_url=f"sqlite+aiosqlite:///{scratch}/run.db",
            max_parallel_jobs=max_parallel,
            log_flush_seconds=0.1,
        )
        db = Database(settings.resolved_database_url)
        try:
            return await _run(db, settings, definition, name, workspace, display)
        finally:
            await db.dispose()


async def _run(
    db: Database, settings: Settings, definition: str, name: str, workspace: Path, display: Display
) -> Status:
    # A scratch database: the tables straight from the models, without Alembic's chain (faster),
    # and only those of the domains a local run imports (not every domain's models). It is new,
    # so no table is looked up before it is created.
    async with db.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all, checkfirst=False)
    bus = EventBus(DisplayEmitter(display))
    cipher = SecretCipher(new_id())
    env = RunnerEnv(
        db=db,
        bus=bus,
        settings=settings,
        cipher=cipher,
        runner_id=runner_id("local"),
        fixed_workspace=workspace,
    )
    executor = LocalExecutor(env, env.store, max_parallel=settings.max_parallel_jobs)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGINT, executor.cancel_all)
    try:
        async with db.write_session() as session:
            project = Project(id=new_id(), name="local", repo_url=None, default_branch="main")
            pipeline = Pipeline(id=new_id(), project_id=project.id, name=name, definition=definition)
            session.add(project)
            await session.flush()
            session.add(pipeline)
            await session.flush()
            execution = await start_execution(
                session=session,
                bus=bus,
                executor=executor,
                pipeline=pipeline,
                actor_id=None,
                trigger=Trigger.MANUAL,
            )
        await executor.wait_idle()
    finally:
        loop.remove_signal_handler(signal.SIGINT)
    async with db.session() as session:
        finished = await session.get(Execution, execution.id)
    return Status(finished.status if finished else Status.FAILED)
