"""A step on a Celery worker cannot take a credential for the database: the worker holds none
(it gets each job and its secrets from the server's worker API with a worker token), its
sandbox hides the worker's environment anyway, and the database's port is out of reach."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from conveyor.config import Settings
from conveyor.runners.job import PROTECTED_ENV
from tests.integration.runners.conftest import (  # noqa: F401 - the Celery fixtures
    CONVEYOR,
    Worker,
    celery_api,
    celery_server,
    celery_settings,
    ready,
    worker_env,
    workers,
)
from tests.security.test_sandbox import probe, run_script
from tests.support.pipelines import PipelineApi, job_of
from tests.support.server import RunningServer

# Walk up from the step to the `conveyor worker` process, and read what it holds.
WORKER_PROCESS = r"""
pid=$PPID
# [ ] so that this script's own command line (bash -c ...) does not match
while [ "$pid" -gt 1 ] && ! tr '\0' ' ' < /proc/$pid/cmdline | grep -q 'conveyor[ ]worker'; do
  pid=$(awk '{print $4}' /proc/$pid/stat)
done
tr '\0' ' ' < /proc/$pid/cmdline | grep -q 'conveyor[ ]worker' && echo "found the worker: yes"
held=$(tr '\0' '\n' < /proc/$pid/environ | grep -E '^CONVEYOR_' | cut -d= -f1 | sort | paste -sd' ')
echo "worker variables: $held"
"""


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
            probe("worker environ", "grep -qa CONVEYOR_ /proc/$PPID/environ"),
            probe("any environ", "cat /proc/[0-9]*/environ 2>/dev/null | grep -qa CONVEYOR_"),
            probe("database port", f"exec 3<>/dev/tcp/{database.host}/{database.port or 5432}"),
            "echo \"variables: $(env | grep ^CONVEYOR_ | cut -d= -f1 | sort | paste -sd' ')\"",
        ]
    )
    execution, lines = await run_script(celery_api, celery_server, script)
    assert execution["status"] == "success" and job_of(execution, "probe")["runner"].startswith("celery@")
    refused = ["worker environ: refused", "any environ: refused", "database port: refused"]
    # the step's own files ($CONVEYOR_OUTPUT, $CONVEYOR_ENV...); nothing of the worker's settings
    own = " ".join(sorted(name for name in PROTECTED_ENV if name.startswith("CONVEYOR_")))
    assert lines == [*refused, f"variables: {own}"]


@pytest.mark.unconfined  # as if the step had escaped its sandbox: the worker's /proc is open to it
async def test_even_an_unconfined_step_finds_no_database_credential_in_the_worker(
    celery_settings: Settings,  # noqa: F811
    celery_server: RunningServer,  # noqa: F811
    celery_api: PipelineApi,  # noqa: F811
    workers: Callable[[str, int], Worker],  # noqa: F811
) -> None:
    await ready(workers("escaped", 1))
    database = make_url(str(celery_settings.database_url))
    assert database.database, "the test database's own name, to look for"
    secrets_key = str(celery_settings.secrets_key)
    script = "\n".join(
        [
            WORKER_PROCESS,
            probe(
                "database name", f"grep -qa -- '/{database.database}' /proc/$pid/environ /proc/$pid/cmdline"
            ),
            probe("secrets key", f"grep -qa -- '{secrets_key}' /proc/$pid/environ /proc/$pid/cmdline"),
            probe("database url", "grep -qaE 'postgres(ql)?(\\+asyncpg)?://' /proc/$pid/environ"),
        ]
    )
    execution, lines = await run_script(celery_api, celery_server, script)
    assert execution["status"] == "success" and job_of(execution, "probe")["runner"].startswith("celery@")
    assert lines == [
        "found the worker: yes",
        # what it holds: the broker, the server's URL and its worker token; no database, no key
        "worker variables: CONVEYOR_ALLOWED_REPO_ROOTS CONVEYOR_CACHE_DIR CONVEYOR_CELERY_QUEUE "
        "CONVEYOR_DATA_DIR CONVEYOR_JOB_HEARTBEAT_SECONDS CONVEYOR_REDIS_URL CONVEYOR_SANDBOX "
        "CONVEYOR_SERVER_URL CONVEYOR_WORKER_TOKEN",
        "database name: refused",
        "secrets key: refused",
        "database url: refused",
    ]


@pytest.mark.parametrize("variable", ["CONVEYOR_DATABASE_URL", "CONVEYOR_SECRETS_KEY"])
def test_a_worker_refuses_to_start_with_a_server_credential(
    celery_settings: Settings,  # noqa: F811
    tmp_path: Path,
    variable: str,
) -> None:
    env = {**worker_env(celery_settings, tmp_path / "refused"), variable: "postgresql://u:p@db/conveyor"}
    result = subprocess.run([CONVEYOR, "worker"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"a worker must not hold {variable}" in result.stderr


def test_a_worker_says_what_it_misses(celery_settings: Settings, tmp_path: Path) -> None:  # noqa: F811
    env = worker_env(celery_settings, tmp_path / "bare")
    del env["CONVEYOR_WORKER_TOKEN"], env["CONVEYOR_SERVER_URL"]
    result = subprocess.run([CONVEYOR, "worker"], env=env, capture_output=True, text=True, timeout=60)
    assert (
        result.returncode == 2
        and "a worker needs CONVEYOR_SERVER_URL, CONVEYOR_WORKER_TOKEN" in result.stderr
    )
