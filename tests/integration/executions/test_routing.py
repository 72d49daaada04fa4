"""Runner labels end to end on the local runner (tests/integration/runners/test_celery.py runs the
same pipeline on Celery workers): `runs-on` picks the runner; a job no runner can take says why
and fails after CONVEYOR_RUNNER_WAIT_SECONDS."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from conveyor.runners.labels import runner_labels
from tests.support.pipelines import PipelineApi, completed, job_of
from tests.support.server import RunningServer
from tests.support.sockets import Listener

LABELS = """
jobs:
  anywhere:
    steps: [{run: 'echo "anywhere in $CI_PROJECT_DIR"'}]
  gpu:
    runs-on: [self-hosted, GPU]
    steps: [{run: 'echo "gpu in $CI_PROJECT_DIR"'}]
  tpu:
    runs-on: tpu
    steps: [{run: echo never}]
  after-tpu:
    needs: tpu
    steps: [{run: echo never}]
"""


async def check_labels(
    api: PipelineApi, listener: Listener, execution_id: str, runners: str
) -> dict[str, Any]:
    """The tpu job waits saying why, then fails; the rest runs. Returns the finished execution."""
    _, waiting = await listener.next(
        lambda item: (
            item[0] == "pipeline_execution_updated"
            and item[1]["data"]["executionId"] == execution_id
            and job_of(item[1]["data"]["execution"], "tpu")["waitReason"] is not None
        ),
        timeout=30,
    )
    reason = f"waiting for a runner with labels [tpu]: the runners have [{runners}]"
    assert job_of(waiting["data"]["execution"], "tpu")["waitReason"] == reason
    assert job_of(waiting["data"]["execution"], "tpu")["status"] == "queued"
    execution: dict[str, Any] = (await completed(listener, execution_id, timeout=60))["data"]["execution"]
    tpu = job_of(execution, "tpu")
    assert tpu["status"] == "failed" and tpu["error"] == f"{reason} (gave up after 2s)"
    assert tpu["waitReason"] is None and [s["status"] for s in tpu["steps"]] == ["skipped"]
    assert job_of(execution, "after-tpu")["status"] == "skipped"
    assert job_of(execution, "gpu")["status"] == job_of(execution, "anywhere")["status"] == "success"
    assert execution["status"] == "failed"
    assert execution["error"].startswith("job 'tpu': waiting for a runner")
    return execution


async def test_runs_on_picks_the_runner_and_a_job_none_can_take_waits_then_fails(
    server_with: Callable[..., AbstractAsyncContextManager[RunningServer]],
) -> None:
    overrides = {"runner_labels": ["gpu"], "runner_wait_seconds": 2, "reaper_interval_seconds": 0.2}
    async with server_with(**overrides) as server:
        api = PipelineApi(server, await server.admin_token())
        pipeline = await api.pipeline(await api.project("labels"), LABELS)
        listener = await server.authenticated_socket(api.token)
        execution_id = await api.start(pipeline["id"])
        local = ", ".join(sorted(runner_labels(["gpu"], local=True)))
        execution = await check_labels(api, listener, execution_id, local)
        assert job_of(execution, "gpu")["runner"].startswith("local@")
