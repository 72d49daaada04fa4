"""Expand a validated spec into the jobs of one execution (matrix expanded, expressions filled)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from conveyor.pipelines.spec.conditions import DEFAULT_CONDITION
from conveyor.pipelines.spec.matrix import MAX_NAME_CHARS, job_key, matrix_combinations
from conveyor.pipelines.spec.model import ArtifactSpec, JobSpec, PipelineSpec, StepSpec
from conveyor.pipelines.spec.validate import EXPRESSION


class StepPlan(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    run: str | None = None
    uses: str | None = None
    inputs: dict[str, str] = {}
    env: dict[str, str] = {}
    working_directory: str | None = None
    condition: str = DEFAULT_CONDITION
    timeout: float | None = None
    continue_on_error: bool = False


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


def plan_jobs(spec: PipelineSpec) -> list[JobPlan]:
    """Jobs in definition order; a matrix job becomes one job per combination."""
    expanded = {job_id: matrix_combinations(job.matrix) for job_id, job in spec.jobs.items()}
    keys = {job_id: [job_key(job_id, combo) for combo in combos] for job_id, combos in expanded.items()}
    plans: list[JobPlan] = []
    for job_id, job in spec.jobs.items():
        needs = [key for need in job.needs for key in keys[need]]
        for combo in expanded[job_id]:
            plans.append(_job_plan(spec, job_id, job, combo, needs))
    return plans


def _job_plan(
    spec: PipelineSpec, job_id: str, job: JobSpec, combo: dict[str, str], needs: list[str]
) -> JobPlan:
    key = job_key(job_id, combo)
    return JobPlan(
        key=key,
        name=_display(_fill(job.name, combo) or key),
        needs=needs,
        condition=job.if_,
        env={**spec.env, **{k: _fill(v, combo) or "" for k, v in job.env.items()}},
        matrix=combo,
        timeout=job.timeout,
        retries=job.retries,
        steps=[_step_plan(step, combo) for step in job.steps],
        artifacts=job.artifacts,
    )


def _step_plan(step: StepSpec, combo: dict[str, str]) -> StepPlan:
    run = _fill(step.run, combo)
    return StepPlan(
        name=_display(_fill(step.name, combo) or _default_name(run, step.uses)),
        run=run,
        uses=step.uses,
        inputs={k: _fill(v, combo) or "" for k, v in step.with_.items()},
        env={k: _fill(v, combo) or "" for k, v in step.env.items()},
        working_directory=_fill(step.working_directory, combo),
        condition=step.if_,
        timeout=step.timeout,
        continue_on_error=step.continue_on_error,
    )


def _display(name: str) -> str:
    return name if len(name) <= MAX_NAME_CHARS else name[: MAX_NAME_CHARS - 3] + "..."


def _default_name(run: str | None, uses: str | None) -> str:
    if uses is not None:
        return uses
    first = (run or "").strip().splitlines()[0] if (run or "").strip() else "run"
    return first if len(first) <= 60 else first[:57] + "..."


def _fill(text: str | None, combo: dict[str, str]) -> str | None:
    if text is None:
        return None
    # validation let only matrix names through; one this combination lacks is empty, as in GitHub
    return EXPRESSION.sub(lambda m: combo.get(m.group(1).partition(".")[2], ""), text)
