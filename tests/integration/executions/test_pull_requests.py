"""Pull (GitHub) and merge (GitLab) requests start the pipelines that ask for them, at the head
commit, with the request in the `conveyor` context; a fork's request runs without secrets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.integration.executions.test_triggers import HOOK_SECRET, sign
from tests.support.pipelines import PipelineApi, all_completed, commit, completed, git, make_repo
from tests.support.server import RunningServer

SHOW = """
jobs:
  show:
    steps:
      - run: |
          git rev-parse HEAD
          echo "${{ conveyor.event }} #${{ conveyor.pull_request.number }} ${{ conveyor.head_ref }}"
          echo "-> ${{ conveyor.base_ref }} fork=${{ conveyor.pull_request.fork }}"
          echo "secret=${API_KEY:-none}"
"""


async def project_with_pull_requests(api: PipelineApi, repo: Path) -> str:
    project = await api.project("prs", repo)
    for name, value in (("CONVEYOR_WEBHOOK_SECRET", HOOK_SECRET), ("API_KEY", "s3cret-value-42")):
        await api.request("PUT", f"/projects/{project}/secrets/{name}", 204, json={"value": value})
    await api.pipeline(project, "on:\n  pull_request:\n    branches: [main]\n" + SHOW, name="checks")
    await api.pipeline(project, "on:\n  pull_request:\n    branches: ['release/*']\n" + SHOW, name="release")
    await api.pipeline(project, "on:\n  pull_request:\n    types: [opened]\n" + SHOW, name="first-only")
    await api.pipeline(project, "on: push\n" + SHOW, name="pushes")
    return project


def head_commit_on_pull_ref(repo: Path, number: int, prefix: str = "refs/pull") -> str:
    """A commit only the forge's pull ref holds (as for a fork's branch), not any branch."""
    git(repo, "checkout", "-q", "-b", "feature")
    sha = commit(repo, {"b.txt": "fork work"}, "Add the feature\n\nFrom a fork.")
    git(repo, "checkout", "-q", "main")
    git(repo, "branch", "-q", "-D", "feature")
    git(repo, "update-ref", f"{prefix}/{number}/head", sha)
    return sha


def github_pull_request(action: str, sha: str, *, fork: bool, number: int = 7) -> dict[str, Any]:
    """The fields of GitHub's documented ``pull_request`` payload that Conveyor reads."""
    base_repo = {"id": 1, "full_name": "acme/app"}
    head_repo = {"id": 2, "full_name": "someone/app"} if fork else base_repo
    return {
        "action": action,
        "number": number,
        "pull_request": {
            "number": number,
            "title": "Add the feature",
            "user": {"login": "octocat"},
            "head": {"ref": "feature", "sha": sha, "repo": head_repo},
            "base": {"ref": "main", "sha": "f" * 40, "repo": base_repo},
        },
        "repository": base_repo,
    }


async def github(server: RunningServer, project: str, payload: Any, event: str = "pull_request") -> Any:
    body = json.dumps(payload).encode()
    headers = {"X-GitHub-Event": event, "X-Hub-Signature-256": sign(body), "Content-Type": "application/json"}
    async with server.api() as client:
        return await client.post(f"/api/v1/hooks/github/{project}", content=body, headers=headers)


async def test_a_fork_pull_request_runs_its_head_commit_without_secrets(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo", {"a.txt": "1"})
    project = await project_with_pull_requests(api, repo)
    sha = head_commit_on_pull_ref(repo, 7)
    listener = await server.authenticated_socket(api.token)
    response = await github(server, project, github_pull_request("opened", sha, fork=True))
    assert response.status_code == 202, response.text
    started = response.json()["executionIds"]
    assert len(started) == 2  # checks and first-only; not release (base main), not pushes
    execution = (await all_completed(listener, started))[started[0]]["data"]["execution"]
    assert execution["status"] == "success", execution
    assert execution["trigger"] == "pull_request" and execution["ref"] == "refs/pull/7/head"
    assert (execution["pullRequest"], execution["baseRef"], execution["headRef"]) == (7, "main", "feature")
    assert execution["fromFork"] is True and execution["pullRequestTitle"] == "Add the feature"
    # GitHub's payload has no commit message: it is read from the repository at the head commit
    assert (execution["commitSha"], execution["commitMessage"]) == (sha, "Add the feature\n\nFrom a fork.")
    assert execution["commitAuthor"] == "CI"
    log = await api.log_text(started[0], "show")
    assert log[-4:] == [sha, "pull_request #7 feature", "-> main fork=true", "secret=none"]


async def test_a_same_repository_pull_request_gets_secrets_and_only_opened_synchronize_reopened_run(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo", {"a.txt": "1"})
    project = await project_with_pull_requests(api, repo)
    sha = head_commit_on_pull_ref(repo, 8)
    listener = await server.authenticated_socket(api.token)
    synchronize = await github(server, project, github_pull_request("synchronize", sha, fork=False, number=8))
    (execution_id,) = synchronize.json()["executionIds"]  # first-only wants opened alone
    execution = (await completed(listener, execution_id))["data"]["execution"]
    assert execution["status"] == "success" and execution["fromFork"] is False
    assert (await api.log_text(execution_id, "show"))[-1] == "secret=***"
    for action in ("closed", "labeled", "edited"):
        ignored = await github(server, project, github_pull_request(action, sha, fork=False, number=8))
        assert ignored.status_code == 202 and ignored.json() == {"executionIds": []}, action


async def test_unknown_events_are_ignored_and_malformed_requests_refused(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo", {"a.txt": "1"})
    project = await project_with_pull_requests(api, repo)
    sha = git(repo, "rev-parse", "HEAD")
    for event in ("issues", "ping", "pull_request_review", "check_run"):
        response = await github(server, project, {"action": "opened", "zen": "hi"}, event)
        assert response.status_code == 202 and response.json() == {"executionIds": []}, event
    good = github_pull_request("opened", sha, fork=False)
    no_head = {**good, "pull_request": {**good["pull_request"], "head": None}}
    bad_sha = github_pull_request("opened", "--upload-pack=evil", fork=False)
    bad_number = {**good, "number": "7; rm -rf /"}
    for payload, reason in (
        (no_head, "pull_request.head"),
        (bad_sha, "pull_request.head.sha"),
        (bad_number, "number"),
        ([1, 2], "JSON object"),
    ):
        response = await github(server, project, payload)
        assert response.status_code == 422 and reason in response.json()["detail"], response.text
    executions = await api.request("GET", "/executions", 200)
    assert executions == []


def gitlab_merge_request(action: str, sha: str, *, oldrev: str | None = None) -> dict[str, Any]:
    """The fields of GitLab's documented ``Merge Request Hook`` payload that Conveyor reads."""
    attributes: dict[str, Any] = {
        "iid": 3,
        "title": "Draft: speed up",
        "action": action,
        "source_branch": "speed",
        "target_branch": "main",
        "source_project_id": 10,
        "target_project_id": 10,
        "last_commit": {"id": sha, "message": "Speed up\n", "author": {"name": "Lin"}},
    }
    if oldrev:
        attributes["oldrev"] = oldrev
    return {"object_kind": "merge_request", "event_type": "merge_request", "object_attributes": attributes}


async def test_gitlab_merge_requests_run_on_open_reopen_and_new_commits(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo", {"a.txt": "1"})
    project = await project_with_pull_requests(api, repo)
    sha = head_commit_on_pull_ref(repo, 3, prefix="refs/merge-requests")
    headers = {"X-Gitlab-Event": "Merge Request Hook", "X-Gitlab-Token": HOOK_SECRET}
    listener = await server.authenticated_socket(api.token)
    results = {}
    async with server.api() as client:
        for name, payload in (
            ("open", gitlab_merge_request("open", sha)),
            ("new commits", gitlab_merge_request("update", sha, oldrev="a" * 40)),
            ("retitled", gitlab_merge_request("update", sha)),
            ("merged", gitlab_merge_request("merge", sha)),
        ):
            response = await client.post(f"/api/v1/hooks/gitlab/{project}", json=payload, headers=headers)
            assert response.status_code == 202, response.text
            results[name] = response.json()["executionIds"]
    assert [len(results[name]) for name in ("open", "new commits", "retitled", "merged")] == [2, 1, 0, 0]
    execution = (await completed(listener, results["new commits"][0]))["data"]["execution"]
    assert execution["status"] == "success", execution
    assert execution["ref"] == "refs/merge-requests/3/head" and execution["pullRequest"] == 3
    assert (execution["commitSha"], execution["commitMessage"], execution["commitAuthor"]) == (
        sha,
        "Speed up\n",
        "Lin",
    )
    log = await api.log_text(results["new commits"][0], "show")
    assert log[-4:] == [sha, "pull_request #3 speed", "-> main fork=false", "secret=***"]
