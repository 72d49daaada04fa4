"""The pipeline language end to end on the local runner (tests/integration/runners runs the same
pipelines on Celery workers): outputs, expressions in every field, contexts and functions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.pipelines import PipelineApi, completed, job_of
from tests.support.server import RunningServer

OUTPUTS = """
env: {STAGE: "${{ conveyor.event }}"}
jobs:
  build:
    outputs:
      version: ${{ steps.meta.outputs.version }}
      notes: ${{ steps.meta.outputs.notes }}
      token: ${{ steps.meta.outputs.token }}
    steps:
      - id: meta
        run: |
          echo "version=1.$((40 + 2))" >> "$CONVEYOR_OUTPUT"
          printf 'notes<<END\\nfirst\\nsecond\\nEND\\n' >> "$GITHUB_OUTPUT"
          echo "token=$API_TOKEN" >> "$CONVEYOR_OUTPUT"
      - name: Version ${{ conveyor.run_number }} by ${{ conveyor.actor }}
        env:
          V: v${{ steps.meta.outputs.version }}
        run: echo "$V ${{ steps.meta.outcome }} $STAGE"
  deploy:
    needs: build
    if: needs.build.outputs.version == '1.42'
    env:
      RELEASE: ${{ format('{0}-{1}', needs.build.outputs.version, conveyor.ref) }}
    timeout: ${{ 5 }}m
    steps:
      - run: mkdir -p out/${{ needs.build.result }}
      - working-directory: out/${{ needs.build.result }}
        run: |
          echo "$RELEASE in ${PWD##*/}"
          echo '${{ toJSON(fromJSON('["a", "b"]')) }}' | tr -d ' \\n'; echo
          echo "${{ join(fromJSON('["x", "y"]'), '+') }} ${{ needs.build.outputs.notes }}"
          echo "${{ needs.build.outputs.token }}"
  broken:
    steps:
      - run: echo "not an output line" >> "$CONVEYOR_OUTPUT"
      - run: echo never
"""


async def check_outputs(api: PipelineApi, execution: dict[str, Any]) -> None:
    assert job_of(execution, "broken")["status"] == "failed"
    build, deploy = job_of(execution, "build"), job_of(execution, "deploy")
    assert build["status"] == "success" and deploy["status"] == "success", execution
    assert build["outputs"] == {"version": "1.42", "notes": "first\nsecond", "token": "***"}
    assert build["steps"][1]["name"] == "Version 1 by admin"
    assert await api.log_text(execution["id"], "build") == ["v1.42 success manual"]
    assert await api.log_text(execution["id"], "deploy") == [
        "1.42- in success",
        '["a","b"]',
        "x+y first",
        "second",
        "***",
    ]
    broken = job_of(execution, "broken")
    assert broken["steps"][0]["error"] == "outputs: line 1: expected name=value or name<<DELIMITER"
    assert [step["status"] for step in broken["steps"]] == ["failed", "skipped"]


async def test_outputs_flow_from_steps_to_jobs_to_dependent_jobs(
    server: RunningServer, api: PipelineApi
) -> None:
    project = await api.project("outputs")
    await api.request("PUT", f"/projects/{project}/secrets/API_TOKEN", 204, json={"value": "tok-secret-9"})
    pipeline = await api.pipeline(project, OUTPUTS)
    listener = await server.authenticated_socket(api.token)
    execution = (await completed(listener, await api.start(pipeline["id"])))["data"]["execution"]
    await check_outputs(api, execution)


async def test_an_expression_that_fails_at_run_time_fails_its_step(
    server: RunningServer, api: PipelineApi
) -> None:
    project = await api.project("bad-expression")
    pipeline = await api.pipeline(
        project,
        """
        jobs:
          a:
            steps:
              - id: s
                run: echo 'data={not json' >> "$CONVEYOR_OUTPUT"
              - run: echo ${{ fromJSON(steps.s.outputs.data) }}
              - run: echo cleanup
                if: always()
        """,
    )
    listener = await server.authenticated_socket(api.token)
    execution = (await completed(listener, await api.start(pipeline["id"])))["data"]["execution"]
    job = job_of(execution, "a")
    assert [step["status"] for step in job["steps"]] == ["success", "failed", "success"]
    assert job["steps"][1]["error"].startswith(
        "step 'echo ${{ fromJSON(steps.s.outputs.data) }}': fromJSON(): not JSON"
    )
    assert await api.log_text(execution["id"], "a") == [job["steps"][1]["error"], "cleanup"]


ARTIFACTS_AND_CACHES = """
jobs:
  build:
    cache:
      - key: deps-${{ hashFiles('requirements.txt') }}
        paths: [venv]
        restore-keys: [deps-]
    artifacts: [dist, reports/*.txt]
    steps:
      - run: |
          echo "flask==3" > requirements.txt
          if [ -e venv/marker ]; then echo "venv from cache: $(cat venv/marker)"; fi
          mkdir -p venv dist/sub reports && echo "$CI_EXECUTION_NUMBER" > venv/marker
          echo wheel > dist/sub/app.whl && echo ok > reports/unit.txt
  test:
    needs: build
    steps:
      - run: cat dist/sub/app.whl reports/unit.txt
  picky:
    needs: [build, empty]
    if: always()
    dependencies: [empty]
    steps: [{run: echo never}]
  empty:
    artifacts: [nothing/*]
    steps: [{run: echo nothing kept}]
"""


async def check_artifacts_and_caches(api: PipelineApi, first: dict[str, Any], second: dict[str, Any]) -> None:
    for execution in (first, second):
        assert job_of(execution, "test")["status"] == "success", execution
        assert await api.log_text(execution["id"], "test") == [
            "artifacts: restored 2 file(s), 9 bytes, from job 'build'",
            "wheel",
            "ok",
        ]
        picky = job_of(execution, "picky")
        assert picky["status"] == "failed" and picky["error"] == (
            "artifacts of job 'empty' are missing: it kept none (nothing matched its paths)"
        )
    [miss] = job_of(first, "build")["caches"]
    assert miss["hit"] == "miss" and miss["saved"] and miss["key"].startswith("deps-") and miss["size"] > 0
    [hit] = job_of(second, "build")["caches"]
    assert hit["hit"] == "exact" and hit["restoredKey"] == miss["key"] and not hit["saved"]
    lines = await api.log_text(second["id"], "build")
    assert f"cache: exact hit for {miss['key']!r}, restored {miss['key']!r} ({miss['size']} bytes)" in lines
    assert "venv from cache: 1" in lines


async def test_artifacts_reach_dependent_jobs_and_caches_persist_between_executions(
    server: RunningServer, api: PipelineApi
) -> None:
    project = await api.project("artifacts-and-caches")
    pipeline = await api.pipeline(project, ARTIFACTS_AND_CACHES)
    listener = await server.authenticated_socket(api.token)
    first = (await completed(listener, await api.start(pipeline["id"])))["data"]["execution"]
    second = (await completed(listener, await api.start(pipeline["id"])))["data"]["execution"]
    await check_artifacts_and_caches(api, first, second)


REPORTS = """
jobs:
  test:
    reports: {junit: "reports/*.xml"}
    steps:
      - run: |
          mkdir -p reports
          cat > reports/unit.xml <<EOF
          <testsuite name="unit">
            <testcase classname="t.a" name="passes" time="0.5"/>
            <testcase classname="t.a" name="fails" time="1.5">
              <failure message="token $API_TOKEN was wrong"/>
            </testcase>
            <testcase classname="t.b" name="skips"><skipped/></testcase>
          </testsuite>
          EOF
          exit 1
"""


async def check_reports(api: PipelineApi, execution: dict[str, Any]) -> None:
    assert execution["tests"] == {"passed": 1, "failed": 1, "skipped": 1}
    assert job_of(execution, "test")["tests"] == execution["tests"]
    report = await api.request("GET", f"/executions/{execution['id']}/tests", 200)
    assert report["summary"] == execution["tests"]
    assert [(t["name"], t["status"]) for t in report["tests"]] == [
        ("fails", "failed"),
        ("skips", "skipped"),
        ("passes", "passed"),
    ]
    assert report["tests"][0]["message"] == "token *** was wrong"
    assert report["tests"][0]["duration"] == 1.5 and report["tests"][0]["suite"] == "unit"
    failed = await api.request(
        "GET", f"/executions/{execution['id']}/tests", 200, params={"status": "failed"}
    )
    assert [t["name"] for t in failed["tests"]] == ["fails"]
    await api.request("GET", f"/executions/{execution['id']}/tests", 404, params={"job": "nope"})
    await api.request("GET", f"/executions/{execution['id']}/tests", 422, params={"status": "weird"})
    assert "reports: 1 passed, 1 failed, 1 skipped" in await api.log_text(execution["id"], "test")


async def test_junit_reports_become_test_results(server: RunningServer, api: PipelineApi) -> None:
    project = await api.project("reports")
    await api.request("PUT", f"/projects/{project}/secrets/API_TOKEN", 204, json={"value": "tok-secret-9"})
    pipeline = await api.pipeline(project, REPORTS)
    listener = await server.authenticated_socket(api.token)
    execution = (await completed(listener, await api.start(pipeline["id"])))["data"]["execution"]
    await check_reports(api, execution)


RUN_CONTROL = """
on:
  manual:
    inputs:
      target: {type: choice, options: [staging, production], required: true}
      dry-run: {type: boolean, default: true}
      replicas: {type: number, default: 2}
      note: {description: free text}
concurrency:
  group: deploy-${{ inputs.target }}
  cancel-in-progress: false
defaults:
  run: {shell: sh, working-directory: sub}
jobs:
  deploy:
    name: deploy to ${{ inputs.target }}
    steps:
      - {run: mkdir sub, working-directory: .}
      - env: {T: "${{ inputs.target }}", D: "${{ inputs.dry-run }}"}
        run: echo "$T dry=$D x${{ inputs.replicas }} [${{ inputs.note }}] in ${PWD##*/}"
      - shell: python
        run: import os; print("python", os.getcwd().rsplit("/", 1)[-1])
      - shell: bash
        run: echo "bash ${BASH_VERSION%%.*}" | sed 's/[0-9]//g'
  matrix:
    defaults: {run: {working-directory: .}}
    matrix: {n: [1, 2, 3, 4]}
    max-parallel: 1
    steps:
      - run: test ${{ matrix.n }} != 2
"""


async def check_run_control(api: PipelineApi, execution: dict[str, Any]) -> None:
    assert execution["inputs"] == {"target": "staging", "dry-run": False, "replicas": 3.0, "note": None}
    deploy = job_of(execution, "deploy")
    assert deploy["name"] == "deploy to staging" and deploy["status"] == "success", (
        deploy["error"],
        deploy["steps"],
    )
    assert await api.log_text(execution["id"], "deploy") == [
        "staging dry=false x3 [] in sub",
        "python sub",
        "bash ",
    ]
    combos = [job_of(execution, f"matrix ({n})") for n in range(1, 5)]
    assert [c["status"] for c in combos] == ["success", "failed", "cancelled", "cancelled"]
    assert combos[2]["error"] == "cancelled: 'matrix (2)' failed and the matrix is fail-fast"
    spans = [(c["startedAt"], c["finishedAt"]) for c in combos[:2]]
    assert spans[0][1] <= spans[1][0], "max-parallel: 1 runs one combination at a time"


async def test_inputs_defaults_shells_and_matrix_strategy(server: RunningServer, api: PipelineApi) -> None:
    project = await api.project("run-control")
    pipeline = await api.pipeline(project, RUN_CONTROL)
    start = f"/pipelines/{pipeline['id']}/executions"
    for inputs, reason in [
        ({}, "input 'target' is required"),
        ({"target": "moon"}, "input 'target': 'moon' is not one of ['staging', 'production']"),
        ({"target": "staging", "replicas": "many"}, "input 'replicas': 'many' is not a number"),
        ({"target": "staging", "dry-run": "maybe"}, "'maybe' is not a boolean"),
        ({"target": "staging", "extra": "x"}, "unknown input 'extra'"),
    ]:
        refused = await api.request("POST", start, 422, json={"inputs": inputs})
        assert reason in refused["detail"], refused
    listener = await server.authenticated_socket(api.token)
    body = {"inputs": {"target": "staging", "dry-run": "false", "replicas": 3}}
    execution_id = (await api.request("POST", start, 202, json=body))["executionId"]
    execution = (await completed(listener, execution_id))["data"]["execution"]
    assert execution["concurrencyGroup"] == "deploy-staging"
    await check_run_control(api, execution)


async def test_a_concurrency_group_runs_one_execution_at_a_time(
    server: RunningServer, api: PipelineApi, tmp_path: Path
) -> None:
    project = await api.project("concurrency")
    gate = tmp_path / "gate"
    waiting = await api.pipeline(
        project,
        f"""
        concurrency: release-${{{{ conveyor.ref }}}}
        jobs:
          a:
            steps: [{{run: 'while [ ! -e {gate} ]; do sleep 0.05; done; echo done'}}]
        """,
        name="waiting",
    )
    cancelling = await api.pipeline(
        project,
        """
        concurrency: {group: "release-${{ conveyor.ref }}", cancel-in-progress: true}
        jobs:
          b:
            steps: [{run: echo b}]
        """,
        name="cancelling",
    )
    listener = await server.authenticated_socket(api.token)
    first = await api.start(waiting["id"])
    second = await api.start(waiting["id"])
    await listener.next(
        lambda item: (
            item[0] == "pipeline_execution_updated"
            and item[1]["data"]["execution"]["id"] == first
            and item[1]["data"]["execution"]["jobs"][0]["status"] == "running"
        ),
        timeout=30,
    )
    assert job_of(await api.execution(second), "a")["status"] == "queued", "the second waits for the first"
    third = await api.start(cancelling["id"])
    for cancelled in (first, second):
        assert (await completed(listener, cancelled))["data"]["execution"]["status"] == "cancelled"
    assert (await completed(listener, third))["data"]["execution"]["status"] == "success"
    gate.touch()
