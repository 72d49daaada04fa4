"""Expand a validated spec into the jobs of one execution (matrix expanded, names filled).

Names and timeouts are filled here, from what is known when the execution starts (`matrix`,
`conveyor`), and `${{ matrix.<name> }}` everywhere (the definition itself holds those values).
Every other expression stays as written and the runner fills it when the job or step runs, in
one pass, so a value from outside (a ref, an output, a secret) is never read as an expression.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict

from conveyor.errors import InvalidInput
from conveyor.pipelines.spec.expressions import DEFAULT_CONDITION, Context, ExpressionError, interpolate
from conveyor.pipelines.spec.matrix import MAX_NAME_CHARS, job_key, matrix_combinations
from conveyor.pipelines.spec.model import (
    ArtifactSpec,
    EnvironmentSpec,
    JobSpec,
    PipelineSpec,
    RunDefaults,
    StepSpec,
    check_environment,
    check_label,
    parse_duration,
)

MATRIX_VALUE = re.compile(r"\$\{\{\s*matrix\.([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}")


class StepPlan(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    id: str | None = None
    run: str | None = None
    uses: str | None = None
    inputs: dict[str, str] = {}
    env: dict[str, str] = {}
    working_directory: str | None = None
    condition: str = DEFAULT_CONDITION
    timeout: float | None = None
    continue_on_error: bool = False
    shell: str = "bash"


class CachePlan(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    paths: list[str]
    restore_keys: list[str] = []


class JobPlan(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    name: str
    needs: list[str]
    condition: str
    env: dict[str, str]
    matrix: dict[str, str]
    timeout: float
    retries: int
    steps: list[StepPlan]
    artifacts: ArtifactSpec | None = None
    job: str = ""  # the id in the definition (a matrix job's combinations share it)
    outputs: dict[str, str] = {}
    dependencies: list[str] | None = None  # ids of the jobs whose artifacts it gets; None: all needs
    cache: list[CachePlan] = []
    junit: list[str] = []  # globs of the JUnit reports to read after the steps
    network: bool = True  # outbound network in the sandbox (`network: none` in the job)
    fail_fast: bool = True  # for a matrix job: a failed combination cancels the others
    max_parallel: int | None = None  # for a matrix job: combinations running at once
    labels: list[str] = []  # `runs-on`: a runner must have every one (lower case, sorted)
    environment: str | None = None  # a protected one waits for a maintainer's approval
    environment_url: str | None = None
    concurrency_group: str | None = None  # the group's text, matrix filled (the rest when ready)
    cancel_in_progress: bool = False

    @property
    def definition_id(self) -> str:
        return self.job or self.key


def plan_jobs(
    spec: PipelineSpec, conveyor: dict[str, Any] | None = None, inputs: dict[str, Any] | None = None
) -> list[JobPlan]:
    """Jobs in definition order; a matrix job becomes one job per combination.

    ``conveyor`` and ``inputs`` are what names and timeouts may read; InvalidInput when a
    timeout's expression does not give a duration.
    """
    expanded = {job_id: matrix_combinations(job.matrix) for job_id, job in spec.jobs.items()}
    keys = {job_id: [job_key(job_id, combo) for combo in combos] for job_id, combos in expanded.items()}
    plans: list[JobPlan] = []
    for job_id, job in spec.jobs.items():
        needs = [key for need in job.needs for key in keys[need]]
        for combo in expanded[job_id]:
            context = Context(matrix=combo, conveyor=conveyor or {}, inputs=inputs or {})
            plans.append(_job_plan(spec, job_id, job, context, needs))
    return plans


def _job_plan(spec: PipelineSpec, job_id: str, job: JobSpec, context: Context, needs: list[str]) -> JobPlan:
    combo = dict(context.matrix)
    key = job_key(job_id, combo)
    return JobPlan(
        key=key,
        job=job_id,
        name=_display(_name(job.name, context) or key),
        needs=needs,
        condition=job.if_,
        env={**spec.env, **{k: _fill(v, combo) for k, v in job.env.items()}},
        matrix=combo,
        timeout=_timeout(job.timeout, context, f"jobs.{job_id}.timeout"),
        retries=job.retries,
        steps=[
            _step_plan(step, context, f"jobs.{job_id}.steps[{i}]", _run_defaults(spec, job))
            for i, step in enumerate(job.steps)
        ],
        artifacts=job.artifacts,
        outputs={k: _fill(v, combo) for k, v in job.outputs.items()},
        dependencies=job.dependencies,
        junit=job.reports.junit if job.reports else [],
        network=job.network != "none",
        fail_fast=job.fail_fast,
        max_parallel=job.max_parallel,
        labels=_labels(job.runs_on, context, f"jobs.{job_id}.runs-on"),
        **_environment(job.environment, context, f"jobs.{job_id}.environment"),
        concurrency_group=_fill(job.concurrency.group, combo) if job.concurrency else None,
        cancel_in_progress=bool(job.concurrency and job.concurrency.cancel_in_progress),
        cache=[
            CachePlan(
                key=_fill(cache.key, combo),
                paths=[_fill(path, combo) for path in cache.paths],
                restore_keys=[_fill(prefix, combo) for prefix in cache.restore_keys],
            )
            for cache in job.cache
        ],
    )


def _run_defaults(spec: PipelineSpec, job: JobSpec) -> RunDefaults:
    """`defaults.run` of the job over the pipeline's, key by key."""
    top = spec.defaults.run if spec.defaults else RunDefaults()
    own = job.defaults.run if job.defaults else RunDefaults()
    return RunDefaults.model_validate(
        {
            "shell": own.shell or top.shell,
            "working-directory": own.working_directory or top.working_directory,
        }
    )


def _step_plan(step: StepSpec, context: Context, where: str, defaults: RunDefaults) -> StepPlan:
    combo = dict(context.matrix)
    working_directory = step.working_directory or (defaults.working_directory if step.run else None)
    run = _fill(step.run, combo) if step.run is not None else None
    return StepPlan(
        name=_display(_name(step.name, context) or _default_name(run, step.uses)),
        id=step.id,
        run=run,
        uses=step.uses,
        inputs={k: _fill(v, combo) for k, v in step.with_.items()},
        env={k: _fill(v, combo) for k, v in step.env.items()},
        working_directory=_fill(working_directory, combo) if working_directory else None,
        condition=step.if_,
        timeout=None if step.timeout is None else _timeout(step.timeout, context, f"{where}.timeout"),
        continue_on_error=step.continue_on_error,
        shell=step.shell or defaults.shell or "bash",
    )


def _name(text: str | None, context: Context) -> str | None:
    return None if text is None else interpolate(text, context)


def _timeout(value: float | str, context: Context, where: str) -> float:
    if isinstance(value, float):
        return value
    try:
        return parse_duration(interpolate(value, context))
    except (ExpressionError, ValueError) as exc:
        raise InvalidInput(f"{where}: {exc}") from None


def _labels(labels: list[str], context: Context, where: str) -> list[str]:
    try:
        return sorted({check_label(interpolate(label, context).strip()) for label in labels})
    except (ExpressionError, ValueError) as exc:
        raise InvalidInput(f"{where}: {exc}") from None


def _environment(spec: EnvironmentSpec | None, context: Context, where: str) -> dict[str, str | None]:
    if spec is None:
        return {}
    try:
        name = check_environment(interpolate(spec.name, context).strip())
        url = interpolate(spec.url, context) if spec.url is not None else None
    except (ExpressionError, ValueError) as exc:
        raise InvalidInput(f"{where}: {exc}") from None
    return {"environment": name, "environment_url": url}


def _display(name: str) -> str:
    return name if len(name) <= MAX_NAME_CHARS else name[: MAX_NAME_CHARS - 3] + "..."


def _default_name(run: str | None, uses: str | None) -> str:
    if uses is not None:
        return uses
    first = (run or "").strip().splitlines()[0] if (run or "").strip() else "run"
    return first if len(first) <= 60 else first[:57] + "..."


def _fill(text: str, combo: dict[str, str]) -> str:
    # a name only `include` gives, missing from this combination, is empty, as in GitHub
    return MATRIX_VALUE.sub(lambda m: combo.get(m.group(1), ""), text)
