from __future__ import annotations

import pytest

from conveyor.debug import classify_log, detect
from conveyor.debug.locations import Location, Workspace, parse_location

PYTEST_LOG = """\
Run python -m pytest tests
============================= test session starts ==============================
collected 412 items

tests/test_converters.py ....F.....                                      [  2%]

=================================== FAILURES ===================================
_____________________ TestOptional.test_fail _____________________

self = <tests.test_converters.TestOptional object at 0x7f>

    def test_fail(self):
>       c = optional(int)("not_an_int")

tests/test_converters.py:57:
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _

val = 'not_an_int'

    def optional_converter(val):
        if val is None:
            return None
>       return converter(val)
E       ValueError: invalid literal for int() with base 10: 'not_an_int'

/home/runner/work/attrs/attrs/src/attr/converters.py:144: ValueError
=========================== short test summary info ============================
FAILED tests/test_converters.py::TestOptional::test_fail - ValueError: invalid literal
========================= 1 failed, 411 passed in 3.21s =========================
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[ERROR] /src/App.java:[12,5] cannot find symbol", Location("/src/App.java", 12, 5)),
        ("src/a.ts(12,5): error TS2322: Type 'string'", Location("src/a.ts", 12, 5)),
        ("Program.cs(3,9): error CS1002: ; expected", Location("Program.cs", 3, 9)),
        ("  --> src/main.rs:3:5", Location("src/main.rs", 3, 5)),
        ('  File "app/main.py", line 3, in <module>', Location("app/main.py", 3, None)),
        ("src/io.c:42:7: error: 'len' undeclared", Location("src/io.c", 42, 7)),
        ("./main.go:12:5: undefined: foo", Location("./main.go", 12, 5)),
        ("    main_test.go:25: expected 3, got 4", Location("main_test.go", 25, None)),
        ("src/attr/converters.py:144: TypeError", Location("src/attr/converters.py", 144, None)),
        (r"C:\a\r\r\src\lib.rs:7:1: error", Location(r"C:\a\r\r\src\lib.rs", 7, 1)),
    ],
)
def test_every_known_location_format_is_read(text: str, expected: Location) -> None:
    assert parse_location(text) == expected


@pytest.mark.parametrize(
    "text",
    ["curl: (7) Failed to connect to example.org:443", "pip 23.1:2 installed", "see https://x.io/a.py:3"],
)
def test_hosts_versions_and_urls_are_not_locations(text: str) -> None:
    assert parse_location(text) is None


@pytest.mark.parametrize(
    ("path", "relative"),
    [
        ("/home/runner/work/attrs/attrs/src/attr/converters.py", "src/attr/converters.py"),
        ("/__w/app/app/pkg/mod.go", "pkg/mod.go"),
        (r"D:\a\app\app\src\Program.cs", "src/Program.cs"),
        ("/builds/group/project/lib/x.rb", "lib/x.rb"),
        ("/var/lib/jenkins/workspace/my-job@2/src/main.c", "src/main.c"),
        ("/home/travis/build/owner/repo/test/a.js", "test/a.js"),
        ("/home/circleci/project/app.py", "app.py"),
        ("/home/vsts/work/1/s/src/App.java", "src/App.java"),
        ("/var/lib/buildkite-agent/builds/agent-1/org/pipe/cmd/main.go", "cmd/main.go"),
        (
            "/usr/lib/python3.12/site-packages/yaml/__init__.py",
            "/usr/lib/python3.12/site-packages/yaml/__init__.py",
        ),
        ("src/already/relative.py", "src/already/relative.py"),
    ],
)
def test_paths_inside_the_ci_checkout_become_repository_relative(path: str, relative: str) -> None:
    assert Workspace().relative(path) == relative


def test_a_checkout_the_log_declares_is_used() -> None:
    workspace = Workspace.from_log("Initialized empty Git repository in /ci/deep/group/project/.git/\n")
    assert workspace.relative("/ci/deep/group/project/src/a.c") == "src/a.c"


def test_the_pytest_failure_points_at_the_line_that_raised_in_the_repository() -> None:
    failed = next(error for error in detect(PYTEST_LOG) if error.kind == "test_failed")
    assert (failed.file, failed.line) == ("src/attr/converters.py", 144)
    assert failed.test == "tests/test_converters.py::TestOptional::test_fail"
    raised = next(error for error in detect(PYTEST_LOG) if error.message.startswith("ValueError"))
    assert (raised.file, raised.line) == ("src/attr/converters.py", 144)


def test_classification_lists_the_failing_tests() -> None:
    result = classify_log(PYTEST_LOG)
    assert result.failing_tests == ["tests/test_converters.py::TestOptional::test_fail"]
    assert "failing_tests" in result.model_dump()


@pytest.mark.parametrize(
    ("log", "file", "line", "column"),
    [
        (
            "[ERROR] /home/runner/work/app/app/core/src/main/java/a/App.java:[12,5] cannot find symbol",
            "core/src/main/java/a/App.java",
            12,
            5,
        ),
        ("src/a.ts(12,5): error TS2322: Type 'string' is not assignable", "src/a.ts", 12, 5),
        ("error[E0425]: cannot find value `x`\n  --> src/main.rs:3:5\n   |", "src/main.rs", 3, 5),
        ("/home/travis/build/o/r/src/io.c:42:7: error: 'len' undeclared", "src/io.c", 42, 7),
        ("# example.com/app\n./main.go:12:5: undefined: foo", "main.go", 12, 5),
        (
            r"D:\a\runtime\runtime\src\libraries\System.Text.Json\src\System\Text\Json\JsonSerializer.cs(42,17):"
            r" error CS0103: The name 'foo' does not exist in the current context"
            r" [D:\a\runtime\runtime\src\libraries\System.Text.Json\src\System.Text.Json.csproj]",
            "src/libraries/System.Text.Json/src/System/Text/Json/JsonSerializer.cs",
            42,
            17,
        ),
        (
            "=== RUN   TestParse\n--- FAIL: TestParse (0.00s)\n    parse_test.go:25: got 3, want 4\nFAIL",
            "parse_test.go",
            25,
            None,
        ),
        (
            "e: file:///home/runner/work/r/r/app/src/main/kotlin/A.kt:12:5 Unresolved reference: foo",
            "app/src/main/kotlin/A.kt",
            12,
            5,
        ),
        ("e: /builds/g/p/src/A.kt: (12, 5): Unresolved reference: foo", "src/A.kt", 12, 5),
        (
            r"D:\a\r\r\src\gmock-actions.h(819,36): error C2039: 'result_of': is not a member of 'std'"
            r" [D:\a\r\r\build\unit_tests.vcxproj]",
            "src/gmock-actions.h",
            819,
            36,
        ),
        (
            "/Users/runner/work/r/r/Sources/App/Model.swift:58:29: error: cannot find 'x' in scope",
            "Sources/App/Model.swift",
            58,
            29,
        ),
        (
            "[error] /home/runner/work/r/r/src/main/scala/A.scala:12:5: not found: value foo",
            "src/main/scala/A.scala",
            12,
            5,
        ),
        (
            "/home/runner/work/r/r/lib/a.rb:12:in `foo': undefined method `bar' for nil (NoMethodError)",
            "lib/a.rb",
            12,
            None,
        ),
    ],
)
def test_detected_errors_carry_file_line_and_column(
    log: str, file: str, line: int, column: int | None
) -> None:
    error = detect(log)[0]
    assert (error.file, error.line, error.column) == (file, line, column)


@pytest.mark.parametrize(
    ("log", "test", "location"),
    [
        (
            "FAIL src/sum.test.js\n  \u25cf sum \u203a adds\n\n    expect(received).toBe(expected)\n\n"
            "      at Object.<anonymous> (src/sum.test.js:4:17)\n      at node_modules/x/index.js:1:1",
            "sum \u203a adds",
            ("src/sum.test.js", 4, 17),
        ),
        (
            "thread 'tests::it_works' panicked at src/lib.rs:10:9:\nassertion `left == right` failed",
            "tests::it_works",
            ("src/lib.rs", 10, 9),
        ),
        (
            "thread 'tests::old' panicked at 'assertion failed: x', /home/runner/work/r/r/src/lib.rs:3:5",
            "tests::old",
            ("src/lib.rs", 3, 5),
        ),
        (
            "  Failed App.Tests.MathTests.Adds [12 ms]\n  Error Message:\n   Assert.Equal() Failure\n"
            "  Stack Trace:\n     at App.Tests.MathTests.Adds()"
            " in /home/runner/work/r/r/tests/MathTests.cs:line 12",
            "App.Tests.MathTests.Adds",
            ("tests/MathTests.cs", 12, None),
        ),
        (
            "1) Tests\\Unit\\FooTest::testBar\nFailed asserting that false is true.\n\n"
            "/home/runner/work/r/r/tests/Unit/FooTest.php:17",
            "Tests\\Unit\\FooTest::testBar",
            ("tests/Unit/FooTest.php", 17, None),
        ),
        (
            "AppTest > testAdd() FAILED\n    org.opentest4j.AssertionFailedError: expected: <3>\n"
            "        at app//org.junit.jupiter.api.AssertionUtils.fail(AssertionUtils.java:151)\n"
            "        at app//a.AppTest.testAdd(AppTest.java:12)",
            "AppTest > testAdd()",
            ("AppTest.java", 12, None),
        ),
    ],
)
def test_a_failed_test_points_at_its_own_frame_below_it(
    log: str, test: str, location: tuple[str, int, int | None]
) -> None:
    failed = next(error for error in detect(log) if error.test == test)
    assert (failed.file, failed.line, failed.column) == location


def test_a_panic_outside_a_test_names_no_test() -> None:
    assert not any(error.test for error in detect("thread 'main' panicked at src/main.rs:10:9:\nboom"))


@pytest.mark.parametrize(
    ("log", "test"),
    [
        ("--- FAIL: TestParse (0.00s)\n    parse_test.go:25: got 3", "TestParse"),
        ("test parser::tests::empty ... FAILED", "parser::tests::empty"),
        ("rspec ./spec/models/user_spec.rb:12 # User validates email", "User validates email"),
        (
            "[ERROR] Failures:\n[ERROR]   CalculatorTest.testAdd:42 expected:<3> but was:<4>",
            "CalculatorTest.testAdd",
        ),
        (
            "There was 1 failure:\n\n1) Tests\\Unit\\FooTest::testBar\nFailed asserting",
            "Tests\\Unit\\FooTest::testBar",
        ),
        ("  Failed App.Tests.MathTests.Adds [12 ms]", "App.Tests.MathTests.Adds"),
        (
            "FAIL: test_add (tests.test_math.MathTests.test_add)",
            "test_add (tests.test_math.MathTests.test_add)",
        ),
        ("t/parse.t ........ Dubious, test returned 1 (wstat 256, 0x100)", "t/parse.t"),
        ("  1) test parses dates (App.ParserTest)\n     test/parser_test.exs:12", "parses dates"),
        ("inet_SUITE:t_gethostnative failed on line 696\nReason: case_clause", "inet_SUITE:t_gethostnative"),
        ("[info] - should drop requests *** FAILED ***", "should drop requests"),
        (
            "Tests.swift:9: error: -[AppTests.ParserTests testDates] : XCTAssertEqual failed",
            "AppTests.ParserTests testDates",
        ),
    ],
)
def test_failing_test_names_are_read_from_each_runner(log: str, test: str) -> None:
    assert test in [error.test for error in detect(log)]


def test_nuget_restore_errors_are_dependency_errors() -> None:
    (missing,) = detect(
        "/home/runner/work/app/app/src/App/App.csproj : error NU1101: Unable to find package"
        " Foo.Bar. No packages exist with this id in source(s): nuget.org"
    )
    assert (missing.kind, missing.tool) == ("package_not_found", "nuget")
    assert missing.message.endswith("nuget.org")


def test_an_exception_points_at_the_first_frame_of_the_project_in_its_stack() -> None:
    (error,) = detect(
        "TypeError: Cannot read properties of undefined (reading 'x')\n"
        "    at render (/home/runner/work/r/r/node_modules/react-dom/index.js:3:1)\n"
        "    at App (/home/runner/work/r/r/src/App.tsx:12:5)"
    )
    assert (error.file, error.line, error.column) == ("src/App.tsx", 12, 5)
