"""The pipeline definition as a typed model (keys as users write them: ``working-directory``)."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from conveyor.pipelines.spec.expressions import DEFAULT_CONDITION, ExpressionError, parse_condition

MAX_TIMEOUT_SECONDS = 7 * 24 * 3600
DEFAULT_JOB_TIMEOUT_SECONDS = 3600.0
JOB_ID_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$"
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]{0,99}$"
MAX_INPUT_CHARS = 10_000
ENVIRONMENT_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
LABEL_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MAX_LABELS = 8  # a worker listens on a queue per subset of its labels: 2**8 - 1 at most
SHELLS = ("bash", "sh", "python", "pwsh")
_DURATION = re.compile(r"^\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+(?:\.\d+)?)\s*s?)?\s*$")


def _condition(value: Any) -> Any:
    """The condition's text once it parses (names are checked against the job later)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        try:
            return parse_condition(value).text
        except ExpressionError as exc:
            raise ValueError(f"invalid condition {value.strip()[:80]!r}: {exc}") from None
    return value


def _duration(value: Any) -> Any:
    """Seconds as a number, or a string such as ``90s``, ``10m``, ``1h30m``."""
    if isinstance(value, bool):
        raise ValueError("a duration must be a number of seconds or a string like 10m")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.match(value)) and value.strip():
        hours, minutes, secs = match.groups()
        seconds = int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(secs or 0)
    else:
        raise ValueError(f"invalid duration {value!r}; use seconds or a string like 90s, 10m, 1h30m")
    if not 0 < seconds <= MAX_TIMEOUT_SECONDS:
        raise ValueError("a duration must be more than 0 and at most 7 days")
    return seconds


def parse_duration(value: Any) -> float:
    """Seconds from a number or a text such as ``10m`` (ValueError says what is wrong)."""
    seconds: float = _duration(value)
    return seconds


def _duration_or_expression(value: Any) -> Any:
    """A duration, or a text with ``${{ }}`` filled in when the execution is planned."""
    return value if isinstance(value, str) and "${{" in value else _duration(value)


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


def check_label(label: str) -> str:
    """A runner label as runners and jobs compare it (any case); ValueError says what is wrong."""
    if not LABEL_PATTERN.match(label):
        raise ValueError(
            f"invalid runner label {label[:80]!r}: letters, digits, '.', '_' and '-', "
            "starting with a letter or digit, at most 64"
        )
    return label.lower()


def check_environment(name: str) -> str:
    """An environment's name as jobs and a project's protected list hold it (ValueError if bad)."""
    if not ENVIRONMENT_PATTERN.match(name):
        raise ValueError(
            f"invalid environment name {name[:80]!r}: letters, digits, '.', '_' and '-', "
            "starting with a letter or digit, at most 100"
        )
    return name


def _labels(labels: list[str]) -> list[str]:
    for label in labels:
        if "${{" not in label:
            check_label(label)
    return labels


def _env_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


ConditionText = Annotated[str, BeforeValidator(_condition)]
Timeout = Annotated[float | str, BeforeValidator(_duration_or_expression)]
Name = Annotated[str, Field(pattern=NAME_PATTERN)]
EnvValue = Annotated[str, BeforeValidator(_env_value)]
Env = dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")], EnvValue]
StrList = Annotated[list[str], BeforeValidator(_as_list)]
Scalar = str | int | float | bool


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=False, frozen=True)


class StepSpec(Strict):
    id: Name | None = None
    name: str | None = None
    run: str | None = None
    uses: str | None = None
    with_: dict[str, EnvValue] = Field(default_factory=dict, alias="with")
    env: Env = Field(default_factory=dict)
    working_directory: str | None = Field(default=None, alias="working-directory")
    if_: ConditionText = Field(default=DEFAULT_CONDITION, alias="if")
    timeout: Timeout | None = None
    shell: Literal["bash", "sh", "python", "pwsh"] | None = None
    continue_on_error: bool = Field(default=False, alias="continue-on-error")

    @model_validator(mode="after")
    def _run_or_uses(self) -> StepSpec:
        if (self.run is None) == (self.uses is None):
            raise ValueError("a step needs exactly one of 'run' or 'uses'")
        if self.with_ and self.uses is None:
            raise ValueError("'with' only applies to 'uses' steps")
        return self


def _fail(message: str) -> Any:
    raise ValueError(message)


def _no_parent(paths: list[str]) -> list[str]:
    for path in paths:
        if path.startswith("~") or ".." in path.replace("\\", "/").split("/"):
            raise ValueError(f"{path!r} reaches outside the workspace; write it without '..' or '~'")
    return paths


def _relative(paths: list[str]) -> list[str]:
    for path in _no_parent(paths):
        if path.startswith("/"):
            raise ValueError(f"{path!r} is outside the workspace; use a path relative to it")
    return paths


# artifact globs start at the workspace even when written with a leading '/'
WorkspaceGlobs = Annotated[StrList, AfterValidator(_no_parent)]
WorkspacePaths = Annotated[StrList, AfterValidator(_relative)]


class CacheSpec(Strict):
    """One cache: ``paths`` restored before the steps from ``key`` (or the newest entry whose key
    starts with one of ``restore-keys``) and saved under ``key`` after a successful job."""

    key: Annotated[str, Field(min_length=1, max_length=512)]
    paths: Annotated[WorkspacePaths, AfterValidator(lambda v: v or _fail("a cache needs at least one path"))]
    restore_keys: StrList = Field(default_factory=list, alias="restore-keys")


class ArtifactWhen(StrEnum):
    ON_SUCCESS = "on_success"
    ON_FAILURE = "on_failure"
    ALWAYS = "always"


def _artifacts(value: Any) -> Any:
    return {"paths": value} if isinstance(value, list | str) else value


class ArtifactSpec(Strict):
    paths: Annotated[WorkspaceGlobs, AfterValidator(lambda v: v or _fail("artifacts need at least one path"))]
    when: ArtifactWhen = ArtifactWhen.ALWAYS


class RunDefaults(Strict):
    shell: Literal["bash", "sh", "python", "pwsh"] | None = None
    working_directory: str | None = Field(default=None, alias="working-directory")


class Defaults(Strict):
    run: RunDefaults = Field(default_factory=RunDefaults)


def _concurrency(value: Any) -> Any:
    return {"group": value} if isinstance(value, str) else value


class Concurrency(Strict):
    """One execution of a group at a time; the next waits, or cancels it with cancel-in-progress."""

    group: Annotated[str, Field(min_length=1, max_length=255)]
    cancel_in_progress: bool = Field(default=False, alias="cancel-in-progress")


def _environment(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value


class EnvironmentSpec(Strict):
    """Where a job deploys: a project can make its jobs wait for a maintainer's approval."""

    name: Annotated[str, AfterValidator(lambda v: v if "${{" in v else check_environment(v))]
    url: Annotated[str | None, Field(max_length=2000)] = None


class ReportsSpec(Strict):
    junit: WorkspaceGlobs  # JUnit XML files, read after the steps whatever their outcome


class JobSpec(Strict):
    name: str | None = None
    needs: StrList = Field(default_factory=list)
    if_: ConditionText = Field(default=DEFAULT_CONDITION, alias="if")
    env: Env = Field(default_factory=dict)
    matrix: dict[str, list[Any]] = Field(default_factory=dict)
    timeout: Timeout = DEFAULT_JOB_TIMEOUT_SECONDS
    retries: int = Field(default=0, ge=0, le=10)
    steps: list[StepSpec] = Field(min_length=1)
    artifacts: Annotated[ArtifactSpec | None, BeforeValidator(_artifacts)] = None
    outputs: dict[Name, EnvValue] = Field(default_factory=dict)
    # whose artifacts are restored into the workspace; default: every job in `needs` that keeps some
    dependencies: StrList | None = None
    reports: ReportsSpec | None = None
    # a step's network in its sandbox (docs/sandbox.md): "none" leaves it only its own loopback
    network: Literal["outbound", "none"] = "outbound"
    defaults: Defaults | None = None
    fail_fast: bool = Field(default=True, alias="fail-fast")  # a failed combination cancels the others
    max_parallel: int | None = Field(default=None, ge=1, alias="max-parallel")
    cache: Annotated[list[CacheSpec], BeforeValidator(lambda v: [v] if isinstance(v, dict) else v)] = Field(
        default_factory=list, max_length=16
    )
    environment: Annotated[EnvironmentSpec | None, BeforeValidator(_environment)] = None
    # jobs of the project with the same group run one at a time (matrix, inputs, conveyor and
    # needs expressions in the group are filled when the job is ready)
    concurrency: Annotated[Concurrency | None, BeforeValidator(_concurrency)] = None
    # the labels a runner must have to take the job (all of them); matrix, conveyor and inputs
    # expressions are filled when the execution starts
    runs_on: Annotated[StrList, AfterValidator(_labels)] = Field(
        default_factory=list, alias="runs-on", max_length=MAX_LABELS
    )


class PushTrigger(Strict):
    """GitHub's push filters; a pattern starting with ``!`` takes back what earlier ones matched."""

    branches: StrList | None = None
    branches_ignore: StrList | None = Field(default=None, alias="branches-ignore")
    tags: StrList | None = None
    tags_ignore: StrList | None = Field(default=None, alias="tags-ignore")
    paths: StrList | None = None
    paths_ignore: StrList | None = Field(default=None, alias="paths-ignore")

    @model_validator(mode="after")
    def _one_of_each_pair(self) -> PushTrigger:
        for name in ("branches", "tags", "paths"):
            if getattr(self, name) is not None and getattr(self, f"{name}_ignore") is not None:
                raise ValueError(f"use either '{name}' or '{name}-ignore', not both")
        return self


class PullRequestAction(StrEnum):
    OPENED = "opened"
    SYNCHRONIZE = "synchronize"  # new commits on the pull request's branch
    REOPENED = "reopened"


class PullRequestTrigger(Strict):
    """GitHub's ``pull_request`` filters: ``branches`` match the base branch (the one merged into)."""

    branches: StrList | None = None
    branches_ignore: StrList | None = Field(default=None, alias="branches-ignore")
    types: Annotated[list[PullRequestAction], BeforeValidator(_as_list)] = Field(
        default_factory=lambda: list(PullRequestAction), min_length=1
    )

    @model_validator(mode="after")
    def _one_of_the_pair(self) -> PullRequestTrigger:
        if self.branches is not None and self.branches_ignore is not None:
            raise ValueError("use either 'branches' or 'branches-ignore', not both")
        return self


class ScheduleTrigger(Strict):
    cron: str


def _triggers(value: Any) -> Any:
    """``on: push``, ``on: [push, manual]`` and the mapping form all mean the same thing."""
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        value = dict.fromkeys(value)
    if isinstance(value, dict):
        return {key: _EMPTY_TRIGGER.get(key, item) if item is None else item for key, item in value.items()}
    return value


_EMPTY_TRIGGER: dict[str, Any] = {"manual": True, "push": {}, "pull_request": {}}


class InputType(StrEnum):
    STRING = "string"
    BOOLEAN = "boolean"
    CHOICE = "choice"
    NUMBER = "number"


class InputSpec(Strict):
    """One input of a manual run: `${{ inputs.<name> }}`, a field of the dashboard's run form."""

    type: InputType = InputType.STRING
    description: str | None = None
    required: bool = False
    default: str | bool | float | None = None
    options: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> InputSpec:
        if (self.type is InputType.CHOICE) != bool(self.options):
            raise ValueError("'options' are for a choice input, which needs at least one")
        if self.default is not None:
            check_input(self, self.default)
        return self


def check_input(spec: InputSpec, value: Any) -> str | bool | float:
    """The value as its type holds it (ValueError says why it does not fit)."""
    if spec.type is InputType.BOOLEAN:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ValueError(f"{value!r} is not a boolean (true or false)")
    if spec.type is InputType.NUMBER:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        try:
            return float(str(value))
        except ValueError:
            raise ValueError(f"{value!r} is not a number") from None
    if not isinstance(value, str) or len(value) > MAX_INPUT_CHARS:
        raise ValueError(f"a {spec.type.value} input is text of at most {MAX_INPUT_CHARS} characters")
    if spec.type is InputType.CHOICE and value not in spec.options:
        raise ValueError(f"{value!r} is not one of {spec.options}")
    return value


class ManualTrigger(Strict):
    """``manual: true``, ``manual: false`` or ``manual: {inputs: ...}`` (enabled)."""

    enabled: bool = True
    inputs: dict[Annotated[str, Field(pattern=NAME_PATTERN)], InputSpec] = Field(default_factory=dict)

    def __bool__(self) -> bool:
        return self.enabled


def _manual(value: Any) -> Any:
    return {"enabled": value} if isinstance(value, bool) else value


class Triggers(Strict):
    manual: Annotated[ManualTrigger, BeforeValidator(_manual)] = Field(default_factory=ManualTrigger)
    push: PushTrigger | None = None
    pull_request: PullRequestTrigger | None = None
    schedule: list[ScheduleTrigger] = Field(default_factory=list)


class PipelineSpec(Strict):
    name: str | None = None
    on: Annotated[Triggers, BeforeValidator(_triggers)] = Field(default_factory=Triggers)
    env: Env = Field(default_factory=dict)
    defaults: Defaults | None = None
    concurrency: Annotated[Concurrency | None, BeforeValidator(_concurrency)] = None

    @property
    def inputs(self) -> dict[str, InputSpec]:
        return self.on.manual.inputs

    jobs: dict[Annotated[str, Field(pattern=JOB_ID_PATTERN)], JobSpec] = Field(min_length=1)


def resolve_inputs(spec: PipelineSpec, given: dict[str, Any], *, manual: bool) -> dict[str, Any]:
    """The `inputs` of a run: what a manual run gave, checked against its type, else the default.

    Other triggers give none: every input is its default (null without one). ValueError lists
    every problem.
    """
    declared = spec.inputs
    problems = [
        f"unknown input {name!r}; inputs: {sorted(declared)}" for name in given if name not in declared
    ]
    values: dict[str, Any] = {}
    for name, input_spec in declared.items():
        value = given.get(name) if manual else None
        if value is None:
            value = input_spec.default
            if value is None and manual and input_spec.required:
                problems.append(f"input {name!r} is required")
                continue
        try:
            values[name] = None if value is None else check_input(input_spec, value)
        except ValueError as exc:
            problems.append(f"input {name!r}: {exc}")
    if problems:
        raise ValueError("; ".join(problems))
    return values
