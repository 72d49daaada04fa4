"""Find the distinct errors in a CI log.

``detect(log)`` normalizes the raw log (see ``conveyor.debug.normalize``) and runs
the rule tables of ``rules_tools`` and ``rules_system`` over it. Each hit becomes a
``DetectedError`` with:

* ``message``: the error line (or the part a rule captured), at most 300 chars;
* ``kind``: what the rule recognised (``import_error``, ``link_error``, ``timeout``...);
* ``tool``: the tool or CI system named by the rule, else the last command run before;
* ``file`` / ``line`` / ``column``: from the error line, else the location printed around it
  (see ``locations``), relative to the repository when the path lies inside the CI checkout;
* ``test``: the failing test's name, for test failures that name one;
* ``exit_code``: when the line shows one;
* ``excerpt``: the error line with a few lines around it.

Each line yields at most one error, and repeated (kind, message) pairs are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Final

from conveyor.debug.literals import may_match, required_literals
from conveyor.debug.locations import (
    Location,
    Workspace,
    nearby_location,
    parse_location,
    pytest_failure_location,
)
from conveyor.debug.normalize import prepare_log
from conveyor.debug.rules_system import ENVIRONMENT_RULES, RESOURCE_RULES, RUNNER_RULES
from conveyor.debug.rules_tools import (
    NATIVE_RULES,
    NODE_RULES,
    PACKAGING_RULES,
    PYTHON_RULES,
    RuleRow,
)
from conveyor.debug.schemas import DetectedError

MAX_ERRORS: Final = 30
MAX_MATCHES_PER_RULE: Final = 40
MAX_MESSAGE_CHARS: Final = 300
MAX_EXCERPT_CHARS: Final = 1500
EXCERPT_BEFORE: Final = 4
EXCERPT_AFTER: Final = 3
COMMAND_LOOKBACK_LINES: Final = 100


@dataclass(frozen=True)
class Rule:
    kind: str
    tool: str | None
    regex: re.Pattern[str]
    # Strings one of which every match contains (see ``literals``); None: always run the regex.
    literals: frozenset[str] | None


def _compile(rows: tuple[RuleRow, ...]) -> tuple[Rule, ...]:
    return tuple(
        Rule(kind, tool, re.compile(pattern, re.MULTILINE), required_literals(pattern, re.MULTILINE))
        for kind, tool, pattern in rows
    )


@cache
def rules() -> tuple[Rule, ...]:
    """The rule tables compiled, at the first detection: at import it would cost everything that
    imports the debug package (the event catalog does, for its schemas) ~15 ms."""
    return _compile(
        PYTHON_RULES
        + PACKAGING_RULES
        + NODE_RULES
        + NATIVE_RULES
        + RESOURCE_RULES
        + RUNNER_RULES
        + ENVIRONMENT_RULES
    )


_COMMAND_LINE = re.compile(r"^(?:Run |\+ |\$ |> |\[command\])\s*(?:sudo )?(?:\S*/)?(?P<cmd>[\w.+-]+)")
KNOWN_COMMANDS: Final = frozenset(
    [
        "pip",
        "pip3",
        "python",
        "python3",
        "pytest",
        "tox",
        "nox",
        "npm",
        "npx",
        "yarn",
        "pnpm",
        "node",
        "tsc",
        "eslint",
        "prettier",
        "jest",
        "cargo",
        "rustc",
        "go",
        "mvn",
        "gradle",
        "gradlew",
        "make",
        "cmake",
        "ninja",
        "gcc",
        "g++",
        "clang",
        "javac",
        "docker",
        "mypy",
        "ruff",
        "black",
        "flake8",
        "pylint",
        "pyright",
        "poetry",
        "uv",
        "bundle",
        "rake",
        "rspec",
        "composer",
        "apt-get",
        "git",
        "curl",
        "wget",
        "kubectl",
        "helm",
        "terraform",
        "ctest",
        "bazel",
        "dotnet",
        "msbuild",
        "swift",
    ]
)


def detect(log: str | bytes) -> list[DetectedError]:
    """Return the distinct errors found in a raw CI log (may raise ``InvalidLogError``)."""
    return detect_in_text(prepare_log(log))


def detect_in_text(text: str) -> list[DetectedError]:
    """Return the distinct errors found in an already normalized log."""
    if not text:
        return []
    lines = text.split("\n")
    workspace = Workspace.from_log(text)
    hits = _collect_hits(text)
    errors: list[DetectedError] = []
    seen_lines: set[int] = set()
    seen_keys: set[tuple[str, str]] = set()
    for line_index, rule, match in hits:
        if line_index in seen_lines:
            continue
        seen_lines.add(line_index)
        error = _build_error(lines, line_index, rule, match, workspace)
        key = (error.kind, error.message.lower())
        if key not in seen_keys:
            seen_keys.add(key)
            errors.append(error)
        if len(errors) >= MAX_ERRORS:
            break
    return errors


def _collect_hits(text: str) -> list[tuple[int, Rule, re.Match[str]]]:
    """All rule matches as (line index, rule, match), in log order then rule priority."""
    positioned: list[tuple[int, int, Rule, re.Match[str]]] = []
    for priority, rule in enumerate(rules()):
        if not may_match(rule.literals, text):
            continue
        for count, match in enumerate(rule.regex.finditer(text)):
            if count >= MAX_MATCHES_PER_RULE:
                break
            positioned.append((match.start(), priority, rule, match))
    positioned.sort(key=lambda item: (item[0], item[1]))
    hits: list[tuple[int, Rule, re.Match[str]]] = []
    line_index, scanned = 0, 0
    for start, _, rule, match in positioned:
        line_index += text.count("\n", scanned, start)
        scanned = start
        hits.append((line_index, rule, match))
    return hits


def _build_error(
    lines: list[str], index: int, rule: Rule, match: re.Match[str], workspace: Workspace
) -> DetectedError:
    groups = match.groupdict()
    message = (groups.get("msg") or lines[index]).strip()[:MAX_MESSAGE_CHARS]
    test = groups.get("test")
    location = _locate(lines, index, rule, groups, test)
    if location is not None:
        location = workspace.locate(location)
    return DetectedError(
        message=message,
        kind=rule.kind,
        tool=rule.tool or _lookback_command(lines, index),
        file=location.file if location else None,
        line=location.line if location else None,
        column=location.column if location else None,
        test=test,
        exit_code=_to_int(groups.get("code")),
        excerpt=_excerpt(lines, index),
    )


def _locate(
    lines: list[str], index: int, rule: Rule, groups: dict[str, str | None], test: str | None
) -> Location | None:
    """The rule's own file and line, else what the line says, else what is printed around it."""
    file, line, column = groups.get("file"), _to_int(groups.get("line")), _to_int(groups.get("col"))
    if test and rule.tool == "pytest":
        inside = pytest_failure_location(lines, test)
        if inside:
            return inside
    on_line = parse_location(lines[index])
    if file is not None and line is not None:
        same_line = on_line is not None and on_line.line == line
        return Location(file, line, column or (on_line.column if on_line and same_line else None))
    if on_line is not None and on_line.line is not None:
        return on_line
    nearby = nearby_location(lines, index, rule.tool)
    if file is None and line is not None:
        return Location(nearby.file, line, column) if nearby else None
    if file is None:
        return nearby
    if nearby is None or nearby.file != file:
        return Location(file, None, None)
    return Location(file, nearby.line, nearby.column)


def _lookback_command(lines: list[str], index: int) -> str | None:
    for candidate in reversed(lines[max(0, index - COMMAND_LOOKBACK_LINES) : index + 1]):
        found = _COMMAND_LINE.match(candidate)
        if found and found.group("cmd") in KNOWN_COMMANDS:
            return found.group("cmd")
    return None


def _excerpt(lines: list[str], index: int) -> str:
    window = lines[max(0, index - EXCERPT_BEFORE) : index + EXCERPT_AFTER + 1]
    return "\n".join(window).strip("\n")[:MAX_EXCERPT_CHARS]


def _to_int(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None
