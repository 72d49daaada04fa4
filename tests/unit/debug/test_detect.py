from __future__ import annotations

import pytest

from conveyor.debug.detect import MAX_ERRORS, detect, detect_in_text
from conveyor.debug.schemas import DetectedError

# (log, kind, tool, file, line, exit_code) of the first error detected.
CASES = [
    (
        'Traceback (most recent call last):\n  File "app/main.py", line 3, in <module>\n'
        "    import yaml\nModuleNotFoundError: No module named 'yaml'",
        "import_error",
        "python",
        "app/main.py",
        3,
        None,
    ),
    (
        "FAILED tests/test_api.py::test_login - assert 200 == 401",
        "test_failed",
        "pytest",
        "tests/test_api.py",
        None,
        None,
    ),
    ("FAIL: test_add (tests.test_math.MathTests.test_add)", "test_failed", "unittest", None, None, None),
    ("ERROR: No matching distribution found for reqeusts==9.9", "package_not_found", "pip", None, None, None),
    (
        "ERROR: ResolutionImpossible: for help visit https://pip.pypa.io",
        "resolution_conflict",
        "pip",
        None,
        None,
        None,
    ),
    (
        "Because app depends on a (^1) which depends on b (<2), version solving failed.",
        "resolution_conflict",
        "poetry",
        None,
        None,
        None,
    ),
    ("npm ERR! code ERESOLVE", "resolution_conflict", "npm", None, None, None),
    (
        'error Couldn\'t find package "left-pad@^9" required by "app"',
        "package_not_found",
        "yarn",
        None,
        None,
        None,
    ),
    (
        " ERR_PNPM_OUTDATED_LOCKFILE  Cannot install with frozen-lockfile",
        "config_error",
        "pnpm",
        None,
        None,
        None,
    ),
    (
        "src/a.ts(12,5): error TS2322: Type 'string' is not assignable to type 'number'.",
        "type_error",
        "tsc",
        "src/a.ts",
        12,
        None,
    ),
    (
        "/repo/src/a.js\n  7:3  error  'x' is not defined  no-undef",
        "lint_violation",
        "eslint",
        "/repo/src/a.js",
        7,
        None,
    ),
    (
        "src/io.c:42:7: error: 'len' undeclared (first use in this function)",
        "compiler_error",
        "gcc",
        "src/io.c",
        42,
        None,
    ),
    (
        "src/io.c:3:10: fatal error: zlib.h: No such file or directory",
        "missing_header",
        "gcc",
        "src/io.c",
        3,
        None,
    ),
    ("main.cpp:(.text+0x1a): undefined reference to `init()'", "link_error", "ld", None, None, None),
    ("make: *** [Makefile:12: all] Error 2", "build_failed", "make", None, None, 2),
    ("CMake Error at CMakeLists.txt:20 (find_package):", "config_error", "cmake", "CMakeLists.txt", 20, None),
    (
        "[ERROR] /w/src/main/java/a/B.java:[10,5] cannot find symbol",
        "compiler_error",
        "javac",
        "/w/src/main/java/a/B.java",
        10,
        None,
    ),
    ("> Task :app:test FAILED", "build_failed", "gradle", None, None, None),
    ("./cmd/main.go:14:2: undefined: Foo", "compiler_error", "go", "cmd/main.go", 14, None),
    ("--- FAIL: TestParse (0.00s)", "test_failed", "go", None, None, None),
    (
        "error[E0308]: mismatched types\n  --> src/lib.rs:4:18",
        "compiler_error",
        "rustc",
        "src/lib.rs",
        4,
        None,
    ),
    (
        "error: this `if` has identical blocks\n  --> src/a.rs:3:5\n   = help: visit https://rust-lang.github.io/rust-clippy/",
        "lint_violation",
        "clippy",
        "src/a.rs",
        3,
        None,
    ),
    ("test tests::parses ... FAILED", "test_failed", "cargo", None, None, None),
    (
        "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
        "docker_daemon",
        "docker",
        None,
        None,
        None,
    ),
    ("./ci.sh: line 4: shellcheck: command not found", "command_not_found", "shell", None, None, None),
    ("##[error]Process completed with exit code 127.", "command_not_found", None, None, None, 127),
    ("ERROR: Job failed: exit code 137", "oom_killed", None, None, None, 137),
    (
        "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
        "out_of_memory",
        "node",
        None,
        None,
        None,
    ),
    (
        "##[error]The job running on runner GitHub Actions 3 has exceeded the maximum execution time"
        " of 360 minutes.",
        "timeout",
        "github-actions",
        None,
        None,
        None,
    ),
    ("##[error]The operation was canceled.", "cancelled", "github-actions", None, None, None),
    (
        "The runner has received a shutdown signal. This can happen when the runner service is stopped.",
        "runner_lost",
        "github-actions",
        None,
        None,
        None,
    ),
    (
        "ERROR: Job failed: execution took longer than 1h0m0s seconds",
        "timeout",
        "gitlab-ci",
        None,
        None,
        None,
    ),
    (
        "Build timed out (after 30 minutes). Marking the build as aborted.",
        "timeout",
        "jenkins",
        None,
        None,
        None,
    ),
    (
        "No output has been received in the last 10m0s, this potentially indicates a stalled build",
        "timeout",
        "travis",
        None,
        None,
        None,
    ),
    ("write /var/lib/docker/x: no space left on device", "disk_full", None, None, None, None),
    (
        "fatal: unable to access 'https://github.com/a/b/': The requested URL returned error: 403",
        "auth_failed",
        None,
        None,
        None,
        None,
    ),
    ("curl: (6) Could not resolve host: example.com", "network_error", None, None, None, None),
]


@pytest.mark.parametrize(("log", "kind", "tool", "file", "line", "exit_code"), CASES)
def test_first_error_has_expected_structure(
    log: str, kind: str, tool: str | None, file: str | None, line: int | None, exit_code: int | None
) -> None:
    first = detect(log)[0]
    assert (first.kind, first.tool, first.file, first.line, first.exit_code) == (
        kind,
        tool,
        file,
        line,
        exit_code,
    )


def test_each_error_has_message_and_excerpt_from_the_log() -> None:
    log = (
        "step one\nstep two\nnpm ERR! code E404\nnpm ERR! 404 Not Found - GET https://registry.npmjs.org/nope"
    )
    errors = detect(log)
    assert errors[0].message == "code E404"
    assert "step two" in errors[0].excerpt and "npm ERR! code E404" in errors[0].excerpt


def test_repeated_errors_are_reported_once() -> None:
    log = "\n".join(["error: could not compile `app` (lib) due to 1 previous error"] * 5)
    assert len(detect(log)) == 1


def test_number_of_errors_is_bounded() -> None:
    log = "\n".join(f"src/f{i}.c:{i}:1: error: bad thing {i}" for i in range(200))
    assert len(detect(log)) == MAX_ERRORS


def test_tool_falls_back_to_the_command_that_was_run() -> None:
    errors = detect("$ pip install -r requirements.txt\nConnection reset by peer")
    assert errors[0].tool == "pip"


def test_no_errors_in_a_clean_log() -> None:
    assert detect_in_text("Compiling app v0.1.0\nFinished release in 3.2s") == []


def test_errors_are_frozen_models() -> None:
    error = detect("npm ERR! code ERESOLVE")[0]
    assert isinstance(error, DetectedError)
    with pytest.raises(ValueError, match="frozen"):
        error.kind = "other"  # type: ignore[misc]


# Edges of the labels (docs/diagnosis.md): what each of these lines is detected as.
EDGE_CASES = [
    (
        "/x/glualint: error while loading shared libraries: libffi.so.6: cannot open shared object file",
        "missing_library",
    ),
    ('exec: "pytest": executable file not found in $PATH: unknown', "missing_library"),
    ("./scripts/ci.sh: line 117: cd: ./scripts/travis: No such file or directory", "missing_script"),
    ("/bin/bash: line 3: ./ci/build.sh: No such file or directory", "missing_script"),
    ("No Rakefile found (looking for: rakefile, Rakefile, rakefile.rb, Rakefile.rb)", "config_error"),
    ("fatal: unable to access 'https://github.com/vim/vim/': Empty reply from server", "network_error"),
    ("suite:send_recv failed on line 593\nReason: timetrap_timeout", "test_failed"),
    ("Reason: timetrap_timeout", "timeout"),
    ('The command "timeout 35m ci/build.sh" exited with 124.', "timeout"),
    (
        "internal/a/b.go:63:3: the goroutine calls T.Fatalf, which must be called in the test (SA2002)",
        "lint_violation",
    ),
    ("[ant:checkstyle] [ERROR] /a/B.java:3:1: x [Rule]", "lint_violation"),
    ("lto-wrapper: Morto signal terminated program lto1", "out_of_memory"),
    (r"C:\a\main.cpp(12): fatal error C1083: Cannot open include file: 'x.h'", "missing_header"),
    ("    - a/b dev-master requires c/d ~5.0 -> no matching package found.", "package_not_found"),
]


@pytest.mark.parametrize(("log", "kind"), EDGE_CASES)
def test_label_edges_are_detected_as_their_kind(log: str, kind: str) -> None:
    assert detect(log)[0].kind == kind
