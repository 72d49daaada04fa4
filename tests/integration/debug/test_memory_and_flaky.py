"""Fix memory (a verified fix proposed first for the same failure) and flaky jobs."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest

from tests.integration.debug.test_patches import broken_lint, proposed
from tests.integration.debug.test_sessions import session_event
from tests.support.pipelines import PipelineApi, completed
from tests.support.server import RunningServer

pytestmark = pytest.mark.unconfined

T = TypeVar("T")


async def until(read: Callable[[], Awaitable[T]], timeout: float = 15) -> T:
    """``read()`` once it gives something truthy; TimeoutError past ``timeout``."""

    async def poll() -> T:
        while not (value := await read()):
            await asyncio.sleep(0.05)
        return value

    return await asyncio.wait_for(
        poll(), timeout
    )  # the pipelines use files of the test (ruff, a marker file)


async def test_a_verified_fix_is_proposed_first_for_the_same_failure(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    _, _, first_run, listener = await broken_lint(server, api, tmp_path)
    [patch] = (await proposed(listener))["patches"]
    assert patch["fromMemory"] is False
    applied = await api.request("POST", f"/debug/patches/{patch['id']}/apply", 200)
    assert (await completed(listener, applied["verificationExecutionId"]))["data"]["execution"][
        "status"
    ] == "success"
    await listener.next(session_event("debug_session_updated", "fixed"), 30)

    execution = await api.execution(first_run)
    again = await api.start(execution["pipelineId"])
    assert (await completed(listener, again))["data"]["execution"]["status"] == "failed"
    session = await proposed(listener)
    assert session["executionId"] == again
    [remembered] = session["patches"]
    assert remembered["fromMemory"] is True and remembered["diff"] == patch["diff"]
    assert remembered["explanation"].startswith("Remembered") and remembered["fixer"] == "ruff"


async def test_a_job_that_passes_on_retry_is_flaky_with_its_tests(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    marker = tmp_path / "failed-once"
    project = await api.project("flaky")
    definition = f"""
        jobs:
          test:
            retries: 1
            steps:
              - run: |
                  if [ -f {marker} ]; then echo passed; exit 0; fi
                  touch {marker}
                  echo "FAILED tests/test_net.py::test_fetch - ConnectionError: reset by peer"
                  exit 1
          steady:
            steps: [{{run: 'true'}}]
        """
    pipeline = await api.pipeline(project, definition)
    listener = await server.authenticated_socket(api.token)
    execution_id = await api.start(pipeline["id"])
    assert (await completed(listener, execution_id))["data"]["execution"]["status"] == "success"
    # The runner records it just after the completion event: ask until it is there (bounded).
    flaky = await until(lambda: api.request("GET", "/debug/flaky", 200, params={"projectId": project}))
    assert flaky == [
        {
            "pipelineId": pipeline["id"],
            "jobKey": "test",
            "flakyRuns": 1,
            "lastSeen": flaky[0]["lastSeen"],
            "lastExecutionId": execution_id,
            "tests": ["tests/test_net.py::test_fetch"],
        }
    ]
    assert await api.request("GET", "/debug/sessions", 200, params={"projectId": project}) == []
    _, stranger = await server.create_user("stranger")
    await PipelineApi(server, stranger).request("GET", "/debug/flaky", 404, params={"projectId": project})
