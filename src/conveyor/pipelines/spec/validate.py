"""Turn YAML text into a PipelineSpec, or refuse it naming each problem's line."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

from croniter import croniter
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from conveyor.errors import InvalidInput
from conveyor.pipelines.builtins import BUILTIN_STEPS
from conveyor.pipelines.spec.conditions import parse_condition
from conveyor.pipelines.spec.loader import Loaded, Path, YamlError, load
from conveyor.pipelines.spec.matrix import (
    MAX_NAME_CHARS,
    job_key,
    matrix_axes,
    matrix_combinations,
    matrix_names,
)
from conveyor.pipelines.spec.model import JobSpec, PipelineSpec

MAX_MATRIX_JOBS = 256
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
MATRIX_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")

Problem = tuple[Path, str]


def parse_definition(text: str) -> PipelineSpec:
    """The validated pipeline; InvalidInput lists every problem as ``line N: where: what``."""
    try:
        loaded = load(text)
    except YamlError as exc:
        raise InvalidInput(f"invalid pipeline definition: {exc}") from None
    problems = [f"line {line}: {text}" for line, text in loaded.problems]
    spec = _validate_model(loaded, problems)
    if spec is not None:
        problems += [_describe(loaded, path, message) for path, message in _check(spec)]
    if problems or spec is None:
        raise InvalidInput("invalid pipeline definition:\n" + "\n".join(sorted(problems, key=_line_key)))
    return spec


def _validate_model(loaded: Loaded, problems: list[str]) -> PipelineSpec | None:
    if not isinstance(loaded.data, dict):
        problems.append("line 1: the definition must be a mapping with at least 'jobs'")
        return None
    try:
        return PipelineSpec.model_validate(loaded.data)
    except ValidationError as exc:
        problems += [_describe(loaded, tuple(error["loc"]), _message(error)) for error in exc.errors()]
        return None


def _message(error: ErrorDetails) -> str:
    loc = error["loc"]
    if error["type"] == "extra_forbidden":
        return f"unknown key {loc[-1]!r}"
    if error["type"] == "missing":
        return f"missing required key {loc[-1]!r}"
    return str(error["msg"]).removeprefix("Value error, ")


def _describe(loaded: Loaded, path: Path, message: str) -> str:
    where = _dotted(path)
    return f"line {loaded.line_of(path)}: {where + ': ' if where else ''}{message}"


def _dotted(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _line_key(problem: str) -> int:
    return int(problem.split(":", 1)[0].removeprefix("line "))


def _check(spec: PipelineSpec) -> Iterator[Problem]:
    yield from _check_needs(spec)
    yield from _check_cycles(spec)
    for index, schedule in enumerate(spec.on.schedule):
        if not croniter.is_valid(schedule.cron):
            yield ("on", "schedule", index, "cron"), f"invalid cron expression {schedule.cron!r}"
    for job_id, job in spec.jobs.items():
        yield from _check_matrix(job_id, job)
        yield from _check_steps(job_id, job)
        yield from _check_conditions(job_id, job)


def _check_needs(spec: PipelineSpec) -> Iterator[Problem]:
    for job_id, job in spec.jobs.items():
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
    axes = matrix_names(job.matrix)
    texts: list[tuple[Path, str | None]] = [(("jobs", job_id, "name"), job.name)]
    texts += [(("jobs", job_id, "env", k), v) for k, v in job.env.items()]
    for index, step in enumerate(job.steps):
        where = ("jobs", job_id, "steps", index)
        if step.uses is not None and step.uses not in BUILTIN_STEPS:
            known = ", ".join(sorted(BUILTIN_STEPS))
            yield (*where, "uses"), f"unknown built-in step {step.uses!r}; known: {known}"
        texts += [((*where, "run"), step.run), ((*where, "name"), step.name)]
        texts += [((*where, "working-directory"), step.working_directory)]
        texts += [((*where, "env", k), v) for k, v in step.env.items()]
    for path, text in texts:
        for expression in EXPRESSION.findall(text or ""):
            context, _, name = expression.partition(".")
            if context != "matrix" or name not in axes:
                yield path, _unknown_expression(expression, context, name)


def _unknown_expression(expression: str, context: str, name: str) -> str:
    message = f"unknown expression ${{{{ {expression} }}}}; only matrix.<name> is expanded"
    if context in ("secrets", "env") and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        return f"{message}: {context} reach jobs as environment variables, write ${name} instead"
    return message


def _check_conditions(job_id: str, job: JobSpec) -> Iterator[Problem]:
    names = matrix_names(job.matrix)
    conditions: list[tuple[Path, str]] = [(("jobs", job_id, "if"), job.if_)]
    conditions += [(("jobs", job_id, "steps", i, "if"), step.if_) for i, step in enumerate(job.steps)]
    for path, text in conditions:
        for context, name in sorted(parse_condition(text).references):
            if context == "matrix" and name not in names:
                yield path, f"unknown matrix name {name!r} in the condition; known: {sorted(names)}"
