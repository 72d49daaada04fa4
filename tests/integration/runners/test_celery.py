from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import redis

from conveyor.config import Settings
from conveyor.runners.labels import runner_labels
from tests.integration.executions.test_approvals import check_approvals
from tests.integration.executions.test_job_concurrency import check_job_concurrency
from tests.integration.executions.test_language import (
    ARTIFACTS_AND_CACHES,
    OUTPUTS,
    REPORTS,
    RUN_CONTROL,
    check_artifacts_and_caches,
    check_outputs,
    check_reports,
    check_run_control,
)
from tests.integration.executions.test_routing import LABELS, check_labels
from tests.integration.runners.conftest import Worker, ready
from tests.support.pids import gone, holding, pid_in
from tests.support.pipelines import PipelineApi, completed, job_of
from tests.support.server import RunningServer, run_server


def span(job: dict[str, Any]) -> tuple[datetime, datetime]:
    return datetime.fromisoformat(job["startedAt"]), datetime.fromisoformat(job["finishedAt"])


async def test_jobs_run_in_parallel_on_two_workers_with_live_events(
    celery_server: RunningServer, celery_api: PipelineApi, workers: Callable[[str, int], Worker]
) -> None:
    await ready(workers("alpha", 1), workers("beta", 1))
    project = await celery_api.project("distributed")
    await celery_api.request(
        "PUT", f"/projects/{project}/secrets/TOKEN", 204, json={"value": "worker-secret-1"}
    )
    pipeline = await celery_api.pipeline(
        project,
        """
        jobs:
          a:
            steps: [{run: 'sleep 1.5; echo "a on $TOKEN"'}]
          b:
            steps: [{run: 'sleep 1.5; echo "b on $TOKEN"'}]
          c:
            needs: [a, b]
            steps: [{run: echo done}]
        """,
    )
    listener = await celery_server.authenticated_socket(celery_api.token)
    execution_id = await celery_api.start(pipeline["id"])
    execution = (await completed(listener, execution_id, timeout=60))["data"]["execution"]
    assert execution["status"] == "success", execution
    a, b = job_of(execution, "a"), job_of(execution, "b")
    assert a["runner"].startswith("celery@") and b["runner"].startswith("celery@")
    assert a["runner"] != b["runner"], "each worker runs one job at a time"
    (a0, a1), (b0, b1) = span(a), span(b)
    assert a0 < b1 and b0 < a1, "the two jobs overlap"
    assert await celery_api.log_text(execution_id, "a") == ["a on ***"]
    logs = [
        e
        for name, e in listener.received
        if name == "pipeline_log" and e["data"]["executionId"] == execution_id
    ]
    assert {e["data"]["jobId"] for e in logs} == {a["id"], b["id"], job_of(execution, "c")["id"]}


@pytest.mark.unconfined  # the step shares a file (or a pid) with the test
async def test_a_killed_worker_fails_its_job_or_hands_it_to_another(
    celery_server: RunningServer,
    celery_api: PipelineApi,
    workers: Callable[[str, int], Worker],
    tmp_path: Path,
) -> None:
    doomed = workers("doomed", 2)
    await ready(doomed)
    project = await celery_api.project("lost")
    marker = tmp_path / "again-started"
    pipeline = await celery_api.pipeline(
        project,
        f"""
        jobs:
          once:
            steps: [{{run: (sleep 120 & echo $! > {tmp_path}/once.pid; wait)}}]
          again:
            retries: 1
            steps:
              - run: if [ -e {marker} ]; then echo second try; else echo $$ > {marker}; sleep 120; fi
        """,
    )
    listener = await celery_server.authenticated_socket(celery_api.token)
    execution_id = await celery_api.start(pipeline["id"])
    await listener.next(
        lambda item: (
            item[0] == "pipeline_execution_updated"
            and all(job["status"] == "running" for job in item[1]["data"]["execution"]["jobs"])
        ),
        timeout=60,
    )
    sleeper = await pid_in(tmp_path / "once.pid")
    await pid_in(marker)  # the first try of "again" has started too
    rescuer = workers("rescuer", 1)
    doomed.kill()
    assert await gone(sleeper), "the job's processes die with their worker"
    await ready(rescuer)
    execution = (await completed(listener, execution_id, timeout=60))["data"]["execution"]
    once, again = job_of(execution, "once"), job_of(execution, "again")
    assert once["status"] == "failed" and once["error"].startswith("runner lost: no heartbeat from celery@")
    assert again["status"] == "success" and again["attempt"] == 2
    assert again["runner"] != once["runner"] or again["runner"] is None
    assert execution["status"] == "failed"
    assert "second try" in await celery_api.log_text(execution_id, "again")


async def test_cancel_reaches_a_job_on_a_worker(
    celery_server: RunningServer, celery_api: PipelineApi, workers: Callable[[str, int], Worker]
) -> None:
    command = holding()
    await ready(workers("canceller", 1))
    project = await celery_api.project("remote-cancel")
    pipeline = await celery_api.pipeline(project, f'jobs:\n  hang:\n    steps: [{{run: "{command.run}"}}]\n')
    listener = await celery_server.authenticated_socket(celery_api.token)
    execution_id = await celery_api.start(pipeline["id"])
    sleeper = await command.pid(within=30)
    await celery_api.request("POST", f"/executions/{execution_id}/cancel", 202)
    execution = (await completed(listener, execution_id, timeout=30))["data"]["execution"]
    assert execution["status"] == "cancelled"
    assert job_of(execution, "hang")["status"] == "cancelled"
    assert await gone(sleeper)


async def test_a_job_no_worker_took_is_queued_again_and_runs_once(
    celery_settings: Settings, workers: Callable[[str, int], Worker]
) -> None:
    quick = celery_settings.model_copy(update={"redispatch_seconds": 0.5})
    async with run_server(quick, port=celery_settings.port) as server:
        api = PipelineApi(server, await server.admin_token())
        project = await api.project("unclaimed")
        pipeline = await api.pipeline(project, "jobs:\n  once:\n    steps: [{run: echo ran}]\n")
        listener = await server.authenticated_socket(api.token)
        execution_id = await api.start(pipeline["id"])
        queue = redis.Redis.from_url(str(celery_settings.redis_url))
        deadline = time.monotonic() + 20
        while queue.llen(celery_settings.celery_queue) < 2:  # the first message, then a re-dispatch
            assert time.monotonic() < deadline, "the unclaimed job was not queued again"
            await asyncio.sleep(0.1)
        await ready(workers("late", 1))
        execution = (await completed(listener, execution_id, timeout=30))["data"]["execution"]
        assert execution["status"] == "success" and job_of(execution, "once")["attempt"] == 1
        assert await api.log_text(execution_id, "once") == ["ran"]


async def test_outputs_and_expressions_on_workers(
    celery_server: RunningServer, celery_api: PipelineApi, workers: Callable[[str, int], Worker]
) -> None:
    await ready(workers("language", 2))
    project = await celery_api.project("outputs-on-workers")
    await celery_api.request(
        "PUT", f"/projects/{project}/secrets/API_TOKEN", 204, json={"value": "tok-secret-9"}
    )
    pipeline = await celery_api.pipeline(project, OUTPUTS)
    listener = await celery_server.authenticated_socket(celery_api.token)
    execution = (await completed(listener, await celery_api.start(pipeline["id"]), timeout=60))["data"][
        "execution"
    ]
    assert job_of(execution, "deploy")["runner"].startswith("celery@")
    await check_outputs(celery_api, execution)


async def test_artifacts_and_caches_on_workers(
    celery_server: RunningServer, celery_api: PipelineApi, workers: Callable[[str, int], Worker]
) -> None:
    await ready(workers("artifacts", 2))
    project = await celery_api.project("artifacts-on-workers")
    pipeline = await celery_api.pipeline(project, ARTIFACTS_AND_CACHES)
    listener = await celery_server.authenticated_socket(celery_api.token)
    first = (await completed(listener, await celery_api.start(pipeline["id"]), timeout=60))["data"][
        "execution"
    ]
    second = (await completed(listener, await celery_api.start(pipeline["id"]), timeout=60))["data"][
        "execution"
    ]
    assert job_of(second, "build")["runner"].startswith("celery@")
    await check_artifacts_and_caches(celery_api, first, second)


async def test_junit_reports_on_workers(
    celery_server: RunningServer, celery_api: PipelineApi, workers: Callable[[str, int], Worker]
) -> None:
    await ready(workers("reports", 1))
    project = await celery_api.project("reports-on-workers")
    await celery_api.request(
        "PUT", f"/projects/{project}/secrets/API_TOKEN", 204, json={"value": "tok-secret-9"}
    )
    pipeline = await celery_api.pipeline(project, REPORTS)
    listener = await celery_server.authenticated_socket(celery_api.token)
    execution = (await completed(listener, await celery_api.start(pipeline["id"]), timeout=60))["data"][
        "execution"
    ]
    await check_reports(celery_api, execution)


async def test_inputs_shells_and_matrix_strategy_on_workers(
    celery_server: RunningServer, celery_api: PipelineApi, workers: Callable[[str, int], Worker]
) -> None:
    await ready(workers("control", 2))
    project = await celery_api.project("run-control-on-workers")
    pipeline = await celery_api.pipeline(project, RUN_CONTROL)
    listener = await celery_server.authenticated_socket(celery_api.token)
    body = {"inputs": {"target": "staging", "dry-run": "false", "replicas": 3}}
    started = await celery_api.request("POST", f"/pipelines/{pipeline['id']}/executions", 202, json=body)
    execution = (await completed(listener, started["executionId"], timeout=60))["data"]["execution"]
    await check_run_control(celery_api, execution)


async def test_runs_on_routes_jobs_to_workers_with_the_labels(
    celery_settings: Settings, workers: Callable[..., Worker]
) -> None:
    settings = celery_settings.model_copy(update={"runner_wait_seconds": 2})
    async with run_server(settings, port=celery_settings.port) as server:
        await ready(workers("plain", 2), workers("gpu", 1, "gpu,Linux"))
        api = PipelineApi(server, await server.admin_token())
        pipeline = await api.pipeline(await api.project("labels-on-workers"), LABELS)
        listener = await server.authenticated_socket(api.token)
        execution_id = await api.start(pipeline["id"])
        plain, gpu = runner_labels([], local=False), runner_labels(["gpu"], local=False)
        runners = "; ".join(sorted(", ".join(sorted(labels)) for labels in (plain, gpu)))
        execution = await check_labels(api, listener, execution_id, runners)
        assert job_of(execution, "gpu")["runner"].startswith("celery@")
        gpu_log = await api.log_text(execution_id, "gpu")
        assert gpu_log[0].startswith(f"gpu in {celery_settings.data_dir.parent / 'gpu'}/"), gpu_log


async def test_protected_environments_wait_for_approval_on_workers(
    celery_server: RunningServer, celery_api: PipelineApi, workers: Callable[[str, int], Worker]
) -> None:
    await ready(workers("approvals", 2))
    await check_approvals(celery_server, celery_api, "approvals-on-workers")


async def test_job_concurrency_groups_on_workers(
    celery_server: RunningServer, celery_api: PipelineApi, workers: Callable[[str, int], Worker]
) -> None:
    await ready(workers("groups", 3))
    await check_job_concurrency(celery_server, celery_api, "job-concurrency-on-workers")
