"""A step on a Celery worker cannot take the worker's database credentials: the worker's
environment (CONVEYOR_DATABASE_URL) and the database's port on the host are out of its reach."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import make_url

from conveyor.config import Settings
from tests.integration.runners.conftest import (  # noqa: F401 - the Celery fixtures
    Worker,
    celery_api,
    celery_server,
    celery_settings,
    ready,
    workers,
)
from tests.security.test_sandbox import probe, run_script
from tests.support.pipelines import PipelineApi, job_of
from tests.support.server import RunningServer


async def test_a_step_on_a_worker_cannot_reach_the_database(
    celery_settings: Settings,  # noqa: F811
    celery_server: RunningServer,  # noqa: F811
    celery_api: PipelineApi,  # noqa: F811
    workers: Callable[[str, int], Worker],  # noqa: F811
) -> None:
    await ready(workers("probed", 1))
    database = make_url(str(celery_settings.database_url))
    script = "\n".join(
        [
            probe("worker environ", "grep -qa CONVEYOR_DATABASE_URL /proc/$PPID/environ"),
            probe("any environ", "cat /proc/[0-9]*/environ 2>/dev/null | grep -qa CONVEYOR_"),
            probe("database port", f"exec 3<>/dev/tcp/{database.host}/{database.port or 5432}"),
            'echo "variables: $(env | grep ^CONVEYOR_ | cut -d= -f1)"',
        ]
    )
    execution, lines = await run_script(celery_api, celery_server, script)
    assert execution["status"] == "success" and job_of(execution, "probe")["runner"].startswith("celery@")
    refused = ["worker environ: refused", "any environ: refused", "database port: refused"]
    # CONVEYOR_OUTPUT: the step's own output file; nothing of the worker's settings
    assert lines == [*refused, "variables: CONVEYOR_OUTPUT"]
