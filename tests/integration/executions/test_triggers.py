from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from pathlib import Path

from tests.support.pipelines import PipelineApi, commit, completed, make_repo
from tests.support.server import RunningServer

HOOK_SECRET = "webhook-secret-for-tests"
SHOW_HEAD = "jobs:\n  show:\n    steps:\n      - run: git rev-parse HEAD && echo $CI_COMMIT_REF_NAME\n"


def sign(body: bytes) -> str:
    return "sha256=" + hmac.new(HOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()


async def project_with_hooks(api: PipelineApi, repo: Path) -> str:
    project = await api.project("hooked", repo)
    body = {"value": HOOK_SECRET}
    await api.request("PUT", f"/projects/{project}/secrets/CONVEYOR_WEBHOOK_SECRET", 204, json=body)
    await api.pipeline(project, "on:\n  push:\n    branches: [main]\n" + SHOW_HEAD, name="main-only")
    await api.pipeline(project, "on:\n  push:\n    branches: ['release/*']\n" + SHOW_HEAD, name="releases")
    await api.pipeline(project, SHOW_HEAD, name="manual-only")
    return project


async def test_signed_github_push_runs_matching_pipelines_at_the_pushed_commit(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo", {"a.txt": "1"})
    project = await project_with_hooks(api, repo)
    sha = commit(repo, {"a.txt": "2"}, "second")
    commit(repo, {"a.txt": "3"}, "third, not pushed yet")
    body = json.dumps({"ref": "refs/heads/main", "after": sha}).encode()
    signature = sign(body)
    listener = await server.authenticated_socket(api.token)
    headers = {"X-GitHub-Event": "push", "X-Hub-Signature-256": signature, "Content-Type": "application/json"}
    async with server.api() as client:
        response = await client.post(f"/api/v1/hooks/github/{project}", content=body, headers=headers)
        assert response.status_code == 202, response.text
        (execution_id,) = response.json()["executionIds"]
        forged = await client.post(
            f"/api/v1/hooks/github/{project}",
            content=body,
            headers={**headers, "X-Hub-Signature-256": "sha256=0"},
        )
        ping_headers = {**headers, "X-GitHub-Event": "ping", "X-Hub-Signature-256": sign(b"{}")}
        ping = await client.post(f"/api/v1/hooks/github/{project}", content=b"{}", headers=ping_headers)
    assert forged.status_code == 401
    assert ping.status_code == 202 and ping.json() == {"executionIds": []}
    execution = (await completed(listener, execution_id))["data"]["execution"]
    assert execution["status"] == "success" and execution["trigger"] == "push"
    assert execution["commitSha"] == sha and execution["ref"] == "main"
    assert (await api.log_text(execution_id, "show"))[-2:] == [sha, "main"]


async def test_gitlab_push_needs_the_token_and_a_matching_branch(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo", {"a.txt": "1"})
    project = await project_with_hooks(api, repo)
    git_sha = commit(repo, {"a.txt": "2"}, "second")
    headers = {"X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": HOOK_SECRET}
    payload = {"ref": "refs/heads/release/1.0", "checkout_sha": git_sha, "after": git_sha}
    other = await api.project("no-hooks")
    async with server.api() as client:
        wrong = await client.post(
            f"/api/v1/hooks/gitlab/{project}", json=payload, headers={**headers, "X-Gitlab-Token": "nope"}
        )
        unset = await client.post(f"/api/v1/hooks/gitlab/{other}", json=payload, headers=headers)
        accepted = await client.post(f"/api/v1/hooks/gitlab/{project}", json=payload, headers=headers)
        feature = await client.post(
            f"/api/v1/hooks/gitlab/{project}", json={**payload, "ref": "refs/heads/feature"}, headers=headers
        )
        too_long = await client.post(
            f"/api/v1/hooks/gitlab/{project}",
            json={**payload, "ref": "refs/heads/" + "x" * 300},
            headers=headers,
        )
    assert too_long.status_code == 422 and "at most 255 characters" in too_long.json()["detail"]
    assert wrong.status_code == 401
    assert unset.status_code == 404 and "CONVEYOR_WEBHOOK_SECRET" in unset.json()["detail"]
    assert accepted.status_code == 202 and len(accepted.json()["executionIds"]) == 1
    assert feature.status_code == 202 and feature.json()["executionIds"] == []
    execution = await api.execution(accepted.json()["executionIds"][0])
    pipeline = await api.request("GET", f"/pipelines/{execution['pipelineId']}", 200)
    assert pipeline["name"] == "releases"


async def test_path_filters_look_at_the_files_the_pushed_commits_touch(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo", {"a.txt": "1"})
    project = await api.project("paths", repo)
    await api.request(
        "PUT", f"/projects/{project}/secrets/CONVEYOR_WEBHOOK_SECRET", 204, json={"value": HOOK_SECRET}
    )
    code = await api.pipeline(project, "on:\n  push:\n    paths: ['src/**']\n" + SHOW_HEAD, name="code")
    not_docs = "on:\n  push:\n    paths-ignore: ['docs/**', '**/*.md']\n" + SHOW_HEAD
    await api.pipeline(project, not_docs, name="not-docs")
    sha = commit(repo, {"a.txt": "2"}, "second")

    async def push(*commits: dict[str, list[str]]) -> list[str]:
        body = json.dumps({"ref": "refs/heads/main", "after": sha, "commits": list(commits)}).encode()
        headers = {"X-GitHub-Event": "push", "X-Hub-Signature-256": sign(body)}
        async with server.api() as client:
            response = await client.post(f"/api/v1/hooks/github/{project}", content=body, headers=headers)
        assert response.status_code == 202, response.text
        return list(response.json()["executionIds"])

    assert await push({"modified": ["docs/guide.md"]}, {"added": ["CHANGELOG.md"]}) == []
    started = await push({"modified": ["README.md"]}, {"added": ["src/app.py"], "removed": []})
    assert len(started) == 2
    only_code = await push({"removed": ["src/old/NOTES.md", "docs/old.md"]})
    assert [(await api.execution(e))["pipelineId"] for e in only_code] == [code["id"]]


async def test_schedule_starts_a_run_once_when_due(server: RunningServer, api: PipelineApi) -> None:
    project = await api.project("cron")
    definition = "on:\n  schedule:\n    - cron: '*/5 * * * *'\njobs:\n  a:\n    steps: [{run: echo tick}]\n"
    pipeline = await api.pipeline(project, definition)
    due = datetime.fromisoformat(pipeline["nextRunAt"])
    assert due.minute % 5 == 0 and due.second == 0
    listener = await server.authenticated_socket(api.token)
    scheduler = server.container.pipelines.scheduler
    assert await scheduler.tick(now=due - timedelta(seconds=1)) == []
    (execution_id,) = await scheduler.tick(now=due)
    assert await scheduler.tick(now=due) == [], "a due run starts once"
    execution = (await completed(listener, execution_id))["data"]["execution"]
    assert execution["trigger"] == "schedule" and execution["status"] == "success"
    later = await api.request("GET", f"/pipelines/{pipeline['id']}", 200)
    assert datetime.fromisoformat(later["nextRunAt"]) > due
