"""Find the distinct errors in a CI log.

``detect(log)`` normalizes the raw log (see ``conveyor.debug.normalize``) and runs
the rule tables of ``rules_tools`` and ``rules_system`` over it. Each hit becomes a
``DetectedError`` with:

* ``message``: the error line (or the part a rule captured), at most 300 chars;
* ``kind``: what the rule recognised (``import_error``, ``link_error``, ``timeout``...);
* ``tool``: the tool or CI system named by the rule, else the last command run before;
* ``file`` / ``line``: from the error line, else the nearest location line above it
  (Python ``File "x", line N``, rustc ``--> x:N:C``, stack frames, eslint headers);
* ``exit_code``: when the line shows one;
* ``excerpt``: the error line with a few lines around it.

Each line yields at most one error, and repeated (kind, message) pairs are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

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
LOOKBACK_LINES: Final = 25


@dataclass(frozen=True)
class Rule:
    kind: str
    tool: str | None
    regex: re.Pattern[str]


def _compile(rows: tuple[RuleRow, ...]) -> tuple[Rule, ...]:
    return tuple(Rule(kind, tool, re.compile(pattern, re.MULTILINE)) for kind, tool, pattern in rows)


RULES: Final[tuple[Rule, ...]] = _compile(
    PYTHON_RULES
    + PACKAGING_RULES
    + NODE_RULES
    + NATIVE_RULES
    + RESOURCE_RULES
    + RUNNER_RULES
    + ENVIRONMENT_RULES
)

# Tools whose errors are located by a traceback, stack frame or file header above them.
LOOKBACK_TOOLS: Final = frozenset(
    {"python", "pytest", "unittest", "node", "jest", "mocha", "eslint", "go", "jvm"}
)
# Tools that print the location on a line below the error (rustc's "--> file:line:col").
LOOKAHEAD_TOOLS: Final = frozenset({"rustc", "clippy", "cargo"})
LOOKAHEAD_LINES: Final = 4
_ARROW_LOCATION = re.compile(r"^\s*--> (?P<file>[\w./\\-]+):(?P<line>\d+):\d+")
LOCATION_PATTERNS: Final[tuple[re.Pattern[str], ...]] = (
    re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)'),
    re.compile(r"^\s*at .*?\(?(?P<file>[\w./\\@-]+\.\w+):(?P<line>\d+)(?::\d+)?\)?$"),
    re.compile(r"^\s*(?P<file>[\w./\\-]+\.(?:go|py|rs|rb|[jt]sx?)):(?P<line>\d+)(?::\d+)?:?(?:\s|$)"),
    re.compile(r"^(?P<file>/[\w./@-]+\.(?:[jt]sx?|mjs|cjs|vue|py))$"),
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
    hits = _collect_hits(text)
    errors: list[DetectedError] = []
    seen_lines: set[int] = set()
    seen_keys: set[tuple[str, str]] = set()
    for line_index, rule, match in hits:
        if line_index in seen_lines:
            continue
        seen_lines.add(line_index)
        error = _build_error(lines, line_index, rule, match)
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
    for priority, rule in enumerate(RULES):
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


def _build_error(lines: list[str], index: int, rule: Rule, match: re.Match[str]) -> DetectedError:
    groups = match.groupdict()
    message = (groups.get("msg") or lines[index]).strip()[:MAX_MESSAGE_CHARS]
    file, line = groups.get("file"), _to_int(groups.get("line"))
    if file is None or line is None:
        found_file, found_line = _find_location(lines, index, rule.tool)
        file = file or found_file
        line = line if line is not None else (found_line if file == found_file else None)
    return DetectedError(
        message=message,
        kind=rule.kind,
        tool=rule.tool or _lookback_command(lines, index),
        file=file,
        line=line,
        exit_code=_to_int(groups.get("code")),
        excerpt=_excerpt(lines, index),
    )


def _find_location(lines: list[str], index: int, tool: str | None) -> tuple[str | None, int | None]:
    if tool in LOOKAHEAD_TOOLS:
        for candidate in lines[index + 1 : index + 1 + LOOKAHEAD_LINES]:
            found = _ARROW_LOCATION.match(candidate)
            if found:
                return found.group("file"), _to_int(found.group("line"))
    if tool in LOOKBACK_TOOLS:
        return _lookback_location(lines, index)
    return None, None


def _lookback_location(lines: list[str], index: int) -> tuple[str | None, int | None]:
    for candidate in reversed(lines[max(0, index - LOOKBACK_LINES) : index + 1]):
        for pattern in LOCATION_PATTERNS:
            found = pattern.search(candidate)
            if found:
                return found.group("file"), _to_int(found.groupdict().get("line"))
    return None, None


def _lookback_command(lines: list[str], index: int) -> str | None:
    for candidate in reversed(lines[max(0, index - 4 * LOOKBACK_LINES) : index + 1]):
        found = _COMMAND_LINE.match(candidate)
        if found and found.group("cmd") in KNOWN_COMMANDS:
            return found.group("cmd")
    return None


def _excerpt(lines: list[str], index: int) -> str:
    window = lines[max(0, index - EXCERPT_BEFORE) : index + EXCERPT_AFTER + 1]
    return "\n".join(window).strip("\n")[:MAX_EXCERPT_CHARS]


def _to_int(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None
