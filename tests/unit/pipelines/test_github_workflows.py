"""GitHub Actions workflows translate to Conveyor's pipelines: real workflows of public projects
(tests/data/github_workflows, origin in PROVENANCE.md) and what cannot run, by name and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from conveyor.errors import InvalidInput
from conveyor.pipelines.spec.formats import parse_pipeline
from conveyor.pipelines.spec.plan import plan_jobs
from conveyor.pipelines.spec.validate import check_workflow, parse_workflow

DATA = Path(__file__).parents[2] / "data" / "github_workflows"


@pytest.mark.parametrize("name", ["phik-tests.yml", "itsdangerous-tests.yaml", "sampleproject-test.yml"])
def test_real_workflows_validate(name: str) -> None:
    spec = parse_workflow((DATA / name).read_text())
    steps = [step.uses for job in spec.jobs.values() for step in job.steps if step.uses]
    assert steps and all(uses.startswith("actions/") for uses in steps)


def test_itsdangerous_translates_matrix_triggers_and_its_cache() -> None:
    spec = parse_workflow((DATA / "itsdangerous-tests.yaml").read_text())
    assert spec.on.push is not None and spec.on.push.branches == ["main", "*.x"]
    assert spec.on.pull_request is not None and not spec.on.manual  # no workflow_dispatch
    job = spec.jobs["tests"]
    assert job.fail_fast is False and job.runs_on == []  # GitHub-hosted images: any runner
    (cache,) = job.cache
    assert cache.paths == ["./.mypy_cache"] and cache.key.startswith("mypy|${{ matrix.python }}|")
    plans = plan_jobs(spec, {"sha": "abc", "ref": "main", "event": "push"})
    assert len(plans) == 10 and plans[0].name == "Linux"


def test_structlog_is_refused_for_its_third_party_actions_by_name_and_line() -> None:
    check = check_workflow((DATA / "structlog-ci.yml").read_text())
    assert check.spec is None
    assert [(problem.line, problem.path) for problem in check.problems] == [
        (28, "jobs.build-package.steps[1].uses"),
        (177, "jobs.required-checks-pass.steps[0].uses"),
    ]
    assert "unsupported action 'hynek/build-and-inspect-python-package@v1'" in check.problems[0].message
    assert "unsupported action 're-actors/alls-green@release/v1'" in check.problems[1].message


WORKFLOW = """\
on: [push, workflow_dispatch]
jobs:
  build:
    runs-on: ubuntu-latest
    container: python:3.12
    services:
      db: {image: postgres}
    timeout-minutes: 5
    steps:
      - uses: actions/checkout@v4
        with:
          repository: someone/else
      - uses: docker/build-push-action@v5
      - run: echo "${{ github.sha }} ${{ github.nope }} ${{ runner.os }}"
      - uses: actions/cache@v4
        with: {path: .venv}
"""


def test_what_cannot_run_is_refused_with_its_line() -> None:
    check = check_workflow(WORKFLOW)
    assert check.spec is None
    assert [str(problem) for problem in check.problems] == [
        "line 5: jobs.build.container: job containers are not supported: "
        "Conveyor runs steps in its own sandbox",
        "line 6: jobs.build.services: service containers are not supported",
        "line 12: jobs.build.steps[0].with.repository: actions/checkout: 'repository' is not supported: "
        "the job's workspace is the project's repository at the run's commit",
        "line 13: jobs.build.steps[1].uses: unsupported action 'docker/build-push-action@v5': Conveyor runs "
        "only run steps and actions/checkout, actions/setup-python, actions/setup-node, actions/cache, "
        "actions/upload-artifact, actions/download-artifact",
        "line 14: jobs.build.steps[2].run: github.nope: unknown field; github has "
        + ", ".join(__import__("conveyor.pipelines.spec.expressions", fromlist=["x"]).GITHUB_FIELDS),
        "line 16: jobs.build.steps[3].with: actions/cache needs 'key'",
    ]


def test_a_conveyor_file_and_a_workflow_are_told_apart_by_their_path() -> None:
    text = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    timeout-minutes: 2\n"
    text += "    steps: [{run: 'true'}]\n"
    assert parse_pipeline(".github/workflows/a.yml", text).jobs["a"].timeout == 120
    with pytest.raises(InvalidInput, match="unknown key 'timeout-minutes'"):
        parse_pipeline(".conveyor/a.yml", text)
