from __future__ import annotations

import base64
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.support.pipelines import PipelineApi, completed, job_of, make_repo
from tests.support.server import RunningServer
from tests.support.sockets import event_names


async def test_push_to_completed_with_checkout_logs_and_events(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo", {"hello.txt": "hello from the repo\n"})
    project = await api.project("demo", repo)
    pipeline = await api.pipeline(
        project,
        """
        name: ci
        jobs:
          build:
            steps:
              - name: Show
                run: cat hello.txt && echo "ref=$CI_COMMIT_REF_NAME"
        """,
    )
    listener = await server.authenticated_socket(api.token)
    execution_id = await api.start(pipeline["id"])
    envelope = await completed(listener, execution_id)
    execution = envelope["data"]["execution"]
    assert execution["status"] == "success", execution
    assert envelope["priority"] == "MEDIUM"
    names = event_names(listener.received)
    assert names.index("pipeline_execution_started") < names.index("pipeline_execution_updated")
    lines = await api.log_text(execution_id, "build")
    assert "hello from the repo" in lines
    assert "ref=main" in lines
    assert job_of(execution, "build")["steps"][0]["status"] == "success"
    assert len(execution["commitSha"]) == 40


def span(job: dict[str, Any]) -> tuple[datetime, datetime]:
    return datetime.fromisoformat(job["startedAt"]), datetime.fromisoformat(job["finishedAt"])


async def test_dag_levels_run_in_parallel_and_dependents_wait(
    server: RunningServer, api: PipelineApi
) -> None:
    project = await api.project("dag")
    pipeline = await api.pipeline(
        project,
        """
        jobs:
          a:
            steps: [{run: sleep 1}]
          b:
            steps: [{run: sleep 1}]
          c:
            needs: [a, b]
            steps: [{run: echo c}]
        """,
    )
    listener = await server.authenticated_socket(api.token)
    execution = (await completed(listener, await api.start(pipeline["id"])))["data"]["execution"]
    assert execution["status"] == "success"
    (a0, a1), (b0, b1), (c0, _) = (span(job_of(execution, k)) for k in "abc")
    assert a0 < b1 and b0 < a1, "a and b should overlap"
    assert c0 >= max(a1, b1)


async def test_parallel_limit_is_respected(server_with: Any, tmp_path: Path) -> None:
    async with server_with(max_parallel_jobs=1) as server:
        api = PipelineApi(server, await server.admin_token())
        project = await api.project("limited")
        pipeline = await api.pipeline(
            project, "jobs:\n  a:\n    steps: [{run: sleep 0.5}]\n  b:\n    steps: [{run: sleep 0.5}]\n"
        )
        listener = await server.authenticated_socket(api.token)
        execution = (await completed(listener, await api.start(pipeline["id"])))["data"]["execution"]
        (a0, a1), (b0, b1) = span(job_of(execution, "a")), span(job_of(execution, "b"))
        assert a1 <= b0 or b1 <= a0, "jobs must not overlap with max_parallel_jobs=1"


async def test_conditions_matrix_env_and_working_directory(server: RunningServer, api: PipelineApi) -> None:
    project = await api.project("conditions")
    pipeline = await api.pipeline(
        project,
        """
        env: {WHO: pipeline, LEVEL: top}
        jobs:
          build:
            matrix: {n: [1, 2]}
            fail-fast: false
            env: {WHO: job}
            steps:
              - run: mkdir -p sub && echo "n=${{ matrix.n }} $MATRIX_N $WHO $LEVEL $STEP"
                env: {STEP: s1}
              - run: pwd | sed 's|.*/||'
                working-directory: sub
              - run: exit 4
              - run: echo never
              - run: echo cleanup
                if: failure()
              - run: echo always
                if: always()
          notify:
            needs: build
            if: failure()
            steps: [{run: echo notified}]
          deploy:
            needs: build
            steps: [{run: echo deployed}]
        """,
    )
    listener = await server.authenticated_socket(api.token)
    envelope = await completed(listener, await api.start(pipeline["id"]))
    execution = envelope["data"]["execution"]
    assert execution["status"] == "failed" and envelope["priority"] == "HIGH"
    assert "job 'build (1)'" in execution["error"] or "job 'build (2)'" in execution["error"]
    build = job_of(execution, "build (2)")
    assert [s["status"] for s in build["steps"]] == [
        "success",
        "success",
        "failed",
        "skipped",
        "success",
        "success",
    ]
    assert build["steps"][2]["exitCode"] == 4 and build["error"] == "step 'exit 4' exited with code 4"
    lines = await api.log_text(execution["id"], "build (2)")
    assert lines == ["n=2 2 job top s1", "sub", "cleanup", "always"]
    assert job_of(execution, "notify")["status"] == "success"
    deploy = job_of(execution, "deploy")
    assert deploy["status"] == "skipped" and "did not succeed" in deploy["error"]


async def test_expression_conditions_see_matrix_env_ref_and_event(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    project = await api.project("expressions", make_repo(tmp_path / "repo", {"README": "x\n"}))
    pipeline = await api.pipeline(
        project,
        """
        env: {STAGE: prod}
        jobs:
          test:
            matrix:
              os: [linux, mac]
            fail-fast: false
            steps:
              - run: echo "on ${{ matrix.os }}"
              - run: exit 3
                if: matrix.os == 'mac'
              - run: echo "mac failed"
                if: failure() && startsWith(matrix.os, 'MA')
              - run: echo "not cancelled"
                if: ${{ !cancelled() }}
          deploy:
            needs: test
            if: ${{ always() && conveyor.ref == 'main' && env.STAGE == 'prod' }}
            steps: [{run: echo "deploy from $CI_COMMIT_REF_NAME"}]
          release:
            needs: test
            if: startsWith(conveyor.ref, 'release/')
            steps: [{run: echo release}]
          nightly:
            if: conveyor.event == 'schedule'
            steps: [{run: echo nightly}]
        """,
    )
    listener = await server.authenticated_socket(api.token)
    execution = (await completed(listener, await api.start(pipeline["id"])))["data"]["execution"]
    linux, mac = job_of(execution, "test (linux)"), job_of(execution, "test (mac)")
    assert [s["status"] for s in linux["steps"]] == ["success", "skipped", "skipped", "success"]
    assert [s["status"] for s in mac["steps"]] == ["success", "failed", "success", "success"]
    assert (await api.log_text(execution["id"], "test (mac)"))[-3:] == [
        "on mac",
        "mac failed",
        "not cancelled",
    ]
    assert job_of(execution, "deploy")["status"] == "success"
    assert (await api.log_text(execution["id"], "deploy"))[-1] == "deploy from main"
    release = job_of(execution, "release")  # false even had its needs succeeded: the condition is the reason
    assert release["error"] == "skipped: if startsWith(conveyor.ref, 'release/') is false"
    nightly = job_of(execution, "nightly")
    assert nightly["status"] == "skipped"
    assert nightly["error"] == "skipped: if conveyor.event == 'schedule' is false"


async def test_timeouts_end_jobs_as_timed_out(server: RunningServer, api: PipelineApi) -> None:
    project = await api.project("timeouts")
    pipeline = await api.pipeline(
        project,
        """
        jobs:
          slow:
            timeout: 1
            steps:
              - run: sleep 30
              - run: echo never
          step-limit:
            steps:
              - run: sleep 30
                timeout: 1s
              - run: echo after
                if: always()
        """,
    )
    listener = await server.authenticated_socket(api.token)
    envelope = await completed(listener, await api.start(pipeline["id"]))
    execution = envelope["data"]["execution"]
    assert execution["status"] == "timed_out" and envelope["priority"] == "HIGH"
    slow = job_of(execution, "slow")
    assert slow["status"] == "timed_out" and slow["error"] == "job timed out after 1s"
    assert [s["status"] for s in slow["steps"]] == ["timed_out", "skipped"]
    limited = job_of(execution, "step-limit")
    assert [s["status"] for s in limited["steps"]] == ["timed_out", "success"]
    assert limited["status"] == "timed_out"


@pytest.mark.unconfined  # the step counts its tries in a file of the test
async def test_retries_rerun_a_failing_job(server: RunningServer, api: PipelineApi, tmp_path: Path) -> None:
    counter = tmp_path / "tries"
    project = await api.project("retries")
    script = (
        f'n=$(cat {counter} 2>/dev/null || echo 0); echo $((n+1)) > {counter}; echo "try $n"; [ "$n" -ge 1 ]'
    )
    pipeline = await api.pipeline(
        project, f"jobs:\n  flaky:\n    retries: 2\n    steps:\n      - run: '{script}'\n"
    )
    listener = await server.authenticated_socket(api.token)
    execution = (await completed(listener, await api.start(pipeline["id"])))["data"]["execution"]
    flaky = job_of(execution, "flaky")
    assert execution["status"] == "success" and flaky["attempt"] == 2
    lines = await api.log_text(execution["id"], "flaky")
    assert lines[0] == "try 0" and lines[-1] == "try 1"
    assert any("retrying (2 retries left)" in line for line in lines)


async def test_secrets_are_injected_and_masked_everywhere(
    server: RunningServer, api: PipelineApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVEYOR_SERVER_ONLY", "must-not-leak")
    monkeypatch.setenv("SERVER_PRIVATE_VAR", "must-not-leak")
    secret = "s3cr3t-value-42"
    project = await api.project("secrets")
    await api.request("PUT", f"/projects/{project}/secrets/DEPLOY_TOKEN", 204, json={"value": secret})
    pipeline = await api.pipeline(
        project,
        """
        jobs:
          leak:
            steps:
              - run: |
                  echo "token=$DEPLOY_TOKEN"
                  printf %s "$DEPLOY_TOKEN" | base64
                  env | sort
                  test "$DEPLOY_TOKEN" = "s3cr3t-value-42"
        """,
    )
    listener = await server.authenticated_socket(api.token)
    execution_id = await api.start(pipeline["id"])
    envelope = await completed(listener, execution_id)
    assert envelope["data"]["execution"]["status"] == "success"
    lines = await api.log_text(execution_id, "leak")
    assert "token=***" in lines and "***" in lines
    step_files = {"CONVEYOR_OUTPUT", "CONVEYOR_ENV", "CONVEYOR_PATH", "CONVEYOR_STEP_SUMMARY"}
    server_variables = [
        line for line in lines if line.startswith("CONVEYOR_") and line.split("=")[0] not in step_files
    ]
    assert not server_variables and not [line for line in lines if "must-not-leak" in line]
    assert "CI=true" in lines
    everything = json.dumps(listener.received) + json.dumps(await api.logs(execution_id))
    assert secret not in everything
    assert base64.b64encode(secret.encode()).decode() not in everything


async def test_every_step_state_is_announced_even_for_quick_steps(
    server: RunningServer, api: PipelineApi
) -> None:
    project = await api.project("quick")
    steps = "\n".join(f"      - run: 'true'\n        name: s{i}" for i in range(5))
    pipeline = await api.pipeline(project, f"jobs:\n  fast:\n    steps:\n{steps}\n")
    listener = await server.authenticated_socket(api.token)
    execution_id = await api.start(pipeline["id"])
    await completed(listener, execution_id)
    seen: dict[str, list[str]] = {}
    for name, data in listener.received:
        if name == "pipeline_execution_updated" and data["data"]["executionId"] == execution_id:
            for step in job_of(data["data"]["execution"], "fast")["steps"]:
                states = seen.setdefault(step["name"], [])
                if not states or states[-1] != step["status"]:
                    states.append(step["status"])
    assert seen == {f"s{i}": ["queued", "running", "success"] for i in range(5)}
