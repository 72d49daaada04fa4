"""Validating as you type, the job graph as JSON and the inputs of the run form."""

from __future__ import annotations

from tests.support.pipelines import PipelineApi
from tests.support.server import RunningServer

GRAPH = """\
on:
  manual:
    inputs:
      target: {type: choice, options: [staging, production], default: staging, required: true}
      dry: {type: boolean, description: Only print}
jobs:
  lint:
    steps: [{run: echo lint}]
  test:
    matrix: {python: ['3.11', '3.12']}
    steps: [{run: echo test}]
  deploy:
    name: Deploy it
    needs: [lint, test]
    steps: [{run: echo deploy}]
"""


async def test_validate_names_each_problem_at_its_line_and_column_and_saves_nothing(
    server: RunningServer, api: PipelineApi
) -> None:
    project = await api.project("checks")
    listener = await server.authenticated_socket(api.token)
    bad = "jobs:\n  a:\n    stepz: []\n  b:\n    needs: [nope]\n    steps: [{run: x}]\n"
    checked = await api.request(
        "POST", f"/projects/{project}/pipelines/validate", 200, json={"definition": bad}
    )
    assert checked["valid"] is False and checked["graph"] is None
    assert checked["problems"] == [
        {"line": 2, "column": 3, "path": "jobs.a.steps", "message": "missing required key 'steps'"},
        {"line": 3, "column": 5, "path": "jobs.a.stepz", "message": "unknown key 'stepz'"},
    ]
    # once the shape is right, the cross-job checks speak: the unknown need, at its item
    fixed = bad.replace("stepz: []", "steps: [{run: y}]")
    checked = await api.request(
        "POST", f"/projects/{project}/pipelines/validate", 200, json={"definition": fixed}
    )
    assert checked["problems"] == [
        {"line": 5, "column": 13, "path": "jobs.b.needs[0]", "message": "unknown job 'nope'"}
    ]
    syntax = await api.request(
        "POST", f"/projects/{project}/pipelines/validate", 200, json={"definition": "jobs:\n  a: [\n"}
    )
    [problem] = syntax["problems"]
    assert problem["line"] == 3 and problem["path"] == "" and problem["message"].startswith("invalid YAML")

    assert await api.request("GET", f"/projects/{project}/pipelines", 200) == []
    await api.request("POST", f"/projects/{project}/pipelines/validate", 422, json={"definition": ""})
    await server.raise_alert("sentinel")
    event, _ = await listener.next_of("pipeline_created", "system_alert")
    assert event == "system_alert"


async def test_a_valid_definition_gives_its_graph_and_inputs_and_the_dag_has_a_json_form(
    server: RunningServer, api: PipelineApi
) -> None:
    project = await api.project("graphs")
    checked = await api.request(
        "POST", f"/projects/{project}/pipelines/validate", 200, json={"definition": GRAPH}
    )
    assert checked["valid"] is True and checked["problems"] == []
    expected_jobs = [
        {"key": "lint", "name": "lint", "needs": [], "matrix": []},
        {"key": "test", "name": "test", "needs": [], "matrix": ["python"]},
        {"key": "deploy", "name": "Deploy it", "needs": ["lint", "test"], "matrix": []},
    ]
    assert checked["graph"] == {"jobs": expected_jobs}
    assert [field["name"] for field in checked["inputs"]] == ["target", "dry"]

    pipeline = await api.pipeline(project, GRAPH)
    graph = await api.request("GET", f"/pipelines/{pipeline['id']}/dag?format=json", 200)
    assert graph == {"jobs": expected_jobs}
    mermaid = await api.request("GET", f"/pipelines/{pipeline['id']}/dag", 200)
    assert "j_lint --> j_deploy" in mermaid.text
    await api.request("GET", f"/pipelines/{pipeline['id']}/dag?format=svg", 422)

    inputs = await api.request("GET", f"/pipelines/{pipeline['id']}/inputs", 200)
    assert inputs == {
        "manual": True,
        "inputs": [
            {
                "name": "target",
                "type": "choice",
                "description": None,
                "required": True,
                "default": "staging",
                "options": ["staging", "production"],
            },
            {
                "name": "dry",
                "type": "boolean",
                "description": "Only print",
                "required": False,
                "default": None,
                "options": [],
            },
        ],
    }


async def test_strangers_cannot_validate_in_a_project(server: RunningServer, api: PipelineApi) -> None:
    project = await api.project("private")
    _, stranger_token = await server.create_user("outsider")
    stranger = PipelineApi(server, stranger_token)
    body = {"definition": GRAPH}
    await stranger.request("POST", f"/projects/{project}/pipelines/validate", 404, json=body)
