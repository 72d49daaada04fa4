"""Pipelines from the repository: the files at each run's commit, beside the API's pipelines."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.integration.executions.test_triggers import HOOK_SECRET, sign
from tests.support.pipelines import PipelineApi, commit, completed, git, make_repo
from tests.support.server import RunningServer
from tests.support.sockets import Listener


def says(word: str, *, cron: str | None = None) -> str:
    schedule = f"  schedule:\n    - cron: '{cron}'\n" if cron else ""
    return (
        f"on:\n  push: {{}}\n  manual: true\n{schedule}jobs:\n  say:\n    steps:\n"
        f'      - run: echo "{word} at $(git rev-parse --short HEAD)"\n'
    )


BROKEN = "jobs:\n  a:\n    steps:\n      - run: echo one\n      - uses: conveyor/nothing\n"


async def push(server: RunningServer, project: str, ref: str, sha: str) -> list[str]:
    body = json.dumps({"ref": ref, "after": sha}).encode()
    headers = {"X-GitHub-Event": "push", "X-Hub-Signature-256": sign(body)}
    async with server.api() as client:
        response = await client.post(f"/api/v1/hooks/github/{project}", content=body, headers=headers)
    assert response.status_code == 202, response.text
    return list(response.json()["executionIds"])


async def all_completed(listener: Listener, execution_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Each execution as its ``pipeline_execution_completed`` event carries it, in any order."""
    done: dict[str, dict[str, Any]] = {}
    while len(done) < len(execution_ids):
        _, envelope = await listener.next(
            lambda item: (
                item[0] == "pipeline_execution_completed"
                and item[1]["data"]["executionId"] in set(execution_ids) - set(done)
            ),
            30,
        )
        done[envelope["data"]["executionId"]] = envelope["data"]["execution"]
    return done


async def test_each_branch_runs_its_own_pipeline_files_beside_the_api_pipelines(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo", {".conveyor/ci.yml": says("main"), "README": "x"})
    main_sha = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "-b", "feature")
    feature_sha = commit(repo, {".conveyor/ci.yml": says("feature"), ".conveyor/broken.yml": BROKEN}, "f")
    git(repo, "checkout", "-q", "main")
    project = await api.project("from-repo", repo)
    await api.request(
        "PUT", f"/projects/{project}/secrets/CONVEYOR_WEBHOOK_SECRET", 204, json={"value": HOOK_SECRET}
    )
    stored = await api.pipeline(
        project, "on: push\njobs:\n  a:\n    steps: [{run: echo stored}]\n", name="stored"
    )
    listener = await server.authenticated_socket(api.token)

    started = await push(server, project, "refs/heads/feature", feature_sha)
    assert len(started) == 3, "the API pipeline, ci.yml and broken.yml"
    runs = {(await api.execution(e))["pipelineId"]: e for e in started}
    pipelines = {p["name"]: p for p in await api.request("GET", f"/projects/{project}/pipelines", 200)}
    assert {name: (p["source"], p["path"]) for name, p in pipelines.items()} == {
        "ci": ("repository", ".conveyor/ci.yml"),
        "broken": ("repository", ".conveyor/broken.yml"),
        "stored": ("api", None),
    }
    ci, broken = pipelines["ci"], pipelines["broken"]
    assert "line 5" in broken["error"] and "conveyor/nothing" in broken["error"]

    done = await all_completed(listener, started)
    failed = done[runs[broken["id"]]]
    assert failed["status"] == "failed" and failed["jobs"] == [] and failed["commitSha"] == feature_sha
    assert failed["error"].startswith(".conveyor/broken.yml: invalid pipeline definition")
    assert "line 5: jobs.a.steps[1].uses: unknown built-in step 'conveyor/nothing'" in failed["error"]
    feature_run = done[runs[ci["id"]]]
    assert feature_run["status"] == "success" and feature_run["ref"] == "feature"
    assert (await api.log_text(runs[ci["id"]], "say"))[-1] == f"feature at {feature_sha[:7]}"
    assert done[runs[stored["id"]]]["status"] == "success"

    # a manual run at main runs main's version of the file, at main's commit
    manual = await api.start(ci["id"], ref="main")
    manual_run = (await completed(listener, manual))["data"]["execution"]
    assert manual_run["commitSha"] == main_sha and manual_run["status"] == "success"
    assert (await api.log_text(manual, "say"))[-1] == f"main at {main_sha[:7]}"
    # the row holds the default branch's file, not the feature branch's
    assert "main at" in (await api.request("GET", f"/pipelines/{ci['id']}", 200))["definition"]
    # main has no broken.yml: a run of it there is refused, and nothing is created
    refused = await api.request("POST", f"/pipelines/{broken['id']}/executions", 409, json={"ref": "main"})
    assert "does not exist at main" in refused["detail"]
    unknown = await api.request("POST", f"/pipelines/{ci['id']}/executions", 422, json={"ref": "nope"})
    assert "ref 'nope' not found" in unknown["detail"]
    assert len(await api.request("GET", f"/pipelines/{broken['id']}/executions", 200)) == 1


async def test_sync_lists_files_and_their_pipelines_cannot_be_edited_through_the_api(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    repo = make_repo(
        tmp_path / "repo",
        {".conveyor.yml": says("top"), ".conveyor/lint.yaml": says("lint"), ".conveyor/notes.txt": "no",
         ".conveyor/deeper/x.yml": says("nested"), ".conveyor/bad.yml": "jobs: [\n"},
    )  # fmt: skip
    project = await api.project("synced", repo)
    await api.pipeline(project, "jobs:\n  a:\n    steps: [{run: 'true'}]\n", name="conveyor")
    synced = await api.request("POST", f"/projects/{project}/pipelines/sync", 200, json={})
    assert [(p["name"], p["path"], p["error"] is None) for p in synced] == [
        ("conveyor-2", ".conveyor.yml", True),
        ("bad", ".conveyor/bad.yml", False),
        ("lint", ".conveyor/lint.yaml", True),
    ]
    assert "line 2" in synced[1]["error"] and "invalid YAML" in synced[1]["error"]
    again = await api.request("POST", f"/projects/{project}/pipelines/sync", 200, json={"ref": "main"})
    assert [p["id"] for p in again] == [p["id"] for p in synced], "one row per file"
    edit = await api.request("PUT", f"/pipelines/{synced[0]['id']}", 409, json={"definition": says("x")})
    assert ".conveyor.yml" in edit["detail"]
    no_repo = await api.project("no-repo")
    assert (
        "no repository"
        in (await api.request("POST", f"/projects/{no_repo}/pipelines/sync", 422, json={}))["detail"]
    )


async def test_a_schedule_runs_the_default_branch_file_as_it_is_now(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo", {".conveyor/nightly.yml": says("first", cron="0 3 * * *")})
    project = await api.project("scheduled", repo)
    (nightly,) = await api.request("POST", f"/projects/{project}/pipelines/sync", 200, json={})
    assert nightly["nextRunAt"] is not None
    second = commit(repo, {".conveyor/nightly.yml": says("second", cron="0 3 * * *")}, "change")
    listener = await server.authenticated_socket(api.token)
    (execution_id,) = await server.container.pipelines.scheduler.tick(
        now=datetime.fromisoformat(nightly["nextRunAt"])
    )
    run = (await completed(listener, execution_id))["data"]["execution"]
    assert run["trigger"] == "schedule" and run["commitSha"] == second and run["ref"] == "main"
    assert (await api.log_text(execution_id, "say"))[-1] == f"second at {second[:7]}"


async def test_deliveries_that_first_see_a_file_at_once_share_one_pipeline(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo", {".conveyor.yml": says("top"), ".conveyor/lint.yml": says("lint")})
    project = await api.project("raced", repo)
    sync = f"/projects/{project}/pipelines/sync"
    answers = await asyncio.gather(*(api.request("POST", sync, 200, json={}) for _ in range(4)))
    assert {tuple(sorted(p["id"] for p in answer)) for answer in answers} == {
        tuple(sorted(p["id"] for p in answers[0]))
    }
    assert len(await api.request("GET", f"/projects/{project}/pipelines", 200)) == 2
