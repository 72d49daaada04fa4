"""The pipeline language end to end on the local runner (tests/integration/runners runs the same
pipelines on Celery workers): outputs, expressions in every field, contexts and functions."""

from __future__ import annotations

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
