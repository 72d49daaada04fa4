from __future__ import annotations

from tests.support.pipelines import PipelineApi
from tests.support.server import RunningServer

SIMPLE = "jobs:\n  a:\n    steps:\n      - run: echo hi\n"


async def test_crud_emits_created_updated_deleted_with_spec_payloads(
    server: RunningServer, api: PipelineApi
) -> None:
    project = await api.project("crud")
    listener = await server.authenticated_socket(api.token)
    pipeline = await api.pipeline(project, SIMPLE)
    _, created = await listener.next_of("pipeline_created")
    assert created["data"] == {"pipelineId": pipeline["id"], "pipeline": pipeline}
    assert created["project_id"] == project and created["category"] == "PIPELINE"

    body = {"definition": SIMPLE.replace("hi", "again")}
    updated = await api.request("PUT", f"/pipelines/{pipeline['id']}", 200, json=body)
    _, event = await listener.next_of("pipeline_updated")
    assert event["data"]["pipeline"]["definition"] == updated["definition"] == body["definition"]

    await api.request("DELETE", f"/pipelines/{pipeline['id']}", 204)
    _, deleted = await listener.next_of("pipeline_deleted")
    assert deleted["data"] == {"pipelineId": pipeline["id"]}
    await api.request("GET", f"/pipelines/{pipeline['id']}", 404)


async def test_invalid_definition_is_refused_with_lines_and_nothing_is_saved(
    server: RunningServer, api: PipelineApi
) -> None:
    project = await api.project("refused")
    listener = await server.authenticated_socket(api.token)
    bad = "jobs:\n  a:\n    needs: [b]\n    steps: [{run: x}]\n  b:\n    needs: a\n    steps: [{run: y}]\n"
    body = {"name": "ci", "definition": bad}
    refused = await api.request("POST", f"/projects/{project}/pipelines", 422, json=body)
    assert "line 3: jobs.a.needs: jobs form a cycle through 'needs': a -> b -> a" in refused["detail"]
    assert await api.request("GET", f"/projects/{project}/pipelines", 200) == []

    pipeline = await api.pipeline(project, SIMPLE)
    await listener.next_of("pipeline_created")
    typo = {"definition": "jobs:\n  a:\n    stepz: []\n"}
    refused = await api.request("PUT", f"/pipelines/{pipeline['id']}", 422, json=typo)
    assert "line 3: jobs.a.stepz: unknown key 'stepz'" in refused["detail"]
    assert (await api.request("GET", f"/pipelines/{pipeline['id']}", 200))["definition"] == SIMPLE
    await server.raise_alert("sentinel")
    event, _ = await listener.next_of("pipeline_updated", "system_alert")
    assert event == "system_alert"


async def test_roles_viewer_reads_maintainer_writes_stranger_sees_nothing(
    server: RunningServer, api: PipelineApi
) -> None:
    project = await api.project("roles")
    pipeline = await api.pipeline(project, SIMPLE)
    viewer_id, viewer_token = await server.create_user("viewer")
    _, stranger_token = await server.create_user("stranger")
    await api.request("PUT", f"/projects/{project}/members/{viewer_id}", 200, json={"role": "viewer"})
    viewer, stranger = PipelineApi(server, viewer_token), PipelineApi(server, stranger_token)
    execution_id = await api.start(pipeline["id"])

    assert (await viewer.request("GET", f"/pipelines/{pipeline['id']}", 200))["id"] == pipeline["id"]
    await viewer.request("GET", f"/executions/{execution_id}", 200)
    await viewer.request("GET", f"/executions/{execution_id}/logs", 200)
    await viewer.request("POST", f"/pipelines/{pipeline['id']}/executions", 403, json={})
    await viewer.request("PUT", f"/pipelines/{pipeline['id']}", 403, json={"name": "x"})
    await viewer.request("POST", f"/executions/{execution_id}/cancel", 403)

    await stranger.request("GET", f"/pipelines/{pipeline['id']}", 404)
    await stranger.request("GET", f"/executions/{execution_id}", 404)
    await stranger.request("GET", f"/projects/{project}/pipelines", 404)
    await stranger.request("POST", f"/pipelines/{pipeline['id']}/executions", 404, json={})


async def test_duplicate_name_conflicts(api: PipelineApi) -> None:
    project = await api.project("dupes")
    await api.pipeline(project, SIMPLE, name="same")
    body = {"name": "same", "definition": SIMPLE}
    await api.request("POST", f"/projects/{project}/pipelines", 409, json=body)


async def test_manual_runs_can_be_switched_off(api: PipelineApi) -> None:
    project = await api.project("push-only")
    pipeline = await api.pipeline(project, "on:\n  push: {}\n  manual: false\n" + SIMPLE)
    refused = await api.request("POST", f"/pipelines/{pipeline['id']}/executions", 409, json={})
    assert "does not allow manual runs" in refused["detail"]


async def test_a_pipeline_with_a_run_in_progress_cannot_be_deleted(api: PipelineApi) -> None:
    project = await api.project("busy")
    pipeline = await api.pipeline(project, "jobs:\n  a:\n    steps: [{run: sleep 30}]\n")
    execution_id = await api.start(pipeline["id"])
    await api.request("DELETE", f"/pipelines/{pipeline['id']}", 409)
    await api.request("POST", f"/executions/{execution_id}/cancel", 202)


async def test_every_saved_change_is_a_revision_with_its_author(
    server: RunningServer, api: PipelineApi
) -> None:
    project = await api.project("history")
    pipeline = await api.pipeline(project, SIMPLE)
    path = f"/pipelines/{pipeline['id']}"
    maintainer_id, token = await server.create_user("editor")
    await api.request("PUT", f"/projects/{project}/members/{maintainer_id}", 200, json={"role": "maintainer"})
    editor = PipelineApi(server, token)
    changed = SIMPLE.replace("hi", "changed")
    await editor.request("PUT", path, 200, json={"definition": changed})
    await editor.request("PUT", path, 200, json={"definition": changed})  # no change: no revision
    await editor.request("PUT", path, 422, json={"definition": "jobs: ["})  # refused: no revision
    await api.request("PUT", path, 200, json={"name": "renamed"})

    history = await api.request("GET", f"{path}/revisions", 200)
    assert [(r["number"], r["name"], r["author"]) for r in history] == [
        (3, "renamed", "admin"),
        (2, "ci", "editor"),
        (1, "ci", "admin"),
    ]
    assert [r["definition"] for r in history] == [changed, changed, SIMPLE]
    _, stranger = await server.create_user("nosy")
    await PipelineApi(server, stranger).request("GET", f"{path}/revisions", 404)
