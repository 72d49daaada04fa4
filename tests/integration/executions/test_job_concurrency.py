"""Job-level concurrency end to end on the local runner (tests/integration/runners/test_celery.py
runs the same on Celery workers): jobs of a project sharing a group run one at a time, the
group may use expressions (needs, matrix), and cancel-in-progress stops the group's running and
waiting jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.support.pipelines import PipelineApi, job_of
from tests.support.server import RunningServer
from tests.support.sockets import Listener

DEPLOY = """
jobs:
  plan:
    outputs: {target: "${{ steps.t.outputs.target }}"}
    steps: [{id: t, run: 'echo "target=prod" >> "$CONVEYOR_OUTPUT"'}]
  deploy:
    needs: plan
    concurrency: deploy-${{ needs.plan.outputs.target }}
    steps: [{run: 'sleep 5; echo deployed'}]
"""
SLOW = """
jobs:
  deploy:
    concurrency: deploy-prod
    steps: [{run: sleep 60}]
"""
URGENT = """
jobs:
  hotfix:
    matrix: {target: [prod]}
    concurrency: {group: "deploy-${{ matrix.target }}", cancel-in-progress: true}
    steps: [{run: echo hotfix}]
"""


async def job_update(listener: Listener, execution_id: str, key: str, **wanted: Any) -> dict[str, Any]:
    """The first update of the execution whose job ``key`` has the ``wanted`` fields."""

    def matches(item: tuple[str, Any]) -> bool:
        data = item[1].get("data", {})
        if item[0] != "pipeline_execution_updated" or data.get("executionId") != execution_id:
            return False
        job = job_of(data["execution"], key)
        return all(job[name] == value for name, value in wanted.items())

    _, envelope = await listener.next(matches, timeout=60)
    execution: dict[str, Any] = envelope["data"]["execution"]
    return execution


async def all_completed(listener: Listener, *execution_ids: str) -> list[dict[str, Any]]:
    """The finished executions, in the order of ``execution_ids``, whatever order they end in."""
    found: dict[str, dict[str, Any]] = {}
    while len(found) < len(execution_ids):
        _, envelope = await listener.next(
            lambda item: (
                item[0] == "pipeline_execution_completed"
                and item[1]["data"]["executionId"] in set(execution_ids) - set(found)
            ),
            timeout=60,
        )
        found[envelope["data"]["executionId"]] = envelope["data"]["execution"]
    return [found[execution_id] for execution_id in execution_ids]


def span(job: dict[str, Any]) -> tuple[datetime, datetime]:
    return datetime.fromisoformat(job["startedAt"]), datetime.fromisoformat(job["finishedAt"])


async def check_job_concurrency(server: RunningServer, api: PipelineApi, name: str) -> None:
    project = await api.project(name)
    deploy = await api.pipeline(project, DEPLOY, name="deploy")
    listener = await server.authenticated_socket(api.token)

    first = await api.start(deploy["id"])
    await job_update(listener, first, "deploy", status="running")
    second = await api.start(deploy["id"])
    reason = "waiting for concurrency group 'deploy-prod': job 'deploy' of deploy #1 holds it"
    await job_update(listener, second, "deploy", waitReason=reason)
    one, two = await all_completed(listener, first, second)
    assert one["status"] == two["status"] == "success", (one, two)
    assert span(job_of(one, "deploy"))[1] <= span(job_of(two, "deploy"))[0], "one at a time"
    assert job_of(two, "deploy")["waitReason"] is None

    slow = await api.pipeline(project, SLOW, name="slow")
    urgent = await api.pipeline(project, URGENT, name="urgent")
    running = await api.start(slow["id"])
    await job_update(listener, running, "deploy", status="running")
    waiting = await api.start(deploy["id"])
    await job_update(listener, waiting, "deploy", waitReason=reason.replace("of deploy #1", "of slow #1"))
    hotfix = await api.start(urgent["id"])
    stopped, dropped, fixed = await all_completed(listener, running, waiting, hotfix)
    assert stopped["status"] == "cancelled" and job_of(stopped, "deploy")["status"] == "cancelled"
    assert dropped["status"] == "cancelled"
    assert job_of(dropped, "deploy")["error"] == "cancelled: a newer job took concurrency group 'deploy-prod'"
    assert fixed["status"] == "success"
    assert span(job_of(stopped, "deploy"))[1] <= span(job_of(fixed, "hotfix (prod)"))[0]


async def test_jobs_of_a_concurrency_group_run_one_at_a_time(server: RunningServer, api: PipelineApi) -> None:
    await check_job_concurrency(server, api, "job-concurrency")
