"""A project's repoUrl cannot reach the server's files, other projects' repositories or internal
services, and git never takes it for an option."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import httpx
import pytest

from conveyor.config import Settings
from conveyor.errors import InvalidInput
from conveyor.projects.repos import RepoPolicy, check_repo_url
from tests.support.pipelines import PipelineApi, completed, make_repo
from tests.support.server import RunningServer

ALLOWED_ROOT = Path("/srv/repos")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("/etc", "not under a directory of CONVEYOR_ALLOWED_REPO_ROOTS"),
        ("/srv/repos/../../etc", "not under a directory of CONVEYOR_ALLOWED_REPO_ROOTS"),
        ("file:///etc", "not under a directory of CONVEYOR_ALLOWED_REPO_ROOTS"),
        ("http://example.com/x.git", "http:// is not allowed"),
        ("https://127.0.0.1/x.git", "internal address"),
        ("https://localhost:8000/x.git", "internal address"),
        ("https://[::1]/x.git", "internal address"),
        ("https://169.254.169.254/latest", "internal address"),
        ("https://10.1.2.3/x.git", "internal address"),
        ("ssh://git@192.168.1.1/x.git", "internal address"),
        ("git@127.0.0.1:x.git", "internal address"),
        ("git://[::ffff:127.0.0.1]/x.git", "internal address"),
        ("--upload-pack=touch /tmp/owned", "not a repository URL"),
        ("ext::sh -c touch% /tmp/owned", "not a repository URL"),
        ("relative/path", "absolute path"),
    ],
)
async def test_refused_repo_urls_say_why(url: str, reason: str) -> None:
    policy = RepoPolicy.of(Settings(allowed_repo_roots=[ALLOWED_ROOT]))
    with pytest.raises(InvalidInput, match=reason.replace("(", r"\(").replace(")", r"\)")):
        await check_repo_url(url, policy)


@pytest.mark.parametrize(
    "url",
    ["https://93.184.216.34/x.git", "ssh://git@140.82.112.3/x.git", "/srv/repos/a", "file:///srv/repos/b"],
)
async def test_allowed_repo_urls(url: str) -> None:
    await check_repo_url(url, RepoPolicy.of(Settings(allowed_repo_roots=[ALLOWED_ROOT])))


async def test_listed_hosts_may_be_internal() -> None:
    policy = RepoPolicy.of(Settings(allowed_repo_hosts=["git.internal", "127.0.0.1"]))
    await check_repo_url("https://127.0.0.1/x.git", policy)
    await check_repo_url("git@git.internal:team/x.git", policy)


async def test_the_api_refuses_a_server_path_and_loopback(api: PipelineApi, server: RunningServer) -> None:
    async with server.api(api.token) as client:
        answers: list[httpx.Response] = [
            await client.post("/api/v1/projects", json={"name": "steal", "repoUrl": str(Path.cwd())}),
            await client.post(
                "/api/v1/projects", json={"name": "ssrf", "repoUrl": "https://127.0.0.1:5432/x"}
            ),
        ]
        project = (await client.post("/api/v1/projects", json={"name": "ok"})).json()["id"]
        patched = await client.patch(f"/api/v1/projects/{project}", json={"repoUrl": "/etc"})
    assert [a.status_code for a in answers] == [422, 422] and patched.status_code == 422
    assert "CONVEYOR_ALLOWED_REPO_ROOTS" in answers[0].json()["detail"]
    assert "internal address" in answers[1].json()["detail"]


async def test_a_project_whose_url_is_no_longer_allowed_fails_its_next_run(
    server_with: Callable[..., AbstractAsyncContextManager[RunningServer]], tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo", {"a.txt": "1"})
    async with server_with() as server:
        api = PipelineApi(server, await server.admin_token())
        project = await api.project("was-allowed", repo)
        pipeline = await api.pipeline(project, "jobs: {a: {steps: [{run: 'true'}]}}\n")
    async with server_with(allowed_repo_roots=[]) as server:
        api = PipelineApi(server, await server.admin_token())
        listener = await server.authenticated_socket(api.token)
        execution_id = await api.start(pipeline["id"])
        execution = (await completed(listener, execution_id))["data"]["execution"]
    assert execution["status"] == "failed"
    assert "no longer allowed" in (execution["jobs"][0]["error"] or "")
