from __future__ import annotations

import textwrap

import pytest

from conveyor.errors import InvalidInput
from conveyor.pipelines.spec import parse_definition, plan_jobs
from conveyor.pipelines.spec.model import ArtifactWhen
from conveyor.pipelines.spec.validate import check_definition, describe_problems

FULL = """
name: ci
on:
  push:
    branches: [main, "release/*"]
  schedule:
    - cron: "0 3 * * *"
  manual: true
env:
  LEVEL: 1
jobs:
  lint:
    steps:
      - run: ruff check .
  test:
    needs: lint
    matrix:
      python: ["3.11", "3.12"]
      os: [linux, mac]
      exclude:
        - {python: "3.11", os: mac}
    timeout: 1h30m
    retries: 2
    env:
      PY: ${{ matrix.python }}
    steps:
      - name: Test on ${{ matrix.python }}
        run: pytest
        working-directory: src
        env: {DEBUG: true}
        timeout: 90
      - run: echo report
        if: always()
    artifacts:
      paths: [reports/*.xml]
      when: always
  scan:
    needs: [test]
    if: failure()
    steps:
      - uses: conveyor/security-scan
        with: {level: high}
"""


def refused(text: str) -> str:
    with pytest.raises(InvalidInput) as caught:
        parse_definition(textwrap.dedent(text).lstrip())
    return caught.value.detail


def test_full_definition_is_accepted() -> None:
    spec = parse_definition(FULL)
    assert spec.on.push is not None and spec.on.push.branches == ["main", "release/*"]
    assert spec.on.schedule[0].cron == "0 3 * * *"
    test = spec.jobs["test"]
    assert test.timeout == 5400 and test.retries == 2 and test.needs == ["lint"]
    assert test.steps[0].working_directory == "src" and test.steps[0].env == {"DEBUG": "true"}
    assert test.steps[1].if_ == "always()" and test.steps[0].if_ == "success()"
    assert test.artifacts is not None and test.artifacts.when is ArtifactWhen.ALWAYS
    assert spec.jobs["scan"].if_ == "failure()"


def test_matrix_expands_with_exclusions_and_fills_expressions() -> None:
    plans = {plan.key: plan for plan in plan_jobs(parse_definition(FULL))}
    assert list(plans) == ["lint", "test (3.11, linux)", "test (3.12, linux)", "test (3.12, mac)", "scan"]
    job = plans["test (3.12, mac)"]
    assert job.matrix == {"python": "3.12", "os": "mac"}
    assert job.env == {"LEVEL": "1", "PY": "3.12"}
    assert job.steps[0].name == "Test on 3.12"
    assert plans["scan"].needs == ["test (3.11, linux)", "test (3.12, linux)", "test (3.12, mac)"]
    assert plans["scan"].steps[0].inputs == {"level": "high"}


@pytest.mark.parametrize(
    ("on", "manual", "push"),
    [("on: push", True, True), ("on: [manual]", True, False), ("on:\n  manual: false", False, False)],
)
def test_trigger_forms(on: str, manual: bool, push: bool) -> None:
    spec = parse_definition(f"{on}\njobs:\n  a:\n    steps: [{{run: x}}]\n")
    assert bool(spec.on.manual) is manual
    assert (spec.on.push is not None) is push


def test_yes_and_on_are_strings_not_booleans() -> None:
    spec = parse_definition("env:\n  ANSWER: yes\njobs:\n  a:\n    steps: [{run: x}]\n")
    assert spec.env == {"ANSWER": "yes"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jobs:\n  a:\n    steps:\n      - run: [unclosed\n", "flow sequence started at line 4"),
        ("jobs:\n  a:\n    steps:\n      - runn: echo\n", "line 4: jobs.a.steps[0].runn: unknown key 'runn'"),
        ("jobs:\n  a:\n    services: x\n    steps: [{run: x}]\n", "line 3: jobs.a.services: unknown key"),
        (
            "jobs:\n  a:\n    runs-on: [linux, 'g p u']\n    steps: [{run: x}]\n",
            "line 3: jobs.a.runs-on: invalid runner label 'g p u'",
        ),
        (
            "jobs:\n  a:\n    runs-on: [a, b, c, d, e, f, g, h, i]\n    steps: [{run: x}]\n",
            "line 3: jobs.a.runs-on: List should have at most 8 items",
        ),
        (
            "jobs:\n  a:\n    environment: prod/eu\n    steps: [{run: x}]\n",
            "line 3: jobs.a.environment.name: invalid environment name 'prod/eu'",
        ),
        (
            "jobs:\n  a:\n    environment: {name: prod, url: '${{ steps.d.outputs.url }}'}\n"
            "    steps: [{run: x}]\n",
            "jobs.a.environment.url: steps.d.outputs.url: the steps context is not available here",
        ),
        (
            "jobs:\n  a:\n    concurrency: {group: 'g-${{ steps.x.outputs.y }}'}\n    steps: [{run: x}]\n",
            "line 3: jobs.a.concurrency.group: steps.x.outputs.y: the steps context is not available here",
        ),
        (
            "jobs:\n  a:\n    concurrency: {group: g, cancel-in-progress: maybe}\n    steps: [{run: x}]\n",
            "line 3: jobs.a.concurrency.cancel-in-progress: Input should be a valid boolean",
        ),
        (
            "jobs:\n  a:\n    runs-on: ${{ secrets.POOL }}\n    steps: [{run: x}]\n",
            "line 3: jobs.a.runs-on[0]: secrets.POOL: the secrets context is not available here",
        ),
        ("jobs:\n  a:\n    steps: [{run: x}]\n    steps: [{run: y}]\n", "line 4: duplicate key 'steps'"),
        (
            "jobs:\n  a:\n    steps:\n      - run: x\n        uses: conveyor/architecture\n",
            "line 4: jobs.a.steps[0]",
        ),
        (
            "jobs:\n  a:\n    steps:\n      - uses: someone/else\n",
            "line 4: jobs.a.steps[0].uses: unknown built-in",
        ),
        (
            "jobs:\n  a:\n    timeout: forever\n    steps: [{run: x}]\n",
            "line 3: jobs.a.timeout: invalid duration",
        ),
        (
            "jobs:\n  a:\n    needs: [zz]\n    steps: [{run: x}]\n",
            "line 3: jobs.a.needs[0]: unknown job 'zz'",
        ),
        (
            "jobs:\n  a:\n    steps:\n      - run: echo ${{ vars.X }}\n",
            "line 4: jobs.a.steps[0].run: invalid expression ${{ vars.X }}: unknown name 'vars'",
        ),
        (
            "jobs:\n  a:\n    name: ${{ secrets.X }}\n    steps: [{run: x}]\n",
            "line 3: jobs.a.name: secrets.X: the secrets context is not available here; "
            "use conveyor, github, inputs, matrix",
        ),
        (
            "jobs:\n  a:\n    steps:\n      - run: echo ${{ steps.later.outputs.x }}\n"
            "      - {id: later, run: x}\n",
            "line 4: jobs.a.steps[0].run: steps.later.outputs.x: no earlier step has id 'later'",
        ),
        (
            "jobs:\n  a:\n    steps:\n      - {id: s, run: x}\n      - {id: s, run: y}\n",
            "line 5: jobs.a.steps[1].id: another step of the job has id 's'",
        ),
        (
            "jobs:\n  a:\n    steps:\n      - {id: s, run: x}\n      - run: echo ${{ steps.s.output.x }}\n",
            "line 5: jobs.a.steps[1].run: steps.s.output.x: a step has outputs, outcome, conclusion",
        ),
        (
            "jobs:\n  a:\n    outputs: {v: x}\n    steps: [{run: x}]\n  b:\n    steps:\n"
            "      - run: echo ${{ needs.a.outputs.v }}\n",
            "line 7: jobs.b.steps[0].run: needs.a.outputs.v: the job does not need 'a'; add it to 'needs'",
        ),
        (
            "jobs:\n  a:\n    outputs: {v: x}\n    steps: [{run: x}]\n  b:\n    needs: a\n    steps:\n"
            "      - run: echo ${{ needs.a.outputs.w }}\n",
            "needs.a.outputs.w: job 'a' has no output 'w'; its outputs: ['v']",
        ),
        (
            "jobs:\n  a:\n    if: steps.x.outcome\n    steps: [{run: x}]\n",
            "line 3: jobs.a.if: steps.x.outcome: the steps context is not available here",
        ),
        (
            "jobs:\n  a:\n    steps:\n      - run: echo ${{ conveyor.branch }}\n",
            "conveyor.branch: unknown field; conveyor has sha, ref, event",
        ),
        (
            "jobs:\n  a:\n    steps:\n      - run: echo ${{ always() }}\n",
            "success(), failure(), always() and cancelled() belong in 'if:'",
        ),
        (
            "jobs:\n  a:\n    cache: {key: k, paths: [/root/.cache]}\n    steps: [{run: x}]\n",
            "line 3: jobs.a.cache[0].paths: '/root/.cache' is outside the workspace",
        ),
        (
            "jobs:\n  a:\n    cache: [{key: k, paths: [../up]}]\n    steps: [{run: x}]\n",
            "'../up' reaches outside the workspace",
        ),
        (
            "jobs:\n  a:\n    artifacts: [dist/../../etc]\n    steps: [{run: x}]\n",
            "line 3: jobs.a.artifacts.paths: 'dist/../../etc' reaches outside the workspace",
        ),
        (
            "jobs:\n  a:\n    steps: [{run: x}]\n  b:\n    dependencies: [a]\n    steps: [{run: x}]\n",
            "line 5: jobs.b.dependencies[0]: 'a' is not in the job's needs",
        ),
        (
            "jobs:\n  a:\n    steps: [{run: x}]\n  b:\n    needs: a\n    dependencies: [a]\n"
            "    steps: [{run: x}]\n",
            "line 6: jobs.b.dependencies[0]: job 'a' keeps no artifacts",
        ),
        (
            "jobs:\n  a:\n    cache: {key: '${{ steps.x.outputs.y }}', paths: [v]}\n    steps: [{run: x}]\n",
            "line 3: jobs.a.cache[0].key: steps.x.outputs.y: no earlier step has id 'x'",
        ),
        (
            "jobs:\n  a:\n    steps:\n      - run: echo ${{ inputs.who }}\n",
            "line 4: jobs.a.steps[0].run: inputs.who: no input 'who'; inputs: [] (on.manual.inputs)",
        ),
        (
            "on:\n  manual:\n    inputs:\n      x: {type: choice}\njobs:\n  a:\n    steps: [{run: x}]\n",
            "line 4: on.manual.inputs.x: 'options' are for a choice input, which needs at least one",
        ),
        (
            "on:\n  manual:\n    inputs:\n      x: {type: number, default: ten}\n"
            "jobs:\n  a:\n    steps: [{run: x}]\n",
            "'ten' is not a number",
        ),
        (
            "jobs:\n  a:\n    steps:\n      - {run: x, shell: fish}\n",
            "line 4: jobs.a.steps[0].shell: Input should be 'bash', 'sh', 'python' or 'pwsh'",
        ),
        (
            "concurrency: ${{ secrets.X }}\njobs:\n  a:\n    steps: [{run: x}]\n",
            "line 1: concurrency.group: secrets.X: the secrets context is not available here",
        ),
        (
            "jobs:\n  a:\n    max-parallel: 0\n    steps: [{run: x}]\n",
            "line 3: jobs.a.max-parallel: Input should be greater than or equal to 1",
        ),
        (
            "jobs:\n  a:\n    name: ${{ hashFiles('x') }}\n    steps: [{run: x}]\n",
            "line 3: jobs.a.name: hashFiles() reads the workspace",
        ),
        (
            'jobs:\n  a:\n    steps:\n      - run: "echo a\\0b"\n',
            "line 4: NUL characters (\\0) are not allowed",
        ),
        ("jobs:\n  a:\n    steps: []\n", "line 3: jobs.a.steps"),
        ("jobs: {}\n", "line 1: jobs"),
        ("name: only\n", "missing required key 'jobs'"),
        ("- 1\n", "line 1: the definition must be a mapping"),
        ("jobs:\n  a:\n    if: sometimes\n    steps: [{run: x}]\n", "line 3: jobs.a.if: invalid condition"),
        (
            "jobs:\n  a:\n    steps:\n      - run: x\n        if: matrix.os == 'linux'\n",
            "line 5: jobs.a.steps[0].if: matrix.os: unknown matrix name 'os'; known: []",
        ),
    ],
)
def test_refusals_name_the_line_and_the_problem(text: str, expected: str) -> None:
    assert expected in refused(text)


def test_cycle_is_refused_with_its_path() -> None:
    detail = refused(
        """
        jobs:
          a:
            needs: c
            steps: [{run: x}]
          b:
            needs: a
            steps: [{run: x}]
          c:
            needs: [b]
            steps: [{run: x}]
        """
    )
    assert "line 3: jobs.a.needs: jobs form a cycle through 'needs': a -> c -> b -> a" in detail


def test_bad_cron_is_refused_at_its_line() -> None:
    detail = refused(
        """
        on:
          schedule:
            - cron: "0 3 * * *"
            - cron: "61 * * * *"
        jobs:
          a:
            steps: [{run: x}]
        """
    )
    assert "line 4: on.schedule[1].cron: invalid cron expression '61 * * * *'" in detail


def test_every_problem_is_listed_in_line_order() -> None:
    detail = refused("jobs:\n  a:\n    bogus: 1\n    steps:\n      - run: x\n        typo: 2\n")
    assert detail.splitlines()[1:] == [
        "line 3: jobs.a.bogus: unknown key 'bogus'",
        "line 6: jobs.a.steps[0].typo: unknown key 'typo'",
    ]


INCLUDED = """
jobs:
  test:
    matrix:
      python: ["3.11", "3.12"]
      os: [linux]
      include:
        - {python: "3.12", coverage: true}
        - {coverage: false, python: "3.12"}
        - {os: linux, lane: fast}
        - {python: "3.13", os: mac}
        - {os: windows}
    steps:
      - run: echo ${{ matrix.coverage }} ${{ matrix.lane }}
"""


def test_matrix_include_merges_where_it_fits_and_adds_jobs_where_it_does_not() -> None:
    plans = {plan.key: plan for plan in plan_jobs(parse_definition(INCLUDED))}
    assert list(plans) == [
        "test (3.11, linux, fast)",
        "test (3.12, linux, false, fast)",
        "test (3.13, mac)",
        "test (windows)",
    ]
    assert plans["test (3.12, linux, false, fast)"].matrix == {
        "python": "3.12",
        "os": "linux",
        "coverage": "false",
        "lane": "fast",
    }
    assert plans["test (3.12, linux, false, fast)"].steps[0].run == "echo false fast"
    # a name only `include` gives stays unexpanded where that job lacks it, as GitHub leaves it empty
    assert plans["test (3.11, linux, fast)"].steps[0].run == "echo  fast"


def test_matrix_of_only_include_entries_is_one_job_per_entry() -> None:
    text = """
    jobs:
      a:
        matrix:
          include: [{v: 1}, {v: 2}]
        steps:
          - run: echo ${{ matrix.v }}
    """
    text = textwrap.dedent(text)
    assert [plan.steps[0].run for plan in plan_jobs(parse_definition(text))] == ["echo 1", "echo 2"]


@pytest.mark.parametrize(
    ("matrix", "expected"),
    [
        ("{v: [1], exclude: [{v: 1}]}", "line 3: jobs.a.matrix: the matrix excludes every combination"),
        ("{v: [1], include: [{}]}", "include entries must map names to plain values"),
        ("{v: [1], include: [{w: [1, 2]}]}", "include entries must map names to plain values"),
        ("{v: [1], include: [{'bad name': 1}]}", "invalid matrix name 'bad name'"),
        ("{v: [1], exclude: [{w: 1}]}", "exclude entries must map matrix axes ['v'] to values"),
        ("{v: [1, 2, 3, 4], w: [1, 2, 3, 4], x: [1, 2, 3, 4], y: [1, 2, 3, 4, 5]}", "at most 256 jobs"),
        (f"{{v: [short, {'x' * 300}]}}", "would have a name over 255 characters"),
    ],
)
def test_bad_matrices_are_refused(matrix: str, expected: str) -> None:
    assert expected in refused(f"jobs:\n  a:\n    matrix: {matrix}\n    steps: [{{run: x}}]\n")


def test_long_display_names_are_shortened_to_what_is_stored() -> None:
    text = f"jobs:\n  a:\n    name: {'j' * 300}\n    steps:\n      - name: {'s' * 300}\n        run: x\n"
    [plan] = plan_jobs(parse_definition(text))
    assert plan.name == "j" * 252 + "..." and plan.steps[0].name == "s" * 252 + "..."


def test_runs_on_labels_are_filled_when_the_execution_starts() -> None:
    text = """
    on: {manual: {inputs: {pool: {default: Fast}}}}
    jobs:
      plain:
        steps: [{run: x}]
      build:
        runs-on: [Linux, "${{ matrix.arch }}", "${{ inputs.pool }}", linux]
        matrix: {arch: [x64, arm64]}
        steps: [{run: x}]
    """
    plans = {
        plan.key: plan for plan in plan_jobs(parse_definition(textwrap.dedent(text)), {}, {"pool": "Fast"})
    }
    assert plans["plain"].labels == []
    assert plans["build (arm64)"].labels == ["arm64", "fast", "linux"]  # any case, once each, sorted
    assert plans["build (x64)"].labels == ["fast", "linux", "x64"]
    with pytest.raises(InvalidInput, match=r"jobs.build.runs-on: invalid runner label 'no good'"):
        plan_jobs(parse_definition(textwrap.dedent(text)), {}, {"pool": "no good"})


def test_every_problem_has_its_line_and_column() -> None:
    def places(text: str) -> list[tuple[int, int, str]]:
        return [(p.line, p.column, p.path) for p in check_definition(text).problems]

    assert places("jobs:\n  a:\n    steps: [{run: x}]\n  a:\n    steps: [{run: y}]\n") == [(4, 3, "")]
    assert places("jobs:\n  a:\n    steps: [{run: x, shel: sh}]\n") == [(3, 22, "jobs.a.steps[0].shel")]
    assert places("jobs:\n  a:\n    steps:\n      - run: x\n        timeout: soon\n") == [
        (5, 9, "jobs.a.steps[0].timeout")
    ]
    syntax = check_definition("jobs:\n  a: {steps: [run: x]\n")
    assert syntax.syntax_error and syntax.spec is None and syntax.problems[0].line == 3
    control = check_definition("jobs:\n  a:\n    steps: [{run: x\x07}]\n")
    assert [(p.line, p.column) for p in control.problems] == [(3, 20)]
    assert (
        describe_problems(control)
        == "invalid pipeline definition: line 3: invalid YAML: control character #x0007 is not allowed"
    )
    assert check_definition("jobs:\n  a:\n    steps: [{run: x}]\n").spec is not None


def test_environments_are_filled_when_the_execution_starts() -> None:
    text = """
    jobs:
      deploy:
        matrix: {region: [eu, us]}
        environment: {name: "prod-${{ matrix.region }}", url: "https://${{ matrix.region }}.example.com"}
        steps: [{run: x}]
      plain:
        environment: staging
        steps: [{run: x}]
    """
    plans = {plan.key: plan for plan in plan_jobs(parse_definition(textwrap.dedent(text)))}
    assert (plans["deploy (eu)"].environment, plans["deploy (eu)"].environment_url) == (
        "prod-eu",
        "https://eu.example.com",
    )
    assert (plans["plain"].environment, plans["plain"].environment_url) == ("staging", None)


def test_a_job_concurrency_group_keeps_what_is_known_when_it_is_ready() -> None:
    text = """
    jobs:
      plan:
        outputs: {target: x}
        steps: [{run: x}]
      deploy:
        needs: plan
        matrix: {region: [eu]}
        concurrency:
          group: "deploy-${{ matrix.region }}-${{ needs.plan.outputs.target }}"
          cancel-in-progress: true
        steps: [{run: x}]
    """
    plans = {plan.key: plan for plan in plan_jobs(parse_definition(textwrap.dedent(text)))}
    deploy = plans["deploy (eu)"]
    assert (
        deploy.concurrency_group == "deploy-eu-${{ needs.plan.outputs.target }}" and deploy.cancel_in_progress
    )
    assert plans["plan"].concurrency_group is None
