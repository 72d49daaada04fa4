"""GitHub Actions workflows (``.github/workflows/*.yml``) as Conveyor pipelines.

A workflow is translated key by key into Conveyor's format, each translated key keeping the line
of the key it came from, and then validated exactly as a Conveyor file is (expressions, needs,
matrix...), so every problem is reported at its line in the workflow. What does not translate
(a ``uses:`` other than the natively provided actions, ``container``, ``services``, reusable
workflows) is refused by name and line. docs/github-actions.md describes the mapping.
"""

from __future__ import annotations

import re
from typing import Any

from conveyor.pipelines.builtins import GITHUB_ACTIONS
from conveyor.pipelines.spec.loader import Loaded, Path, load

NATIVE_ACTIONS = GITHUB_ACTIONS  # any version: `@v4`, `@main`, a commit
# GitHub-hosted runner labels: every Conveyor runner is a Linux machine, these pick none
HOSTED_LABEL = re.compile(r"^(ubuntu|windows|macos)-[\w.-]+$|^\$\{\{")
EVENTS = {
    "manual": "workflow_dispatch",
    "push": "push",
    "pull_request": "pull_request",
    "schedule": "schedule",
}
IGNORED_TOP = ("permissions", "run-name")
IGNORED_JOB = ("permissions", "environment", "concurrency")
UNSUPPORTED_JOB = {
    "container": "job containers are not supported: Conveyor runs steps in its own sandbox",
    "services": "service containers are not supported",
    "uses": "reusable workflows are not supported",
}
_COPIED_STEP_KEYS = ("id", "name", "if", "env", "run", "shell", "working-directory", "continue-on-error")


class WorkflowTranslation:
    """The Conveyor definition of a workflow, with the workflow's line of each translated key."""

    def __init__(self, source: Loaded) -> None:
        self.source = source
        self.result = Loaded(data=None)
        self.result.problems = list(source.problems)
        self.refused: list[tuple[int, int, str, str]] = []  # line, column, where, what

    def keep(self, value: Any, out: Path, src: Path) -> Any:
        """``value`` placed at ``out``, every part of it at the position of its part under ``src``."""
        line, column = self.source.position_of(src)
        self.result.lines[out], self.result.columns[out] = line, column
        if isinstance(value, dict):
            return {key: self.keep(item, (*out, key), (*src, key)) for key, item in value.items()}
        if isinstance(value, list):
            return [self.keep(item, (*out, index), (*src, index)) for index, item in enumerate(value)]
        return value

    def problem(self, src: Path, message: str) -> None:
        line, column = self.source.position_of(src)
        where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in src).lstrip(".")
        self.refused.append((line, column, where, message))


def translate_workflow(text: str) -> WorkflowTranslation:
    """The workflow as Conveyor's definition (``result``: data and positions) and what cannot be
    translated (``refused``); YamlError when the text is not YAML."""
    source = load(text)
    translation = WorkflowTranslation(source)
    data = source.data
    if not isinstance(data, dict) or not isinstance(data.get("jobs"), dict):
        translation.problem((), "a workflow is a mapping with 'on' and 'jobs'")
        translation.result.data = data
        return translation
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "on":
            out["on"] = _triggers(translation, value)
        elif key == "jobs":
            out["jobs"] = {job_id: _job(translation, job_id, job) for job_id, job in value.items()}
        elif key not in IGNORED_TOP:
            out[key] = translation.keep(value, (key,), (key,))  # name, env, defaults, concurrency
    translation.result.data = out
    return translation


def _triggers(translation: WorkflowTranslation, value: Any) -> dict[str, Any]:
    """GitHub's events that Conveyor has; others (release, workflow_call...) start nothing here."""
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list):
        value = dict.fromkeys(item for item in value if isinstance(item, str))
    if not isinstance(value, dict):
        translation.problem(("on",), "'on' is an event, a list of events or a mapping")
        return {}
    triggers: dict[str, Any] = {"manual": False}
    for ours, theirs in EVENTS.items():
        if theirs not in value:
            continue
        event = value[theirs] if value[theirs] is not None else {}
        where = ("on", theirs)
        if ours == "manual":
            inputs = event.get("inputs", {}) if isinstance(event, dict) else {}
            triggers["manual"] = {"inputs": _inputs(translation, inputs or {}, (*where, "inputs"))}
        elif ours == "schedule":
            triggers["schedule"] = translation.keep(event, ("on", "schedule"), where)
        elif isinstance(event, dict):
            kept = {k: v for k, v in event.items() if k in _FILTERS[ours]}
            triggers[ours] = translation.keep(kept, ("on", ours), where)
    return triggers


_FILTERS = {
    "push": ("branches", "branches-ignore", "tags", "tags-ignore", "paths", "paths-ignore"),
    "pull_request": ("branches", "branches-ignore", "types"),
}


def _inputs(translation: WorkflowTranslation, inputs: Any, where: Path) -> dict[str, Any]:
    if not isinstance(inputs, dict):
        translation.problem(where, "inputs map names to their description")
        return {}
    kept: dict[str, Any] = {}
    for name, spec in inputs.items():
        spec = dict(spec or {})
        if spec.get("type") == "environment":
            spec["type"] = "string"
        kept[name] = translation.keep(spec, ("on", "manual", "inputs", name), (*where, name))
    return kept


def _job(translation: WorkflowTranslation, job_id: str, job: Any) -> Any:
    src: Path = ("jobs", job_id)
    if not isinstance(job, dict):
        return translation.keep(job, src, src)
    out: dict[str, Any] = {}
    for key, value in job.items():
        at: Path = (*src, key)
        if key in UNSUPPORTED_JOB:
            translation.problem(at, UNSUPPORTED_JOB[key])
        elif key in IGNORED_JOB:
            continue
        elif key == "runs-on":
            labels = _labels(value)
            if labels:
                out["runs-on"] = translation.keep(labels, at, at)
        elif key == "strategy":
            out.update(_strategy(translation, value, at, src))
        elif key == "timeout-minutes":
            out["timeout"] = translation.keep(_minutes(value), (*src, "timeout"), at)
        elif key == "continue-on-error":
            translation.problem(at, "a job's continue-on-error is not supported; set it on its steps")
        elif key == "steps":
            steps = value if isinstance(value, list) else []
            out["steps"] = [_step(translation, out, src, index, step) for index, step in enumerate(steps)]
        else:
            out[key] = translation.keep(value, at, at)  # name, needs, if, env, outputs, defaults
    _job_level(translation, out, src)
    return out


def _job_level(translation: WorkflowTranslation, job: dict[str, Any], src: Path) -> None:
    """What Conveyor keeps per job: ``actions/cache`` steps become the job's caches (restored
    before the first step, saved after a successful job), ``actions/upload-artifact`` paths its
    artifacts (kept when the job ends)."""
    caches: list[Any] = []
    paths: list[str] = []
    always = False
    for index, step in enumerate(job.get("steps", [])):
        inputs = step.get("with") if isinstance(step, dict) else None
        if not isinstance(inputs, dict):
            continue
        at: Path = (*src, "steps", index, "with")
        if step.get("uses") == "actions/cache" and "key" in inputs and "path" in inputs:
            entry = {"key": inputs["key"], "paths": _lines(inputs["path"])}
            if "restore-keys" in inputs:
                entry["restore-keys"] = _lines(inputs["restore-keys"])
            caches.append(translation.keep(entry, (*src, "cache", len(caches)), at))
        elif step.get("uses") == "actions/upload-artifact" and "path" in inputs:
            paths += [path for path in _lines(inputs["path"]) if not path.startswith("!")]
            always = always or "always()" in str(step.get("if", ""))
            translation.keep(None, (*src, "artifacts"), at)
    if caches:
        job["cache"] = caches
    if paths:
        job["artifacts"] = {"paths": paths, "when": "always" if always else "on_success"}


def _lines(value: Any) -> list[str]:
    """A multi-line input (GitHub's form for lists of paths) as its non-empty lines."""
    if isinstance(value, list):
        return [str(item) for item in value]
    return [line.strip() for line in str(value).splitlines() if line.strip()]


def _labels(value: Any) -> list[str]:
    """Self-hosted labels pass on to ``runs-on``; GitHub-hosted images (and expressions) pick any runner."""
    if isinstance(value, dict):
        value = value.get("labels", [])
    labels = [str(label) for label in ([value] if isinstance(value, str) else value or [])]
    return [] if any(HOSTED_LABEL.match(label) for label in labels) else labels


def _strategy(translation: WorkflowTranslation, value: Any, at: Path, src: Path) -> dict[str, Any]:
    if not isinstance(value, dict):
        translation.problem(at, "strategy is a mapping (matrix, fail-fast, max-parallel)")
        return {}
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key == "matrix" and isinstance(item, str):
            translation.problem((*at, key), "a matrix computed by an expression is not supported")
        elif key in ("matrix", "fail-fast", "max-parallel"):
            out[key] = translation.keep(item, (*src, key), (*at, key))
        else:
            translation.problem((*at, key), f"unknown strategy key {key!r}")
    return out


def _minutes(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value * 60
    return f"{value}m" if isinstance(value, str) and "${{" not in value else value


def _step(translation: WorkflowTranslation, job: dict[str, Any], src: Path, index: int, step: Any) -> Any:
    at: Path = (*src, "steps", index)
    out_at: Path = (*src, "steps", index)
    if not isinstance(step, dict):
        return translation.keep(step, out_at, at)
    out: dict[str, Any] = {}
    for key, value in step.items():
        if key in _COPIED_STEP_KEYS:
            out[key] = translation.keep(value, (*out_at, key), (*at, key))
        elif key == "timeout-minutes":
            out["timeout"] = translation.keep(_minutes(value), (*out_at, "timeout"), (*at, key))
        elif key == "uses":
            action = _action(translation, value, (*at, key))
            if action in NATIVE_ACTIONS:
                out["uses"] = translation.keep(action, (*out_at, key), (*at, key))
            else:  # refused above, by its name: the rest of the workflow is still checked
                out["run"] = translation.keep("true", (*out_at, "run"), (*at, key))
        elif key == "with":
            if "uses" in step and _action_name(step["uses"]) in NATIVE_ACTIONS:
                out["with"] = translation.keep(value, (*out_at, key), (*at, key))
        else:
            translation.problem((*at, key), f"unknown step key {key!r}")
    if out.get("uses") and out["uses"] in NATIVE_ACTIONS:
        _check_inputs(translation, out["uses"], out.get("with") or {}, at)
    return out


def _action(translation: WorkflowTranslation, uses: Any, at: Path) -> Any:
    if not isinstance(uses, str):
        return uses
    name = _action_name(uses)
    if name not in NATIVE_ACTIONS:
        native = ", ".join(NATIVE_ACTIONS)
        translation.problem(at, f"unsupported action {uses!r}: Conveyor runs only run steps and {native}")
    return name


def _action_name(uses: Any) -> str:
    return str(uses).split("@", 1)[0]


_REQUIRED_INPUTS = {"actions/cache": ("key", "path"), "actions/upload-artifact": ("path",)}


def _check_inputs(translation: WorkflowTranslation, action: str, inputs: Any, at: Path) -> None:
    if not isinstance(inputs, dict):
        return
    for name in _REQUIRED_INPUTS.get(action, ()):
        if name not in inputs:
            translation.problem((*at, "with"), f"{action} needs '{name}'")
    if action == "actions/checkout":
        for name in ("repository", "path", "ssh-key", "token"):
            if name in inputs:
                translation.problem(
                    (*at, "with", name),
                    f"actions/checkout: '{name}' is not supported: the job's workspace is the project's "
                    "repository at the run's commit",
                )
