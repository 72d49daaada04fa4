"""GET /executions: the newest runs across the caller's projects, and the latest of each
pipeline on each ref (the home page's lists)."""

from __future__ import annotations

from tests.support.pipelines import PipelineApi, completed
from tests.support.server import RunningServer

QUICK = "jobs:\n  quick:\n    steps:\n      - run: echo ok\n"


async def test_recent_and_latest_runs_are_those_of_the_callers_projects(
    server: RunningServer, api: PipelineApi
) -> None:
    listener = await server.authenticated_socket(api.token)
    project = await api.project("recent-a")
    pipeline = await api.pipeline(project, QUICK, name="ci")
    started = [await api.start(pipeline["id"]), await api.start(pipeline["id"], ref="feature")]
    started.append(await api.start(pipeline["id"]))
    for execution_id in started:
        await completed(listener, execution_id)

    _, token = await server.create_user("outsider")
    outsider = PipelineApi(server, token)
    own = await outsider.pipeline(await outsider.project("recent-b"), QUICK, name="theirs")
    theirs = await outsider.start(own["id"])

    recent = await api.request("GET", "/executions", 200)
    assert [run["id"] for run in recent[:4]] == [theirs, *reversed(started)]
    first = next(run for run in recent if run["id"] == started[0])
    assert (first["pipelineName"], first["projectName"], first["number"]) == ("ci", "recent-a", 1)
    assert "jobs" not in first

    latest = await api.request("GET", "/executions", 200, params={"latest": "true"})
    mine = {(run["pipelineName"], run["ref"]): run["number"] for run in latest if run["projectId"] == project}
    assert mine == {("ci", None): 3, ("ci", "feature"): 2}

    assert [run["id"] for run in await outsider.request("GET", "/executions", 200)] == [theirs]
    await outsider.request("GET", "/executions", 422, params={"limit": 0})
