"""Turn YAML text into a PipelineSpec, or refuse it naming each problem's line."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from conveyor.errors import InvalidInput
from conveyor.pipelines.builtins import known_steps
from conveyor.pipelines.spec.expressions import (
    CONVEYOR_FIELDS,
    GITHUB_FIELDS,
    RUNNER_FIELDS,
    TEMPLATE,
    Expression,
    ExpressionError,
    parse_condition,
    parse_expression,
)
from conveyor.pipelines.spec.github import translate_workflow
from conveyor.pipelines.spec.loader import Loaded, Path, YamlError, load
from conveyor.pipelines.spec.matrix import (
    MAX_NAME_CHARS,
    job_key,
    matrix_axes,
    matrix_combinations,
    matrix_names,
)
from conveyor.pipelines.spec.model import JobSpec, PipelineSpec
from conveyor.pipelines.spec.schedule import valid_cron

MAX_MATRIX_JOBS = 256

MATRIX_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")

Problem = tuple[Path, str]


@dataclass(frozen=True)
class DefinitionProblem:
    """One problem of a definition, where an editor can mark it (1-based line and column)."""

    line: int
    column: int
    path: str  # dotted, e.g. "jobs.test.steps[0].run"; empty for YAML syntax
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.path + ': ' if self.path else ''}{self.message}"


@dataclass(frozen=True)
class DefinitionCheck:
    """The validated pipeline, or None with every problem, in the order of the text."""

    spec: PipelineSpec | None
    problems: list[DefinitionProblem]
    syntax_error: bool = False  # the text is not YAML: nothing past the first error is known


def parse_definition(text: str) -> PipelineSpec:
    """The validated pipeline; InvalidInput lists every problem as ``line N: where: what``."""
    check = check_definition(text)
    if check.spec is None:
        raise InvalidInput(describe_problems(check))
    return check.spec


def describe_problems(check: DefinitionCheck) -> str:
    if check.syntax_error:
        return f"invalid pipeline definition: {check.problems[0]}"
    return "invalid pipeline definition:\n" + "\n".join(map(str, check.problems))


def check_definition(text: str) -> DefinitionCheck:
    """Every problem of ``text`` with its line and column; the spec when there are none."""
    try:
        loaded = load(text)
    except YamlError as exc:
        return DefinitionCheck(None, [DefinitionProblem(exc.line, exc.column, "", exc.problem)], True)
    return check_loaded(loaded)


def check_workflow(text: str) -> DefinitionCheck:
    """A GitHub Actions workflow's problems at their lines (spec/github.py), the spec when none."""
    try:
        translation = translate_workflow(text)
    except YamlError as exc:
        return DefinitionCheck(None, [DefinitionProblem(exc.line, exc.column, "", exc.problem)], True)
    return check_loaded(translation.result, [DefinitionProblem(*refused) for refused in translation.refused])


def parse_workflow(text: str) -> PipelineSpec:
    """The validated pipeline a workflow translates to; InvalidInput lists every problem."""
    check = check_workflow(text)
    if check.spec is None:
        raise InvalidInput(describe_problems(check))
    return check.spec


def check_loaded(loaded: Loaded, refused: list[DefinitionProblem] | None = None) -> DefinitionCheck:
    """Every problem of a loaded definition (and ``refused``: what did not translate to it); the
    spec when there are none."""
    problems = [DefinitionProblem(line, column, "", what) for line, column, what in loaded.problems]
    problems += refused or []
    spec = _validate_model(loaded, problems)
    if spec is not None:
        problems += [_locate(loaded, path, message) for path, message in _check(spec)]
    if problems or spec is None:
        return DefinitionCheck(None, sorted(problems, key=lambda problem: (problem.line, problem.column)))
    return DefinitionCheck(spec, [])


def _validate_model(loaded: Loaded, problems: list[DefinitionProblem]) -> PipelineSpec | None:
    if not isinstance(loaded.data, dict):
        problems.append(DefinitionProblem(1, 1, "", "the definition must be a mapping with at least 'jobs'"))
        return None
    try:
        return PipelineSpec.model_validate(loaded.data)
    except ValidationError as exc:
        problems += [_locate(loaded, tuple(error["loc"]), _message(error)) for error in exc.errors()]
        return None


def _message(error: ErrorDetails) -> str:
    loc = error["loc"]
    if error["type"] == "extra_forbidden":
        return f"unknown key {loc[-1]!r}"
    if error["type"] == "missing":
        return f"missing required key {loc[-1]!r}"
    return str(error["msg"]).removeprefix("Value error, ")


def _locate(loaded: Loaded, path: Path, message: str) -> DefinitionProblem:
    line, column = loaded.position_of(path)
    return DefinitionProblem(line, column, _dotted(path), message)


def _dotted(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _check(spec: PipelineSpec) -> Iterator[Problem]:
    yield from _check_needs(spec)
    yield from _check_cycles(spec)
    for index, schedule in enumerate(spec.on.schedule):
        if not valid_cron(schedule.cron):
            yield ("on", "schedule", index, "cron"), f"invalid cron expression {schedule.cron!r}"
    for job_id, job in spec.jobs.items():
        yield from _check_matrix(job_id, job)
        yield from _check_steps(job_id, job)
    yield from _check_expressions(spec)


def _check_needs(spec: PipelineSpec) -> Iterator[Problem]:
    for job_id, job in spec.jobs.items():
        for index, source in enumerate(job.dependencies or []):
            where = ("jobs", job_id, "dependencies", index)
            if source not in job.needs:
                yield where, f"{source!r} is not in the job's needs; artifacts come from jobs it needs"
            elif source in spec.jobs and spec.jobs[source].artifacts is None:
                yield where, f"job {source!r} keeps no artifacts (it has no 'artifacts:')"
        for index, need in enumerate(job.needs):
            if need not in spec.jobs:
                yield ("jobs", job_id, "needs", index), f"unknown job {need!r}"
            elif need == job_id:
                yield ("jobs", job_id, "needs", index), "a job cannot need itself"


def _check_cycles(spec: PipelineSpec) -> Iterator[Problem]:
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(job_id: str, trail: list[str]) -> list[str] | None:
        state[job_id] = 1
        for need in spec.jobs[job_id].needs:
            if need not in spec.jobs or need == job_id:
                continue
            if state.get(need) == 1:
                return [*trail[trail.index(need) :], need] if need in trail else [job_id, need]
            if need not in state and (cycle := visit(need, [*trail, need])):
                return cycle
        state[job_id] = 2
        return None

    for job_id in spec.jobs:
        if job_id not in state and (cycle := visit(job_id, [job_id])):
            yield ("jobs", cycle[0], "needs"), "jobs form a cycle through 'needs': " + " -> ".join(cycle)
            return


def _check_matrix(job_id: str, job: JobSpec) -> Iterator[Problem]:
    where = ("jobs", job_id, "matrix")
    axes = matrix_axes(job.matrix)
    shape_problems = [*_check_axes(where, axes), *_check_entries(where, job.matrix, set(axes))]
    yield from shape_problems
    if shape_problems:
        return
    combinations = matrix_combinations(job.matrix)
    if not combinations:
        yield where, "the matrix excludes every combination"
    if len(combinations) > MAX_MATRIX_JOBS:
        yield where, f"a matrix may expand to at most {MAX_MATRIX_JOBS} jobs"
    if too_long := [key for c in combinations if len(key := job_key(job_id, c)) > MAX_NAME_CHARS]:
        yield where, f"job {too_long[0][:40]!r}... would have a name over {MAX_NAME_CHARS} characters"


def _check_axes(where: Path, axes: dict[str, Any]) -> Iterator[Problem]:
    for axis, values in axes.items():
        if not MATRIX_NAME.match(axis):
            yield (*where, axis), f"invalid matrix axis name {axis!r}"
        if not isinstance(values, list) or not values or not all(map(_is_plain, values)):
            yield (*where, axis), "a matrix axis needs a non-empty list of plain values"
    if math.prod(len(values) for values in axes.values()) > MAX_MATRIX_JOBS:
        yield where, f"a matrix may expand to at most {MAX_MATRIX_JOBS} jobs"


def _check_entries(where: Path, matrix: dict[str, Any], axes: set[str]) -> Iterator[Problem]:
    for kind in ("exclude", "include"):
        entries = matrix.get(kind, [])
        if not isinstance(entries, list):
            yield (*where, kind), f"'{kind}' must be a list of mappings"
            continue
        for index, entry in enumerate(entries):
            if not _is_plain_mapping(entry):
                yield (*where, kind, index), f"{kind} entries must map names to plain values"
            elif kind == "exclude" and not set(entry) <= axes:
                yield (*where, kind, index), f"exclude entries must map matrix axes {sorted(axes)} to values"
            elif bad := [name for name in entry if not MATRIX_NAME.match(name)]:
                yield (*where, kind, index), f"invalid matrix name {bad[0]!r}"


def _is_plain(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def _is_plain_mapping(entry: Any) -> bool:
    return isinstance(entry, dict) and bool(entry) and all(map(_is_plain, entry.values()))


def _check_steps(job_id: str, job: JobSpec) -> Iterator[Problem]:
    seen: set[str] = set()
    for index, step in enumerate(job.steps):
        where = ("jobs", job_id, "steps", index)
        if step.uses is not None and step.uses not in known_steps():
            known = ", ".join(known_steps())
            yield (*where, "uses"), f"unknown built-in step {step.uses!r}; known: {known}"
        if step.id is not None and step.id in seen:
            yield (*where, "id"), f"another step of the job has id {step.id!r}"
        seen.add(step.id or "")


def _check_expressions(spec: PipelineSpec) -> Iterator[Problem]:
    if spec.concurrency is not None:
        yield from _check_text(("concurrency", "group"), spec.concurrency.group, Scope(STARTED, spec, None))
    for name, value in spec.env.items():
        yield from _check_text(("env", name), value, Scope(PIPELINE_ENV, spec, None))
    for job_id, job in spec.jobs.items():
        yield from _check_job_expressions(spec, job_id, job)


def _check_job_expressions(spec: PipelineSpec, job_id: str, job: JobSpec) -> Iterator[Problem]:
    where = ("jobs", job_id)
    everything = len(job.steps)
    yield from _check_text((*where, "name"), job.name, Scope(PLANNED, spec, job_id))
    yield from _check_condition((*where, "if"), job.if_, Scope(JOB_IF, spec, job_id))
    if isinstance(job.timeout, str):
        yield from _check_text((*where, "timeout"), job.timeout, Scope(PLANNED, spec, job_id))
    if job.concurrency is not None:
        group_scope = Scope(JOB_GROUP, spec, job_id)
        yield from _check_text((*where, "concurrency", "group"), job.concurrency.group, group_scope)
    if job.environment is not None:
        planned = Scope(PLANNED, spec, job_id)
        yield from _check_text((*where, "environment", "name"), job.environment.name, planned)
        yield from _check_text((*where, "environment", "url"), job.environment.url, planned)
    for index, label in enumerate(job.runs_on):
        yield from _check_text((*where, "runs-on", index), label, Scope(PLANNED, spec, job_id))
    for name, value in job.env.items():
        yield from _check_text((*where, "env", name), value, Scope(JOB_ENV, spec, job_id))
    for name, value in job.outputs.items():
        yield from _check_text((*where, "outputs", name), value, Scope(RUNTIME, spec, job_id, everything))
    for index, cache in enumerate(job.cache):
        before_steps = Scope(RUNTIME, spec, job_id, 0)
        yield from _check_text((*where, "cache", index, "key"), cache.key, before_steps)
        for n, prefix in enumerate(cache.restore_keys):
            yield from _check_text((*where, "cache", index, "restore-keys", n), prefix, before_steps)
    for index, step in enumerate(job.steps):
        at = (*where, "steps", index)
        runtime = Scope(RUNTIME, spec, job_id, index)
        yield from _check_text((*at, "name"), step.name, Scope(PLANNED, spec, job_id))
        if isinstance(step.timeout, str):
            yield from _check_text((*at, "timeout"), step.timeout, Scope(PLANNED, spec, job_id))
        yield from _check_condition((*at, "if"), step.if_, runtime)
        yield from _check_text((*at, "run"), step.run, runtime)
        yield from _check_text((*at, "working-directory"), step.working_directory, runtime)
        for name, value in step.env.items():
            yield from _check_text((*at, "env", name), value, runtime)
        for name, value in step.with_.items():
            yield from _check_text((*at, "with", name), value, runtime)


_RUN = frozenset({"conveyor", "github", "runner"})  # what is known of the run everywhere
PLANNED = _RUN | {"matrix", "inputs"}
STARTED = _RUN | {"inputs"}
PIPELINE_ENV = _RUN | {"inputs", "secrets"}
JOB_ENV = _RUN | {"matrix", "inputs", "needs", "secrets"}
JOB_GROUP = _RUN | {"matrix", "inputs", "needs"}
JOB_IF = _RUN | {"matrix", "inputs", "needs", "env"}
RUNTIME = _RUN | {"matrix", "inputs", "needs", "secrets", "env", "steps"}
STEP_FIELDS = ("outputs", "outcome", "conclusion")
NEEDS_FIELDS = ("outputs", "result")


@dataclass(frozen=True)
class Scope:
    """Where an expression stands: the contexts it may read, its job, and the steps before it."""

    contexts: frozenset[str]
    spec: PipelineSpec
    job_id: str | None
    step_index: int = 0


def _check_text(path: Path, text: str | None, scope: Scope) -> Iterator[Problem]:
    for inner in TEMPLATE.findall(text or ""):
        try:
            expression = parse_expression(inner)
        except ExpressionError as exc:
            yield path, f"invalid expression ${{{{ {inner.strip()[:80]} }}}}: {exc}"
            continue
        if expression.checks_status:
            yield path, "success(), failure(), always() and cancelled() belong in 'if:'"
        yield from _check_parsed(path, expression, scope)


def _check_condition(path: Path, text: str, scope: Scope) -> Iterator[Problem]:
    yield from _check_parsed(path, parse_condition(text), scope)


def _check_parsed(path: Path, expression: Expression, scope: Scope) -> Iterator[Problem]:
    if "hashfiles" in expression.functions and "steps" not in scope.contexts:
        yield path, "hashFiles() reads the workspace: use it in run, env, with or a job's outputs"
    for reference in sorted(expression.references):
        problem = _reference_problem(reference, scope)
        if problem is not None:
            yield path, f"{'.'.join(reference)}: {problem}"


def _reference_problem(reference: tuple[str, ...], scope: Scope) -> str | None:
    context, names = reference[0], reference[1:]
    if context not in scope.contexts:
        return f"the {context} context is not available here; use {', '.join(sorted(scope.contexts))}"
    if context == "inputs" and names and names[0] not in scope.spec.inputs:
        return f"no input {names[0]!r}; inputs: {sorted(scope.spec.inputs)} (on.manual.inputs)"
    job = scope.spec.jobs[scope.job_id] if scope.job_id is not None else None
    if not names or job is None:
        return None
    if context == "matrix" and names[0] not in (known := matrix_names(job.matrix)):
        return f"unknown matrix name {names[0]!r}; known: {sorted(known)}"
    if context == "conveyor" and names[0] not in CONVEYOR_FIELDS:
        return f"unknown field; conveyor has {', '.join(CONVEYOR_FIELDS)}"
    if context == "github" and names[0] not in GITHUB_FIELDS:
        return f"unknown field; github has {', '.join(GITHUB_FIELDS)}"
    if context == "runner" and names[0] not in RUNNER_FIELDS:
        return f"unknown field; runner has {', '.join(RUNNER_FIELDS)}"
    if context == "needs":
        return _needs_problem(names, job, scope.spec)
    if context == "steps":
        return _steps_problem(names, job, scope.step_index)
    return None


def _needs_problem(names: tuple[str, ...], job: JobSpec, spec: PipelineSpec) -> str | None:
    if names[0] not in job.needs:
        return f"the job does not need {names[0]!r}; add it to 'needs'"
    if len(names) > 1 and names[1] not in NEEDS_FIELDS:
        return f"a needed job has {' and '.join(NEEDS_FIELDS)}"
    outputs = spec.jobs[names[0]].outputs
    if len(names) > 2 and names[1] == "outputs" and names[2] not in outputs:
        return f"job {names[0]!r} has no output {names[2]!r}; its outputs: {sorted(outputs)}"
    return None


def _steps_problem(names: tuple[str, ...], job: JobSpec, before: int) -> str | None:
    earlier = [step.id for step in job.steps[:before] if step.id is not None]
    if names[0] not in earlier:
        return f"no earlier step has id {names[0]!r}; earlier ids: {earlier}"
    if len(names) > 1 and names[1] not in STEP_FIELDS:
        return f"a step has {', '.join(STEP_FIELDS)}"
    return None
