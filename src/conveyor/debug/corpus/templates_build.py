"""Templates for compile_error, test_failure, lint_format and type_check."""

from __future__ import annotations

from functools import partial

from conveyor.debug.corpus.template import Template

CE = partial(Template, "compile_error")
TF = partial(Template, "test_failure")
LF = partial(Template, "lint_format")
TC = partial(Template, "type_check")

COMPILE = (
    CE(
        "c-cpp",
        "make -j2",
        """gcc -O2 -Wall -c {cfile} -o build/{word}.o
{cfile}: In function '{cfunc}':
{cfile}:{n}:{col}: error: '{word2}_len' undeclared (first use in this function)
   {n} |     for (size_t i = 0; i < {word2}_len; i++) {{
      |                            ^~~~~~~~~~
{cfile}:{n}:{col}: note: each undeclared identifier is reported only once for each function it appears in
make: *** [Makefile:{n2}: build/{word}.o] Error 1""",
    ),
    CE(
        "c-cpp",
        "cmake --build build",
        """[ {pct}%] Building CXX object CMakeFiles/{proj}.dir/{cppfile}.o
/home/runner/work/{proj}/{proj}/{cppfile}:{n}:{col}: error: no matching function for call to '{cfunc}(std::string&, int)'
  {n} |     auto r = {cfunc}(name, {count});
      |              ~~~~^~~~~~~~~~~~~~
gmake[2]: *** [CMakeFiles/{proj}.dir/build.make:{n2}: CMakeFiles/{proj}.dir/{cppfile}.o] Error 1
gmake[1]: *** [CMakeFiles/Makefile2:{n}: CMakeFiles/{proj}.dir/all] Error 2
gmake: *** [Makefile:146: all] Error 2""",
    ),
    CE(
        "c-cpp",
        "make",
        """clang -c -o {word}.o {cfile}
{cfile}:{n}:{col}: error: expected ';' after expression
    {cfunc}(ctx)
               ^
               ;
1 error generated.
make: *** [{word}.o] Error 1""",
    ),
    CE(
        "c-cpp",
        "make all",
        """g++ -o build/{proj} build/main.o build/{word}.o
/usr/bin/ld: build/main.o: in function `main':
main.cpp:(.text+0x{n}): undefined reference to `{cfunc}(int, char**)'
/usr/bin/ld: main.cpp:(.text+0x{n2}): undefined reference to `{word}::{word2}::init()'
collect2: error: ld returned 1 exit status
make: *** [Makefile:{n}: build/{proj}] Error 1""",
    ),
    CE(
        "rust",
        "cargo build --locked",
        """   Compiling {proj} v0.{n}.0 (/home/runner/work/{proj}/{proj})
error[E0308]: mismatched types
  --> {rsfile}:{n}:{col}
   |
{n} |     let count: u32 = {word}.len();
   |                ---   ^^^^^^^^^^^ expected `u32`, found `usize`
   |                |
   |                expected due to this

For more information about this error, try `rustc --explain E0308`.
error: could not compile `{proj}` (lib) due to 1 previous error""",
    ),
    CE(
        "rust",
        "cargo test --no-run",
        """error[E0425]: cannot find value `{word}_id` in this scope
  --> {rsfile}:{n}:{col}
   |
{n} |     lookup({word}_id)
   |            ^^^^^^^ not found in this scope

error[E0599]: no method named `{func}` found for struct `{jclass}` in the current scope
  --> {rsfile}:{n2}:14
error: could not compile `{proj}` (bin "{proj}") due to 2 previous errors""",
    ),
    CE(
        "go",
        "go build ./...",
        """# {gopkg}
{gofile}:{n}:{col}: undefined: {jclass}
{gofile}:{n2}:9: cannot use {word} (variable of type string) as int value in argument to {func}""",
    ),
    CE(
        "java",
        "mvn -B compile",
        """[INFO] --- maven-compiler-plugin:3.11.0:compile (default-compile) @ {proj} ---
[INFO] Compiling {total} source files to /home/runner/work/{proj}/{proj}/target/classes
[INFO] -------------------------------------------------------------
[ERROR] COMPILATION ERROR :
[INFO] -------------------------------------------------------------
[ERROR] /home/runner/work/{proj}/{proj}/{javafile}:[{n},{col}] cannot find symbol
  symbol:   method {func}(java.lang.String)
  location: class {jpkg}.{jclass}
[INFO] 1 error
[ERROR] Failed to execute goal org.apache.maven.plugins:maven-compiler-plugin:3.11.0:compile (default-compile) on project {proj}: Compilation failure""",
    ),
    CE(
        "java",
        "./gradlew assemble",
        """> Task :app:compileJava
{javafile}:{n}: error: incompatible types: String cannot be converted to int
        int total = {word}.getName();
                                  ^
1 error

> Task :app:compileJava FAILED

FAILURE: Build failed with an exception.""",
    ),
    CE(
        "java",
        "./gradlew compileKotlin",
        """> Task :app:compileKotlin FAILED
e: file:///home/runner/work/{proj}/{proj}/app/src/main/kotlin/{jclass}.kt:{n}:{col} Unresolved reference: {func}
e: file:///home/runner/work/{proj}/{proj}/app/src/main/kotlin/{jclass}.kt:{n2}:5 Type mismatch: inferred type is String? but String was expected""",
    ),
    CE(
        "python",
        "python -m compileall -q src",
        """*** Error compiling '{pyfile}'...
  File "{pyfile}", line {n}
    def {func}(self, {word}
                       ^
SyntaxError: '(' was never closed""",
    ),
    CE(
        "node",
        "npm run build",
        """> {proj}@{npmver} build
> tsc -p tsconfig.build.json && vite build

{tsfile}({n},{col}): error TS1005: ',' expected.
{tsfile}({n2},3): error TS1128: Declaration or statement expected.""",
    ),
    CE(
        "node",
        "npm run build",
        """[babel] SyntaxError: /home/runner/work/{proj}/{proj}/{jsfile}: Unexpected token ({n}:{col})

  {n} |   const {word} = {{
> {n2} |     ...{word2},,
     |              ^""",
    ),
    CE(
        "dotnet",
        "dotnet build -c Release",
        """  Determining projects to restore...
  All projects are up-to-date for restore.
/src/{jclass}.cs({n},{col}): error CS1002: ; expected [/src/{proj}.csproj]
/src/{jclass}.cs({n2},13): error CS0103: The name '{word}' does not exist in the current context [/src/{proj}.csproj]

Build FAILED.""",
    ),
    CE(
        "docker",
        "docker build .",
        """#12 [builder 5/6] RUN go build -o /out/app ./cmd/app
#12 4.215 # {gopkg}
#12 4.215 {gofile}:{n}:{col}: syntax error: unexpected newline in composite literal; possibly missing comma or }}
#12 ERROR: process "/bin/sh -c go build -o /out/app ./cmd/app" did not complete successfully: exit code: 1
ERROR: failed to solve: process "/bin/sh -c go build -o /out/app ./cmd/app" did not complete successfully: exit code: 1""",
    ),
)

TESTS = (
    TF(
        "python",
        "pytest",
        """{pytest}::{test} PASSED                                  [ {pct}%]
{pytest}::{test2} FAILED                                 [ {pct}%]

=================================== FAILURES ===================================
_______________________________ {test2} ________________________________

    def {test2}():
        result = {func}({count})
>       assert result == {n}
E       assert {n2} == {n}
E        +  where {n2} = {func}({count})

{pytest}:{n}: AssertionError
=========================== short test summary info ============================
FAILED {pytest}::{test2} - assert {n2} == {n}
=================== 1 failed, {total} passed, 3 skipped in {secs}s ===================""",
    ),
    TF(
        "python",
        "tox -e py311",
        """FAILED {pytest}::Test{jclass}::{test} - KeyError: '{word}'
FAILED {pytest}::Test{jclass}::{test2} - AttributeError: 'NoneType' object has no attribute '{word2}'
============ 2 failed, {total} passed, 1 warning in {secs}s ============
py311: exit 1 (34.21 seconds) /home/runner/work/{proj}/{proj}> pytest pid={pid}
  py311: FAIL code 1 (50.12=setup[15.91]+cmd[34.21] seconds)
  evaluation failed :( (50.33 seconds)""",
    ),
    TF(
        "python",
        "python -m unittest discover",
        """......F..E.
======================================================================
FAIL: {test} (tests.test_{word}.{jclass}Tests.{test})
----------------------------------------------------------------------
Traceback (most recent call last):
  File "/app/tests/test_{word}.py", line {n}, in {test}
    self.assertEqual(response.status_code, 200)
AssertionError: 500 != 200

----------------------------------------------------------------------
Ran {total} tests in {secs}s

FAILED (failures=1, errors=1)""",
    ),
    TF(
        "node",
        "npm test",
        """> {proj}@{npmver} test
> jest --ci

PASS src/{word2}.test.js
FAIL src/{word}/{word}.test.ts
  ● {jclass} › should {func} when input is valid

    expect(received).toEqual(expected) // deep equality

    Expected: {n}
    Received: {n2}

      {n} |     const out = {func}(input);
    > {n2} |     expect(out).toEqual({n});
         |                 ^

      at Object.<anonymous> (src/{word}/{word}.test.ts:{n2}:17)

Test Suites: 1 failed, {count} passed, {total} total
Tests:       1 failed, {total} passed, {total} total""",
    ),
    TF(
        "node",
        "npx mocha",
        """  {jclass}
    ✓ creates a {word}
    1) rejects an invalid {word2}

  {count} passing ({n}ms)
  1 failing

  1) {jclass}
       rejects an invalid {word2}:
     AssertionError [ERR_ASSERTION]: Missing expected exception.
      at Context.<anonymous> (test/{word}.spec.js:{n}:12)""",
    ),
    TF(
        "node",
        "npx vitest run",
        """ ❯ src/{word}.test.ts ({count} tests | 1 failed) {n}ms
   × {func} > returns the cached value
     → expected {n2} to be {n} // Object.is equality

 Test Files  1 failed | {count} passed ({total})
      Tests  1 failed | {total} passed ({total})""",
    ),
    TF(
        "go",
        "go test ./...",
        """=== RUN   Test{jclass}
    {word}_test.go:{n}: expected status 200, got 500
--- FAIL: Test{jclass} ({secs}s)
=== RUN   Test{jclass}/empty_input
FAIL
FAIL	{gopkg}	{secs}s
ok  	{gopkg}/util	0.{n}s""",
    ),
    TF(
        "rust",
        "cargo test",
        """running {count} tests
test {word}::tests::{func} ... ok
test {word}::tests::{test} ... FAILED

failures:

---- {word}::tests::{test} stdout ----
thread '{word}::tests::{test}' panicked at {rsfile}:{n}:9:
assertion `left == right` failed
  left: {n}
 right: {n2}

failures:
    {word}::tests::{test}

test result: FAILED. {count} passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in {secs}s

error: test failed, to rerun pass `--lib`""",
    ),
    TF(
        "java",
        "mvn -B test",
        """[INFO] Running {jpkg}.{jclass}Test
[ERROR] Tests run: {count}, Failures: 1, Errors: 0, Skipped: 0, Time elapsed: {secs} s <<< FAILURE! -- in {jpkg}.{jclass}Test
[ERROR] {jpkg}.{jclass}Test.should{jclass} -- Time elapsed: 0.0{n} s <<< FAILURE!
org.opentest4j.AssertionFailedError: expected: <{n}> but was: <{n2}>
	at {jpkg}.{jclass}Test.should{jclass}({jclass}Test.java:{n})
[INFO]
[INFO] Results:
[INFO]
[ERROR] Failures:
[ERROR]   {jclass}Test.should{jclass}:{n} expected: <{n}> but was: <{n2}>
[INFO]
[ERROR] Tests run: {total}, Failures: 1, Errors: 0, Skipped: 2
[ERROR] Failed to execute goal org.apache.maven.plugins:maven-surefire-plugin:3.2.5:test (default-test) on project {proj}: There are test failures.""",
    ),
    TF(
        "java",
        "./gradlew test",
        """> Task :app:test FAILED

{jclass}Test > {func}() FAILED
    java.lang.AssertionError at {jclass}Test.java:{n}

{total} tests completed, 1 failed, 2 skipped

FAILURE: Build failed with an exception.

* What went wrong:
Execution failed for task ':app:test'.
> There were failing tests. See the report at: file:///home/runner/work/{proj}/{proj}/app/build/reports/tests/test/index.html""",
    ),
    TF(
        "ruby",
        "bundle exec rspec",
        """Failures:

  1) {jclass} #{func} returns the {word}
     Failure/Error: expect(subject.{func}).to eq({n})

       expected: {n}
            got: {n2}
     # ./spec/{word}_spec.rb:{n2}:in `block (3 levels) in <top (required)>'

Finished in {secs} seconds (files took 1.2 seconds to load)
{total} examples, 1 failure

Failed examples:

rspec ./spec/{word}_spec.rb:{n} # {jclass} #{func} returns the {word}""",
    ),
    TF(
        "c-cpp",
        "ctest --output-on-failure",
        """{count}/{total} Test #{count}: {word}_test .........................***Failed    {secs} sec
[ RUN      ] {jclass}.{func}
{cppfile}:{n}: Failure
Expected equality of these values:
  {word}.size()
    Which is: {n2}
  {n}
[  FAILED  ] {jclass}.{func} ({n} ms)

{pct}% tests passed, 1 tests failed out of {total}""",
    ),
    TF(
        "php",
        "vendor/bin/phpunit",
        """PHPUnit 10.5.{n} by Sebastian Bergmann and contributors.

...F....  {count} / {total} ({pct}%)

There was 1 failure:

1) Tests\\{jclass}Test::test{jclass}
Failed asserting that {n2} matches expected {n}.

/app/tests/{jclass}Test.php:{n}

FAILURES!
Tests: {total}, Assertions: {n}, Failures: 1.""",
    ),
)

LINT = (
    LF(
        "python",
        "ruff check .",
        """{pyfile}:{n}:{col}: F401 [*] `{pymod}` imported but unused
{pyfile}:{n2}:89: E501 Line too long (104 > 88)
tests/test_{word2}.py:{n}:5: B006 Do not use mutable data structures for argument defaults
Found 3 errors.
[*] 1 fixable with the `--fix` option.""",
    ),
    LF(
        "python",
        "flake8 src tests",
        """./{pyfile}:{n}:{col}: E302 expected 2 blank lines, found 1
./{pyfile}:{n2}:80: E501 line too long (97 > 79 characters)
./{pytest}:{n}:1: F811 redefinition of unused '{func}' from line {n2}""",
    ),
    LF(
        "python",
        "black --check .",
        """would reformat {pyfile}
would reformat {pytest}

Oh no! 💥 💔 💥
2 files would be reformatted, {total} files would be left unchanged.""",
    ),
    LF(
        "python",
        "ruff format --check",
        """Would reformat: {pyfile}
Would reformat: src/{pkgdir}/{word2}.py
2 files would be reformatted, {total} files already formatted""",
    ),
    LF(
        "python",
        "isort --check-only --diff .",
        """ERROR: /home/runner/work/{proj}/{proj}/{pyfile} Imports are incorrectly sorted and/or formatted.
--- /home/runner/work/{proj}/{proj}/{pyfile}:before
+++ /home/runner/work/{proj}/{proj}/{pyfile}:after
@@ -1,5 +1,5 @@
-import {pymod2}
 import os
+import {pymod2}""",
    ),
    LF(
        "python",
        "pylint src",
        """************* Module {pkgdir}.{word}
{pyfile}:{n}:0: C0116: Missing function or method docstring (missing-function-docstring)
{pyfile}:{n2}:4: W0612: Unused variable '{word2}' (unused-variable)

------------------------------------------------------------------
Your code has been rated at 8.{n}/10 (previous run: 9.12/10, -0.{count})""",
    ),
    LF(
        "node",
        "npm run lint",
        """> {proj}@{npmver} lint
> eslint . --max-warnings 0

/home/runner/work/{proj}/{proj}/{jsfile}
  {n}:{col}  error  '{word2}' is assigned a value but never used  no-unused-vars
  {n2}:3   error  Unexpected console statement                   no-console

/home/runner/work/{proj}/{proj}/{tsxfile}
  {n}:{col}  warning  React Hook useEffect has a missing dependency: '{word}'  react-hooks/exhaustive-deps

✖ 3 problems (2 errors, 1 warning)""",
    ),
    LF(
        "node",
        "npx prettier --check .",
        """Checking formatting...
[warn] {tsfile}
[warn] {tsxfile}
[warn] Code style issues found in 2 files. Run Prettier with --write to fix.""",
    ),
    LF(
        "go",
        "golangci-lint run",
        """{gofile}:{n}:{col}: Error return value of `{word}.Close` is not checked (errcheck)
	defer {word}.Close()
	            ^
{gofile}:{n2}:2: ineffectual assignment to err (ineffassign)
level=error msg="[linters_context] typechecking error: ..." """,
    ),
    LF(
        "go",
        "test -z $(gofmt -l .)",
        """+ gofmt -l .
{gofile}
internal/{word2}/handler.go
Error: the following files are not gofmt-ed (gofmt -l returned files), run 'gofmt -w .'""",
    ),
    LF(
        "rust",
        "cargo clippy -- -D warnings",
        """    Checking {proj} v0.1.0 (/home/runner/work/{proj}/{proj})
error: this `if` has identical blocks
  --> {rsfile}:{n}:{col}
   |
{n} |     if {word}.is_empty() {{
   |                       ^
   = help: for further information visit https://rust-lang.github.io/rust-clippy/master/index.html#if_same_then_else
   = note: `-D clippy::if-same-then-else` implied by `-D warnings`

error: could not compile `{proj}` (lib) due to 1 previous error""",
    ),
    LF(
        "rust",
        "cargo fmt --all -- --check",
        """Diff in /home/runner/work/{proj}/{proj}/{rsfile} at line {n}:
 use std::collections::HashMap;
-use {crate}::{{Deserialize,Serialize}};
+use {crate}::{{Deserialize, Serialize}};""",
    ),
    LF(
        "go",
        "staticcheck ./...",
        """{gofile}:{n}:{col}: this value of err is never used (SA4006)
{gofile}:{n2}:2: should use fmt.Errorf(...) instead of errors.New(fmt.Sprintf(...)) (S1028)""",
    ),
    LF(
        "c-cpp",
        "clang-format --dry-run -Werror src/*.c",
        """{cfile}:{n}:{col}: error: code should be clang-formatted [-Wclang-format-violations]
    if({word}==NULL) return -1;
      ^""",
    ),
    LF(
        "ruby",
        "bundle exec rubocop",
        """Inspecting {total} files
...C....W.

Offenses:

app/models/{word}.rb:{n}:{col}: C: [Correctable] Style/StringLiterals: Prefer single-quoted strings when you don't need string interpolation or special symbols.
app/models/{word}.rb:{n2}:3: W: Lint/UselessAssignment: Useless assignment to variable - {word2}.

{total} files inspected, 2 offenses detected, 1 offense autocorrectable""",
    ),
    LF(
        "shell",
        "pre-commit run --all-files",
        """trim trailing whitespace.................................................Passed
fix end of files.........................................................Passed
check yaml...............................................................Passed
ruff.....................................................................Failed
- hook id: ruff
- exit code: 1

{pyfile}:{n}:{col}: F841 Local variable `{word}` is assigned to but never used
Found 1 error.""",
    ),
    LF(
        "shell",
        "shellcheck scripts/*.sh",
        """In scripts/deploy.sh line {n}:
cd $DEPLOY_DIR
^-----------^ SC2164 (warning): Use 'cd ... || exit' or 'cd ... || return' in case cd fails.
   ^---------^ SC2086 (info): Double quote to prevent globbing and word splitting.""",
    ),
)

TYPES = (
    TC(
        "python",
        "mypy src",
        """{pyfile}:{n}: error: Incompatible types in assignment (expression has type "str", variable has type "int")  [assignment]
{pyfile}:{n2}: error: Argument 1 to "{func}" has incompatible type "list[str]"; expected "Sequence[int]"  [arg-type]
src/{pkgdir}/{word2}.py:{n}: error: Item "None" of "Optional[{jclass}]" has no attribute "{word}"  [union-attr]
Found 3 errors in 2 files (checked {total} source files)""",
    ),
    TC(
        "python",
        "mypy --strict .",
        """{pyfile}:{n}: error: Function is missing a return type annotation  [no-untyped-def]
{pyfile}:{n2}: error: Returning Any from function declared to return "dict[str, int]"  [no-any-return]
{pyfile}:{n2}: note: Use "-> None" if function does not return a value
Found 2 errors in 1 file (checked {total} source files)""",
    ),
    TC(
        "python",
        "pyright",
        """/home/runner/work/{proj}/{proj}/{pyfile}
  /home/runner/work/{proj}/{proj}/{pyfile}:{n}:{col} - error: Argument of type "str | None" cannot be assigned to parameter "{word}" of type "str" in function "{func}"
    Type "str | None" is not assignable to type "str"
      "None" is not assignable to "str" (reportArgumentType)
  /home/runner/work/{proj}/{proj}/{pyfile}:{n2}:9 - error: "{word2}" is not a known attribute of module "{pymod}" (reportAttributeAccessIssue)
2 errors, 0 warnings, 0 informations""",
    ),
    TC(
        "node",
        "npx tsc --noEmit",
        """{tsfile}({n},{col}): error TS2322: Type 'string' is not assignable to type 'number'.
{tsxfile}({n2},7): error TS2339: Property '{word}' does not exist on type '{jclass}Props'.
{tsfile}({n2},{col}): error TS2345: Argument of type 'undefined' is not assignable to parameter of type '{jclass}'.

Found 3 errors in 2 files.

Errors  Files
     2  {tsfile}:{n}
     1  {tsxfile}:{n2}""",
    ),
    TC(
        "node",
        "npm run typecheck",
        """> {proj}@{npmver} typecheck
> tsc -b --pretty

{tsfile}:{n}:{col} - error TS2741: Property '{word}' is missing in type '{{ id: string; }}' but required in type '{jclass}'.

{n}     const item: {jclass} = {{ id }};
              ~~~~

Found 1 error in {tsfile}:{n}""",
    ),
    TC(
        "node",
        "vue-tsc --noEmit",
        """src/components/{jclass}.vue:{n}:{col} - error TS2532: Object is possibly 'undefined'.

{n}       return props.{word}.length
                      ~~~~~~~~~~~

Found 1 error in src/components/{jclass}.vue:{n}""",
    ),
    TC(
        "python",
        "pre-commit run mypy --all-files",
        """mypy.....................................................................Failed
- hook id: mypy
- exit code: 1

{pyfile}:{n}: error: Missing positional argument "{word}" in call to "{func}"  [call-arg]
{pytest}:{n2}: error: Module "{pymod}" has no attribute "{word2}"  [attr-defined]
Found 2 errors in 2 files (checked {total} source files)""",
    ),
    TC(
        "python",
        "make typecheck",
        """mypy --config-file pyproject.toml src/
{pyfile}:{n}: error: Cannot find implementation or library stub for module named "{pymod}"  [import-not-found]
{pyfile}:{n}: note: See https://mypy.readthedocs.io/en/stable/running_mypy.html#missing-imports
{pyfile}:{n2}: error: Unsupported operand types for + ("int" and "str")  [operator]
Found 2 errors in 1 file (checked {total} source files)
make: *** [Makefile:{n}: typecheck] Error 1""",
    ),
    TC(
        "php",
        "vendor/bin/phpstan analyse",
        """ ------ -----------------------------------------------------------------
  Line   src/{jclass}.php
 ------ -----------------------------------------------------------------
  {n}     Method App\\{jclass}::{func}() should return int but returns string|null.
  {n2}    Parameter #1 ${word} of function {func} expects array, string given.
 ------ -----------------------------------------------------------------

 [ERROR] Found 2 errors""",
    ),
    TC(
        "ruby",
        "bundle exec srb tc",
        """app/{word}.rb:{n}: Method `{func}` does not exist on `{jclass}` https://srb.help/7003
    {n} |    {word}.{func}
              ^^^^^^^^^^
Errors: 1""",
    ),
    TC(
        "python",
        "pytype -j auto",
        """FAILED: /home/runner/work/{proj}/{proj}/.pytype/pyi/{pkgdir}/{word}.pyi
File "{pyfile}", line {n}, in {func}: unsupported operand type(s) for +: int and str [unsupported-operands]
  Function __add__ on int expects int
For more details, see https://google.github.io/pytype/errors.html#unsupported-operands
ninja: build stopped: subcommand failed.""",
    ),
)
