from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.support.pids import gone, holding
from tests.support.pipelines import PipelineApi, completed, job_of
from tests.support.server import RunningServer


async def test_cancel_kills_the_process_tree_and_ends_cancelled(
    server: RunningServer, api: PipelineApi
) -> None:
    command = holding()
    project = await api.project("cancel")
    pipeline = await api.pipeline(
        project,
        f"""
        jobs:
          long:
            steps:
              - run: "{command.run}"
              - run: echo never
          later:
            needs: long
            steps: [{{run: echo never}}]
        """,
    )
    listener = await server.authenticated_socket(api.token)
    execution_id = await api.start(pipeline["id"])
    await listener.next(
        lambda item: (
            item[0] == "pipeline_execution_updated"
            and job_of(item[1]["data"]["execution"], "long")["steps"][0]["status"] == "running"
        )
    )
    pid = await command.pid()
    await api.request("POST", f"/executions/{execution_id}/cancel", 202)
    envelope = await completed(listener, execution_id)
    execution = envelope["data"]["execution"]
    assert execution["status"] == "cancelled"
    assert job_of(execution, "long")["status"] == "cancelled"
    assert job_of(execution, "later")["status"] == "cancelled"
    assert await gone(pid)
    await api.request("POST", f"/executions/{execution_id}/cancel", 409)


@pytest.mark.unconfined  # the step shares a file (or a pid) with the test
async def test_retry_reruns_only_the_failed_jobs(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    flag = tmp_path / "fixed"
    project = await api.project("rerun")
    pipeline = await api.pipeline(
        project,
        f"""
        jobs:
          ok:
            steps: [{{run: echo fine}}]
          flaky:
            steps: [{{run: test -e {flag}}}]
          after:
            needs: [ok, flaky]
            steps: [{{run: echo after}}]
        """,
    )
    listener = await server.authenticated_socket(api.token)
    execution_id = await api.start(pipeline["id"])
    first = (await completed(listener, execution_id))["data"]["execution"]
    assert first["status"] == "failed" and job_of(first, "after")["status"] == "skipped"

    flag.write_text("")
    await api.request("POST", f"/executions/{execution_id}/retry", 202)
    _, started = await listener.next_of("pipeline_execution_started")
    assert started["data"]["execution"]["attempt"] == 2
    second = (await completed(listener, execution_id))["data"]["execution"]
    assert second["status"] == "success" and second["attempt"] == 2
    assert job_of(second, "ok")["attempt"] == 1, "a successful job is not run again"
    assert job_of(second, "flaky")["attempt"] == 2
    assert job_of(second, "after")["status"] == "success"
    lines = await api.log_text(execution_id, "flaky")
    assert lines[-1] == "=== flaky: attempt 2 ==="
    await api.request("POST", f"/executions/{execution_id}/retry", 409)


async def test_artifacts_are_kept_and_downloadable(server: RunningServer, api: PipelineApi) -> None:
    project = await api.project("artifacts")
    pipeline = await api.pipeline(
        project,
        """
        jobs:
          build:
            steps:
              - run: mkdir -p dist logs && echo wheel > dist/app.whl && echo log > logs/a.txt
              - run: echo x > other
            artifacts: [dist/*.whl, logs]
        """,
    )
    listener = await server.authenticated_socket(api.token)
    execution_id = await api.start(pipeline["id"])
    assert (await completed(listener, execution_id))["data"]["execution"]["status"] == "success"
    artifacts = await api.request("GET", f"/executions/{execution_id}/artifacts", 200)
    assert [a["path"] for a in artifacts] == ["dist/app.whl", "logs/a.txt"]
    wheel = artifacts[0]
    assert wheel["size"] == 6 and wheel["sha256"] == hashlib.sha256(b"wheel\n").hexdigest()
    download = await api.request("GET", f"/executions/{execution_id}/artifacts/{wheel['id']}", 200)
    assert download.content == b"wheel\n"
    assert 'filename="app.whl"' in download.headers["content-disposition"]
