"""Protected environments end to end on the local runner (tests/integration/runners/test_celery.py
runs the same on Celery workers): a job of a protected environment waits for a maintainer, who is
told; approve runs it, reject cancels it; viewers and runs with nothing waiting are refused."""

from __future__ import annotations

from typing import Any

from tests.support.pipelines import PipelineApi, completed, job_of
from tests.support.server import RunningServer
from tests.support.sockets import Listener

APPROVALS = """
jobs:
  build:
    steps: [{run: echo built}]
  deploy:
    needs: build
    environment: {name: production, url: "https://example.com/${{ conveyor.run_number }}"}
    steps: [{run: echo deployed}]
  staging:
    needs: build
    environment: staging
    steps: [{run: echo staged}]
  smoke:
    needs: deploy
    steps: [{run: echo smoke}]
"""


async def waiting_for_approval(listener: Listener, execution_id: str) -> dict[str, Any]:
    _, envelope = await listener.next(
        lambda item: (
            item[0] == "pipeline_execution_updated"
            and item[1]["data"]["executionId"] == execution_id
            and item[1]["data"]["execution"]["status"] == "waiting"
        ),
        timeout=60,
    )
    execution: dict[str, Any] = envelope["data"]["execution"]
    return execution


async def activity_of(listener: Listener, kind: str) -> dict[str, Any]:
    _, envelope = await listener.next(
        lambda item: item[0] == "user_activity" and item[1]["data"]["activity"]["kind"] == kind
    )
    activity: dict[str, Any] = envelope
    return activity


async def check_approvals(server: RunningServer, api: PipelineApi, name: str) -> None:
    project = await api.project(name)
    bad = {"protectedEnvironments": ["prod uction"]}
    await api.request("PATCH", f"/projects/{project}", 422, json=bad)
    body = {"protectedEnvironments": ["production", "production"]}
    updated = await api.request("PATCH", f"/projects/{project}", 200, json=body)
    assert updated["protectedEnvironments"] == ["production"]
    viewer_id, viewer_token = await server.create_user(f"{name}-viewer")
    await api.request("PUT", f"/projects/{project}/members/{viewer_id}", 200, json={"role": "viewer"})
    pipeline = await api.pipeline(project, APPROVALS)
    listener = await server.authenticated_socket(api.token)

    first = await api.start(pipeline["id"])
    execution = await waiting_for_approval(listener, first)
    deploy = job_of(execution, "deploy")
    assert deploy["status"] == "waiting" and deploy["approval"] is None
    assert deploy["waitReason"] == "waiting for a maintainer to approve the deployment to 'production'"
    assert deploy["environment"] == {"name": "production", "url": "https://example.com/1"}
    assert job_of(execution, "smoke")["status"] == "queued"
    notes = await api.request("GET", "/notifications", 200)
    note = next(n for n in notes if n["kind"] == "approval")
    assert note["title"] == "ci #1 waits for approval to deploy to production"
    assert note["priority"] == "HIGH" and note["projectId"] == project

    viewer = PipelineApi(server, viewer_token)
    refused = await viewer.request("POST", f"/executions/{first}/approve", 403)
    assert "maintainer" in refused["detail"]
    approved = await api.request("POST", f"/executions/{first}/approve", 200, json={"comment": "ship it"})
    approval = job_of(approved, "deploy")["approval"]
    assert approval["decision"] == "approved" and approval["username"] == "admin"
    assert approval["comment"] == "ship it" and job_of(approved, "deploy")["waitReason"] is None
    activity = await activity_of(listener, "deployment_approved")
    assert activity["data"]["activity"]["summary"] == "approved the deployment of run #1 to production"
    finished = (await completed(listener, first, timeout=60))["data"]["execution"]
    assert finished["status"] == "success", finished
    assert [job_of(finished, key)["status"] for key in ("deploy", "staging", "smoke")] == ["success"] * 3
    nothing = await api.request("POST", f"/executions/{first}/approve", 409)
    assert nothing["detail"] == "run #1 has no job waiting for approval (it is success)"

    second = await api.start(pipeline["id"])
    await waiting_for_approval(listener, second)
    await api.request("POST", f"/executions/{second}/reject", 200, json={"comment": "not today"})
    activity = await activity_of(listener, "deployment_rejected")
    assert activity["data"]["activity"]["comment"] == "not today"
    rejected = (await completed(listener, second, timeout=60))["data"]["execution"]
    assert rejected["status"] == "cancelled"
    deploy = job_of(rejected, "deploy")
    assert deploy["status"] == "cancelled" and deploy["approval"]["decision"] == "rejected"
    assert deploy["error"] == "deployment to 'production' rejected by admin: not today"
    assert rejected["error"] == "job 'deploy': deployment to 'production' rejected by admin: not today"
    assert job_of(rejected, "smoke")["status"] == "skipped"
    assert job_of(rejected, "staging")["status"] == "success"


async def test_a_protected_environment_waits_for_a_maintainer(
    server: RunningServer, api: PipelineApi
) -> None:
    await check_approvals(server, api, "approvals")
