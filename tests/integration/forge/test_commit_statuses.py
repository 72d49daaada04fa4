"""Each execution sets a commit status per pipeline on the project's forge: pending, then how it
ended, with a link to the run; retried with backoff, and a refused token marks the link broken."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from conveyor.db import utcnow
from conveyor.forge.service import send_due
from tests.support.forges import StatusCall, forge_stand_in
from tests.support.pipelines import PipelineApi, all_completed, completed, git, make_repo
from tests.support.server import RunningServer

SETTINGS = {
    "notify_interval_seconds": 3600.0,  # the test ticks the dispatcher itself
    "metrics_interval_seconds": 3600.0,
    "allowed_repo_hosts": ["127.0.0.1"],  # where the stand-in listens
    "public_url": "https://ci.example.com",
}
PASSING = "jobs:\n  build:\n    steps: [{run: 'true'}]\n"


async def linked_project(api: PipelineApi, repo: Path, link: dict[str, str], token: str) -> str:
    project = await api.project("linked", repo)
    await api.request("PUT", f"/projects/{project}/secrets/CONVEYOR_FORGE_TOKEN", 204, json={"value": token})
    saved = await api.request("PUT", f"/projects/{project}/forge", 200, json=link)
    assert (
        saved["status"] == "ok"
        and saved["tokenSet"] is True
        and "token" not in str(saved).lower().replace("tokenset", "")
    )
    return project


async def run_both(server: RunningServer, api: PipelineApi, project: str, gate: Path) -> dict[str, str]:
    """Start a passing and a failing pipeline whose steps wait for ``gate``; tick the dispatcher
    while they run (their pending statuses), open the gate, and wait for both to end."""
    listener = await server.authenticated_socket(api.token)
    wait = f"while [ ! -f {gate} ]; do sleep 0.05; done"
    ids = {}
    for name, result in (("build", "true"), ("lint", "exit 3")):
        definition = f"jobs:\n  {name}:\n    steps: [{{run: '{wait}; {result}'}}]\n"
        pipeline = await api.pipeline(project, definition, name=name)
        ids[name] = await api.start(pipeline["id"])
    await server.container.dispatcher.tick()
    gate.write_text("")
    await all_completed(listener, list(ids.values()))
    return ids


async def call(server: RunningServer, token: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async with server.api(token) as client:
        return await client.request(method, f"/api/v1{path}", **kwargs)


async def calls(stand_in: Any, count: int) -> list[StatusCall]:
    return [await stand_in.next_call() for _ in range(count)]


@pytest.mark.unconfined  # the steps wait for a file the test writes
async def test_github_gets_pending_then_the_outcome_of_each_pipeline(
    server_with: Any, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo", {"a.txt": "1"})
    sha = git(repo, "rev-parse", "HEAD")
    async with server_with(**SETTINGS) as server, forge_stand_in("ghp_test_token") as github:
        await server.container.dispatcher.dispatch()  # the cursor starts at the log's head
        api = PipelineApi(server, await server.admin_token())
        link = {"kind": "github", "apiUrl": github.url, "repository": "acme/app"}
        project = await linked_project(api, repo, link, "ghp_test_token")
        ids = await run_both(server, api, project, tmp_path / "gate")
        await server.container.dispatcher.tick()
        received = await calls(github, 4)
        await server.close_listeners()
    for call in received:
        assert call.method == "POST" and call.raw_path == f"/repos/acme/app/statuses/{sha}"
        assert call.headers["Authorization"] == "Bearer ghp_test_token" and call.answered == 201
        assert call.headers["Accept"] == "application/vnd.github+json"
    states = {(c.body["context"], c.body["state"], c.body["target_url"]) for c in received}
    assert states == {
        ("conveyor/build", "pending", f"https://ci.example.com/executions/{ids['build']}"),
        ("conveyor/build", "success", f"https://ci.example.com/executions/{ids['build']}"),
        ("conveyor/lint", "pending", f"https://ci.example.com/executions/{ids['lint']}"),
        ("conveyor/lint", "failure", f"https://ci.example.com/executions/{ids['lint']}"),
    }
    by_context = [c.body["state"] for c in received if c.body["context"] == "conveyor/lint"]
    assert by_context == ["pending", "failure"]
    assert {c.body["description"] for c in received} >= {"Run #1 succeeded", "Run #1 failed"}


@pytest.mark.unconfined  # the steps wait for a file the test writes
async def test_gitlab_statuses_are_retried_with_backoff_until_they_arrive(
    server_with: Any, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo", {"a.txt": "1"})
    sha = git(repo, "rev-parse", "HEAD")
    settings = {**SETTINGS, "webhook_retry_seconds": 30.0}
    async with server_with(**settings) as server, forge_stand_in("glpat-test") as gitlab:
        dispatcher = server.container.dispatcher
        await dispatcher.dispatch()
        api = PipelineApi(server, await server.admin_token())
        link = {"kind": "gitlab", "apiUrl": gitlab.url + "/", "repository": "group/app"}
        project = await linked_project(api, repo, link, "glpat-test")
        gitlab.fail_next = 4
        ids = await run_both(server, api, project, tmp_path / "gate")  # pending: both 502
        await dispatcher.dispatch()  # the outcomes replace the pending states, due at once
        container = server.container
        assert await send_due(container.db, container.cipher, container.settings) == 2  # 502 again
        assert await send_due(container.db, container.cipher, container.settings) == 0  # backing off
        later = utcnow() + timedelta(seconds=31)
        assert await send_due(container.db, container.cipher, container.settings, now=later) == 2
        received = await calls(gitlab, 6)
        statuses = await api.request("GET", f"/projects/{project}/forge/statuses", 200)
        await server.close_listeners()
    assert [c.answered for c in received] == [502, 502, 502, 502, 201, 201]
    for call in received:
        assert call.method == "POST" and call.raw_path == f"/api/v4/projects/group%2Fapp/statuses/{sha}"
        assert call.headers["PRIVATE-TOKEN"] == "glpat-test" and "Authorization" not in call.headers
        assert call.body["ref"] == "main"
    assert {c.body["state"] for c in received[:2]} == {"pending"}
    final = {(c.body["name"], c.body["state"]) for c in received[4:]}
    assert final == {("conveyor/build", "success"), ("conveyor/lint", "failed")}
    assert {s["executionId"]: (s["delivery"], s["attempts"]) for s in statuses} == {
        ids["build"]: ("delivered", 2),  # a new state starts its count again
        ids["lint"]: ("delivered", 2),
    }


async def test_a_refused_token_marks_the_link_broken_and_never_fails_the_run(
    server_with: Any, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo", {"a.txt": "1"})
    async with server_with(**SETTINGS) as server, forge_stand_in("the-right-token") as github:
        dispatcher = server.container.dispatcher
        await dispatcher.dispatch()
        api = PipelineApi(server, await server.admin_token())
        link = {"kind": "github", "apiUrl": github.url, "repository": "acme/app"}
        project = await linked_project(api, repo, link, "an-expired-token")
        listener = await server.authenticated_socket(api.token)
        pipeline = await api.pipeline(project, PASSING, name="build")
        execution_id = await api.start(pipeline["id"])
        run = (await completed(listener, execution_id))["data"]["execution"]
        await dispatcher.tick()
        (refused,) = await calls(github, 1)  # pending was queued; completion replaced it before sending
        broken = await api.request("GET", f"/projects/{project}/forge", 200)
        statuses = await api.request("GET", f"/projects/{project}/forge/statuses", 200)
        resaved = await api.request("PUT", f"/projects/{project}/forge", 200, json=link)
        await server.close_listeners()
    assert run["status"] == "success"
    assert refused.answered == 401
    assert broken["status"] == "broken" and "401 Unauthorized" in broken["brokenReason"]
    assert "CONVEYOR_FORGE_TOKEN" in broken["brokenReason"] and "an-expired-token" not in str(broken)
    assert [(s["delivery"], s["responseCode"]) for s in statuses] == [("failed", 401)]
    assert resaved["status"] == "ok" and resaved["brokenReason"] is None


async def test_a_link_that_does_not_fit_is_refused_with_the_reason(server_with: Any) -> None:
    async with server_with(**SETTINGS) as server:
        api = PipelineApi(server, await server.admin_token())
        project = await api.project("badlinks")
        unlinked = await call(server, api.token, "GET", f"/projects/{project}/forge")
        assert (unlinked.status_code, unlinked.json()) == (200, None)
        cases = [
            ({"kind": "github", "apiUrl": "https://api.github.com", "repository": "no-owner"}, "owner/name"),
            (
                {"kind": "gitlab", "apiUrl": "https://gitlab.com", "repository": "a b"},
                "numeric id or its path",
            ),
            ({"kind": "github", "apiUrl": "ftp://api.github.com", "repository": "a/b"}, "https URL"),
            ({"kind": "github", "apiUrl": "http://example.com", "repository": "a/b"}, "use https"),
            (
                {"kind": "github", "apiUrl": "https://10.1.2.3/api/v3", "repository": "a/b"},
                "internal address",
            ),
            ({"kind": "github", "apiUrl": "https://u:p@api.github.com", "repository": "a/b"}, "credentials"),
            ({"kind": "bitbucket", "apiUrl": "https://x.org", "repository": "a/b"}, "github"),
        ]
        for body, reason in cases:
            response = await call(server, api.token, "PUT", f"/projects/{project}/forge", json=body)
            assert response.status_code == 422 and reason in response.text, (body, response.text)
        assert (await call(server, api.token, "GET", f"/projects/{project}/forge")).json() is None
        deleted = await call(server, api.token, "DELETE", f"/projects/{project}/forge")
        assert deleted.status_code == 404 and "no forge link" in deleted.text
