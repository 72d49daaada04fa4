from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from tests.support.architecture import TREE
from tests.support.pipelines import PipelineApi, commit, completed, make_repo
from tests.support.server import RunningServer


async def test_analyse_a_repository_and_read_the_diagram_in_each_format(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo", TREE)
    project = await api.project("diagrammed", repo)
    listener = await server.authenticated_socket(api.token)
    first = await api.request("POST", f"/projects/{project}/architecture", 201, json={})
    _, pushed = await listener.next_of("architecture_diagram_update")
    assert pushed["data"]["diagramId"] == first["diagramId"] and pushed["project_id"] == project
    assert pushed["priority"] == "LOW" and pushed["data"]["diagram"]["summary"]["cycles"] == 1
    assert first["ref"] == "main" and len(first["commitSha"]) == 40 and first["summary"]["skipped"] == 1

    commit(repo, {"src/app/extra/__init__.py": "import app.core.service\n"}, "extra")
    second = await api.request("POST", f"/projects/{project}/architecture", 201, json={"ref": "main"})
    assert second["previousId"] == first["diagramId"]
    assert second["changes"]["componentsAdded"] == ["app.extra"]
    assert second["changes"]["edgesAdded"] == [["app.extra", "app.core"]]

    path = f"/architecture/diagrams/{second['diagramId']}"
    text = await api.request("GET", path, 200, params={"format": "mermaid"})
    assert (
        text.headers["content-type"].startswith("text/vnd.mermaid") and "class c_app_extra added" in text.text
    )
    graph = await api.request("GET", path, 200, params={"format": "json"})
    assert {c["id"] for c in graph["graph"]["components"]} >= {"app.extra", "web/src"}
    assert graph["graph"]["skipped"][0]["path"] == "src/app/broken.py"
    drawing = await api.request("GET", path, 200, params={"format": "svg"})
    assert ET.fromstring(drawing.text).tag == "{http://www.w3.org/2000/svg}svg"
    await api.request("GET", path, 422, params={"format": "png"})
    listed = await api.request("GET", f"/projects/{project}/architecture/diagrams", 200)
    assert [d["diagramId"] for d in listed] == [second["diagramId"], first["diagramId"]]


async def test_strangers_and_bad_input_are_refused(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    project = await api.project("private", make_repo(tmp_path / "repo", TREE))
    diagram = await api.request("POST", f"/projects/{project}/architecture", 201, json={})
    _, mallory = await server.create_user("mallory")
    stranger = PipelineApi(server, mallory)
    await stranger.request("GET", f"/architecture/diagrams/{diagram['diagramId']}", 404)
    await stranger.request("POST", f"/projects/{project}/architecture", 404, json={})
    missing = await api.request(
        "POST", f"/projects/{project}/architecture", 422, json={"ref": "no-such-branch"}
    )
    assert "no-such-branch" in missing["detail"]
    await api.request("POST", f"/projects/{project}/architecture", 422, json={"ref": "--upload-pack=x"})
    await api.request("POST", f"/projects/{project}/architecture", 422, json={"depth": 0})
    bare = await api.project("no-repo")
    await api.request("POST", f"/projects/{bare}/architecture", 422, json={})
    listed = await api.request("GET", f"/projects/{project}/architecture/diagrams", 200)
    assert len(listed) == 1


async def test_the_pipeline_step_and_the_automatic_diagram_of_the_default_branch(
    server_with: Any, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo", TREE)
    async with server_with(notify_interval_seconds=3600.0) as server:
        await server.container.dispatcher.dispatch()
        api = PipelineApi(server, await server.admin_token())
        project = await api.project("stepped", repo)
        settings = {"depth": 3, "layers": [["app.api"], ["app.core"]], "auto": True}
        await api.request("PUT", f"/projects/{project}/architecture/settings", 200, json=settings)
        listener = await server.authenticated_socket(api.token)
        definition = "jobs:\n  map:\n    steps: [{uses: conveyor/architecture, with: {depth: '2'}}]\n"
        pipeline = await api.pipeline(project, definition)
        execution = await completed(listener, await api.start(pipeline["id"]))
        assert execution["data"]["execution"]["status"] == "success"
        [step] = await api.request("GET", f"/projects/{project}/architecture/diagrams", 200)
        assert step["trigger"] == "step" and step["depth"] == 2 and step["summary"]["breaches"] == 1
        await server.container.dispatcher.dispatch()
        _, auto = await listener.next_of("architecture_diagram_update")
        assert auto["data"]["diagram"]["trigger"] == "auto" and auto["data"]["diagram"]["depth"] == 3
        logs = await api.log_text(execution["data"]["executionId"], "map")
        assert any("conveyor/architecture: diagram" in line for line in logs)
        dag = await api.request("GET", f"/pipelines/{pipeline['id']}/dag", 200)
        assert dag.text == 'graph LR\n  j_map["map"]\n'
        await server.close_listeners()
