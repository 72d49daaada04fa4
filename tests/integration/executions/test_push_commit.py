"""A run carries its commit's sha, message and author: as GitHub and GitLab deliver them for a
push, looked up in the repository when a manual or scheduled run starts."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from tests.integration.executions.test_triggers import HOOK_SECRET, project_with_hooks, sign
from tests.support.pipelines import PipelineApi, commit, git, make_repo
from tests.support.server import RunningServer


async def test_pushed_runs_carry_the_commit_message_and_author(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo", {"a.txt": "1"})
    project = await project_with_hooks(api, repo)
    sha = commit(repo, {"a.txt": "2"}, "Fix the flaky test\n\nLonger body.")
    github = {
        "ref": "refs/heads/main",
        "after": sha,
        "head_commit": {
            "id": sha,
            "message": "Fix the flaky test\n\nLonger body.",
            "author": {"name": "Ada"},
        },
    }
    gitlab = {
        "ref": "refs/heads/main",
        "checkout_sha": sha,
        "commits": [
            {"id": "0" * 39 + "1", "message": "older"},
            {"id": sha, "message": "GL", "author": {"name": "Lin"}},
        ],
    }
    bare = {"ref": "refs/heads/main", "after": sha}
    async with server.api() as client:
        started = []
        for provider, payload in (("github", github), ("gitlab", gitlab), ("github", bare)):
            body = json.dumps(payload).encode()
            headers = (
                {"X-GitHub-Event": "push", "X-Hub-Signature-256": sign(body)}
                if provider == "github"
                else {"X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": HOOK_SECRET}
            )
            response = await client.post(f"/api/v1/hooks/{provider}/{project}", content=body, headers=headers)
            assert response.status_code == 202, response.text
            started.append(response.json()["executionIds"][0])
    runs = [await api.execution(execution_id) for execution_id in started]
    assert [(r["commitMessage"], r["commitAuthor"]) for r in runs] == [
        ("Fix the flaky test\n\nLonger body.", "Ada"),
        ("GL", "Lin"),
        (None, None),
    ]
    assert all(r["commitSha"] == sha for r in runs)


async def test_manual_and_scheduled_runs_record_the_commit_their_ref_names_when_they_start(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo", {"a.txt": "1"})
    project = await api.project("resolved", repo)
    definition = "on:\n  schedule:\n    - cron: '0 3 * * *'\njobs:\n  a:\n    steps: [{run: 'true'}]\n"
    pipeline = await api.pipeline(project, definition)
    git(repo, "checkout", "-q", "-b", "topic")
    topic = commit(repo, {"a.txt": "topic"}, "Topic work\n\nDetails.")
    git(repo, "checkout", "-q", "main")
    main = commit(repo, {"a.txt": "2"}, "Second on main")
    manual = await api.execution(await api.start(pipeline["id"], ref="topic"))  # read before any job ran
    default = await api.execution(await api.start(pipeline["id"]))
    (scheduled_id,) = await server.container.pipelines.scheduler.tick(
        now=datetime.fromisoformat(pipeline["nextRunAt"])
    )
    scheduled = await api.execution(scheduled_id)
    assert [(r["ref"], r["commitSha"], r["commitMessage"], r["commitAuthor"]) for r in (manual, default)] == [
        ("topic", topic, "Topic work\n\nDetails.", "CI"),
        ("main", main, "Second on main", "CI"),
    ]
    assert (scheduled["trigger"], scheduled["commitSha"], scheduled["commitMessage"]) == (
        "schedule",
        main,
        "Second on main",
    )
    unknown = await api.execution(await api.start(pipeline["id"], ref="no-such-branch"))
    assert unknown["commitSha"] is None  # the run says why at checkout, as before
