"""Where an error happened: file, line and column in every format the detectors know.

``parse_location(text)`` reads the first location written on one line, in any of:

* Maven / javac: ``[ERROR] /path/App.java:[12,5] cannot find symbol``
* tsc and MSBuild: ``src/a.ts(12,5): error TS2322`` / ``Program.cs(3,9): error CS1002``
* rustc: ``--> src/main.rs:3:5``
* Python tracebacks: ``File "app/main.py", line 3``
* compilers, Go, pytest, linters: ``file:line:col``, ``file:line``, ``file:line: Error``

``Workspace`` turns absolute paths inside a CI checkout (``/home/runner/work/r/r/``,
``/builds/group/project/``, ``/var/lib/jenkins/workspace/job/``...) into paths relative to
the repository; paths elsewhere (site-packages, system headers) are left as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

# Extensions of files an error can point into; keeps hosts and versions ("example.org:443") out.
_EXTENSIONS: Final = (
    "py|pyi|pyx|js|jsx|mjs|cjs|ts|tsx|mts|cts|vue|svelte|go|rs|c|cc|cpp|cxx|h|hh|hpp|hxx|m|mm|cu|"
    "java|kt|kts|scala|groovy|gradle|cs|fs|vb|rb|rake|erb|php|swift|dart|ex|exs|erl|hrl|hs|ml|lua|"
    "pl|pm|sh|bash|zsh|ps1|ya?ml|json|toml|xml|cmake|txt|proto|sql|r|R|jl|zig|nim|clj|css|scss|"
    "less|html|tf|hcl|mk|cfg|ini|lock|csproj|sln|props|targets"
)
_PATH: Final = rf"(?P<file>(?:[A-Za-z]:)?[\w./\\@+~-]*[\w@+-]\.(?:{_EXTENSIONS}))"

LOCATION_FORMATS: Final[tuple[re.Pattern[str], ...]] = (
    re.compile(rf"{_PATH}:\[(?P<line>\d+),(?P<col>\d+)\]"),
    re.compile(rf"{_PATH}\((?P<line>\d+),(?P<col>\d+)(?:,\d+,\d+)?\)"),
    re.compile(r"-->\s*(?P<file>[^\s:]+(?::[^\s:]+)*?):(?P<line>\d+):(?P<col>\d+)"),
    re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)'),
    re.compile(rf"(?<![\w/.:-]){_PATH}:(?P<line>\d+)(?::(?P<col>\d+))?(?![\d.])"),
)

# pytest's own location lines, printed below the failing code: "src/attr/converters.py:144: TypeError".
PYTEST_LOCATION: Final = re.compile(
    r"^(?P<file>[\w./\\@+-]+\.pyi?):(?P<line>\d+): "
    r"(?:in \S+|[\w.]*(?:Error|Exception|Exit|Failed|Warning)\w*)$"
)


@dataclass(frozen=True)
class Location:
    file: str
    line: int | None
    column: int | None


def parse_location(text: str) -> Location | None:
    """The first file location written in ``text`` (one line), or None."""
    for pattern in LOCATION_FORMATS:
        found = pattern.search(text)
        if found:
            return _location(found)
    return None


def _location(found: re.Match[str]) -> Location:
    groups = found.groupdict()
    return Location(groups["file"], _to_int(groups.get("line")), _to_int(groups.get("col")))


def _to_int(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


# Checkout directories of the CI systems, up to and including the repository folder.
_WORKSPACE_ROOTS: Final = re.compile(
    r"""^(?:
        /home/runner/work/[^/]+/[^/]+/ | /Users/runner/work/[^/]+/[^/]+/ | /__w/[^/]+/[^/]+/
      | [A-Za-z]:[\\/]a[\\/][^\\/]+[\\/][^\\/]+[\\/] | /github/workspace/
      | /home/travis/build/[^/]+/[^/]+/ | /Users/travis/build/[^/]+/[^/]+/
      | /home/circleci/(?!\.)[^/]+/ | /root/project/ | /home/vsts/work/\d+/s/
      | .*?/_work/\d+/s/ | [A-Za-z]:[\\/]a[\\/]\d+[\\/]s[\\/]
      | .*?/buildkite(?:-agent)?/builds/[^/]+/[^/]+/[^/]+/
      | .*?[\\/]workspace[\\/][^\\/@]+(?:@\d+)?[\\/]
      | /builds/[^/]+/[^/]+/
    )""",
    re.VERBOSE,
)
# Where a log itself says the checkout is (GitLab's clone, Jenkins, exported variables).
_DECLARED_ROOTS: Final = re.compile(
    r"(?:Git repository in |Building in workspace |Working directory:? |"
    r"(?:GITHUB_WORKSPACE|CI_PROJECT_DIR|WORKSPACE|TRAVIS_BUILD_DIR|BUILDKITE_BUILD_CHECKOUT_PATH)[=:] ?)"
    r"(?P<root>(?:[A-Za-z]:)?[/\\][^\s'\"]+?)(?:[/\\]\.git)?[/\\]?$",
    re.MULTILINE,
)
MAX_DECLARED_ROOTS: Final = 8
_ABSOLUTE: Final = re.compile(r"^(?:/|~|[A-Za-z]:[\\/]|\\\\)")


@dataclass(frozen=True)
class Workspace:
    """The checkout directories a log names, used to make error paths repository-relative."""

    declared: tuple[str, ...] = ()

    @classmethod
    def from_log(cls, text: str) -> Workspace:
        roots = {found.group("root").rstrip("/\\") for found in _DECLARED_ROOTS.finditer(text)}
        ordered = sorted((root for root in roots if len(root) > 1), key=len, reverse=True)
        return cls(tuple(ordered[:MAX_DECLARED_ROOTS]))

    def relative(self, path: str) -> str:
        """``path`` relative to the repository when it lies inside the checkout, else unchanged."""
        for root in self.declared:
            if path.startswith(root) and path[len(root) : len(root) + 1] in ("/", "\\"):
                return _clean(path[len(root) + 1 :])
        found = _WORKSPACE_ROOTS.match(path)
        if found and len(path) > found.end():
            return _clean(path[found.end() :])
        return path if _ABSOLUTE.match(path) else _clean(path)

    def locate(self, location: Location) -> Location:
        return Location(self.relative(location.file), location.line, location.column)


def _clean(relative: str) -> str:
    return relative.replace("\\", "/").removeprefix("./")


# Tools whose errors are located by a traceback, stack frame or file header above them.
LOOKBACK_TOOLS: Final = frozenset(
    {"python", "pytest", "unittest", "node", "jest", "mocha", "eslint", "go", "jvm"}
)
# Tools that print the location on a line below the error (rustc's "--> file:line:col").
LOOKAHEAD_TOOLS: Final = frozenset({"rustc", "clippy", "cargo"})
PYTEST_TOOLS: Final = frozenset({"python", "pytest"})
# Test runners that print the failing test first and its stack (the test's own frame) below it.
TEST_FRAME_TOOLS: Final = frozenset({"jest", "gradle", "dotnet", "phpunit"})
TEST_FRAME_LINES: Final = 25
LOOKAHEAD_LINES: Final = 4
LOOKBACK_LINES: Final = 25
PYTEST_SECTION_LINES: Final = 400
_ARROW = re.compile(r"^\s*--> (?P<file>[^\s:]+(?::[^\s:]+)*?):(?P<line>\d+):(?P<col>\d+)")
GO_TEST_LINES: Final = 40
_GO_TEST_FAILED = re.compile(r"^\s*--- FAIL: ")
_GO_TEST_MESSAGE = re.compile(r"^\s+(?P<file>[\w./-]+_test\.go):(?P<line>\d+):")
_GO_TEST_BOUNDARY = re.compile(r"^\s*(?:--- |=== |FAIL\b|ok\s|PASS$)")
_SECTION_BOUNDARY = re.compile(r"^(?:_{3,} .+ _{3,}|={3,}.*)$")
NEARBY_FORMATS: Final[tuple[re.Pattern[str], ...]] = (
    re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)'),
    re.compile(r"^\s*at .*?\(?(?P<file>[\w./\\@-]+\.\w+):(?P<line>\d+)(?::(?P<col>\d+))?\)?$"),
    re.compile(
        r"^\s*(?P<file>[\w./\\-]+\.(?:go|py|rs|rb|[jt]sx?)):(?P<line>\d+)(?::(?P<col>\d+))?:?(?:\s|$)"
    ),
    re.compile(r"^(?P<file>/[\w./@-]+\.(?:[jt]sx?|mjs|cjs|vue|py))$"),
)

# Stack frames of the test's own code: JS ``at f (file:line:col)``, JVM ``at a.B.c(B.java:12)``,
# .NET ``at A.B() in /path/B.cs:line 12``, PHPUnit's ``/path/FooTest.php:17`` line.
TEST_FRAMES: Final[tuple[re.Pattern[str], ...]] = (
    re.compile(
        r"^\s*at (?:.*\()?(?P<file>(?!node:)[^\s()]+\.(?:[cm]?[jt]sx?|vue)):(?P<line>\d+):(?P<col>\d+)\)?$"
    ),
    re.compile(
        r"^\s*at (?:[\w$.]*/+)?[\w$.<>]+\((?P<file>[\w$]+\.(?:java|kt|scala|groovy)):(?P<line>\d+)\)$"
    ),
    re.compile(r"^\s*at .+ in (?P<file>\S+\.(?:cs|fs|vb)):line (?P<line>\d+)$"),
    re.compile(r"^(?P<file>\S+\.php):(?P<line>\d+)$"),
)
# Frames of the test framework, the runtime or installed packages, not of the project.
_FOREIGN_FRAME = re.compile(
    r"node_modules|/vendor/|at (?:[\w$.]*/+)?(?:java|javax|jdk|sun|kotlin|scala|junit|org\.junit|"
    r"org\.opentest4j|org\.assertj|org\.hamcrest|org\.testng|org\.gradle|worker\.org\.gradle)\."
)
_STACK_FRAME_START = re.compile(r"^\s+at \S")
_NEXT_TEST = re.compile(r"^\s*(?:\u25cf |\d+\) |Failed [\w.]+(?:\(.*\))? \[|FAIL\s|.+ > .+ FAILED$)")


def nearby_location(lines: list[str], index: int, tool: str | None) -> Location | None:
    """The location printed around error line ``index`` in the way ``tool`` prints it."""
    if tool == "go" and _GO_TEST_FAILED.match(lines[index]):
        return _go_test_location(lines, index)
    if tool in LOOKAHEAD_TOOLS:
        for candidate in lines[index + 1 : index + 1 + LOOKAHEAD_LINES]:
            found = _ARROW.match(candidate)
            if found:
                return _location(found)
    if tool in TEST_FRAME_TOOLS:
        return _test_frame_below(lines, index)
    if tool in PYTEST_TOOLS:
        below = _pytest_location_below(lines, index + 1, LOOKBACK_LINES)
        if below:
            return below
    if tool in LOOKBACK_TOOLS:
        return _lookback(lines, index) or _stack_below(lines, index)
    return _stack_below(lines, index)


def _stack_below(lines: list[str], index: int) -> Location | None:
    """An exception whose stack trace starts on the next line points at the first frame of the project."""
    if index + 1 < len(lines) and _STACK_FRAME_START.match(lines[index + 1]):
        return _test_frame_below(lines, index)
    return None


def _go_test_location(lines: list[str], index: int) -> Location | None:
    """The first ``file_test.go:line:`` message ``go test`` printed under ``--- FAIL: TestX``."""
    for candidate in lines[index + 1 : index + 1 + GO_TEST_LINES]:
        found = _GO_TEST_MESSAGE.match(candidate)
        if found:
            return _location(found)
        if _GO_TEST_BOUNDARY.match(candidate):
            break
    return None


def _test_frame_below(lines: list[str], index: int) -> Location | None:
    """The first frame of the project's code in the stack printed under a failed test."""
    for candidate in lines[index + 1 : index + 1 + TEST_FRAME_LINES]:
        if _NEXT_TEST.match(candidate):
            break
        if _FOREIGN_FRAME.search(candidate):
            continue
        for pattern in TEST_FRAMES:
            found = pattern.match(candidate)
            if found:
                return _location(found)
    return None


def pytest_failure_location(lines: list[str], test_id: str) -> Location | None:
    """Where the test ``path::Class::name`` failed: the last location line of its report section."""
    name = test_id.split("::", 1)[-1].replace("::", ".")
    header = f" {name} "
    for index, line in enumerate(lines):
        if line.startswith("___") and line.endswith("___") and header in line:
            return _pytest_location_below(lines, index + 1, PYTEST_SECTION_LINES, last=True)
    return None


def _pytest_location_below(lines: list[str], start: int, limit: int, last: bool = False) -> Location | None:
    found_location: Location | None = None
    for candidate in lines[start : start + limit]:
        if _SECTION_BOUNDARY.match(candidate):
            break
        found = PYTEST_LOCATION.match(candidate)
        if found:
            found_location = _location(found)
            if not last:
                break
    return found_location


def _lookback(lines: list[str], index: int) -> Location | None:
    for candidate in reversed(lines[max(0, index - LOOKBACK_LINES) : index + 1]):
        for pattern in NEARBY_FORMATS:
            found = pattern.search(candidate)
            if found:
                return _location(found)
    return None
