"""Detection rules for language toolchains: compilers, package managers, test runners.

Each row is ``(kind, tool, pattern)``. Patterns run with ``re.MULTILINE`` over the
normalized log and may capture ``msg``, ``file``, ``line`` and ``code`` (exit code).
Earlier rows win when several match the same line, so specific rows come first.
"""

from __future__ import annotations

from typing import Final

RuleRow = tuple[str, str | None, str]

_PY_FILE = r"(?P<file>[\w./\\-]+\.pyi?)"
_C_FILE = r"(?P<file>[\w./\\+-]+\.(?:c|cc|cpp|cxx|c\+\+|h|hh|hpp|hxx|m|mm|cu))"

PYTHON_RULES: Final[tuple[RuleRow, ...]] = (
    ("import_error", "python", r"^(?:E\s+)?(?P<msg>(?:ModuleNotFoundError|ImportError): .+)$"),
    ("import_error", "python", r"^(?P<msg>.*: No module named '?[\w.]+'?)$"),
    ("out_of_memory", "python", r"^(?:E\s+)?(?P<msg>MemoryError\b.*)$"),
    ("disk_full", "python", r"^(?P<msg>OSError: \[Errno 28\].*)$"),
    ("permission_denied", "python", r"^(?P<msg>PermissionError: .+)$"),
    ("syntax_error", "python", r"^(?P<msg>(?:SyntaxError|IndentationError|TabError): .+)$"),
    (
        "network_error",
        "python",
        r"^(?P<msg>(?:[\w.]+\.)?(?:ConnectionError|ConnectTimeout|ReadTimeout|ReadTimeoutError"
        r"|MaxRetryError|NewConnectionError|ConnectionRefusedError|ConnectionResetError"
        r"|SSLError|URLError)\b.*)$",
    ),
    ("test_failed", "pytest", rf"^FAILED (?P<test>{_PY_FILE}::(?P<msg>\S+))(?: - .*)?$"),
    ("test_error", "pytest", rf"^ERROR {_PY_FILE}(?:::(?P<msg>\S+))?(?: - .*)?$"),
    (
        "test_summary",
        "pytest",
        r"^=+ (?P<msg>(?:\d+ (?:passed|skipped|deselected|xfailed|warnings?), )*"
        r"\d+ (?:failed|errors?)\b[^=]*?)(?: in [\d.]+s.*)? =+$",
    ),
    ("timeout", "pytest", r"^(?P<msg>(?:E\s+)?Failed: Timeout >[\d.]+s)$"),
    ("test_failed", "unittest", r"^(?:FAIL|ERROR): (?P<msg>(?P<test>\w+ \([\w.]+\))).*$"),
    ("test_summary", "unittest", r"^(?P<msg>FAILED \((?:failures|errors)=\d+.*\))$"),
    ("type_error", "mypy", rf"^{_PY_FILE}:(?P<line>\d+):(?:\d+:)? error: (?P<msg>.+)$"),
    ("type_summary", "mypy", r"^(?P<msg>Found \d+ errors? in \d+ files? \(checked .+)$"),
    ("type_error", "pyright", rf"^\s+{_PY_FILE}:(?P<line>\d+):\d+ - error: (?P<msg>.+)$"),
    ("type_summary", "pyright", r"^(?P<msg>[1-9]\d* errors?, \d+ warnings?, \d+ informations?)"),
    (
        "lint_violation",
        "ruff",
        rf"^{_PY_FILE}:(?P<line>\d+):\d+: (?P<msg>[A-Z]{{1,4}}\d{{2,4}}\b.+)$",
    ),
    (  # ruff's default (full) output: the code and message, then " --> file:line:col"
        "lint_violation",
        "ruff",
        rf"^(?P<msg>[A-Z]{{1,4}}\d{{2,4}} (?:\[\*\] )?.+)\n\s*--> {_PY_FILE}:(?P<line>\d+):(?P<col>\d+)$",
    ),
    ("lint_summary", "ruff", r"^(?P<msg>Found \d+ errors?\.)\n(?:\[\*\] \d+ fixable|No fixes available)"),
    ("lint_violation", "pylint", rf"^{_PY_FILE}:(?P<line>\d+):\d+: (?P<msg>[CRWEF]\d{{4}}: .+)$"),
    ("lint_summary", "pylint", r"^(?P<msg>Your code has been rated at [\d.-]+/10.*)$"),
    ("format_check", "black", rf"^(?P<msg>[Ww]ould reformat:? {_PY_FILE})$"),
    ("format_check", "black", r"^(?P<msg>Oh no! .*|\d+ files? would be reformatted.*)$"),
    ("format_check", "isort", rf"^ERROR: {_PY_FILE} (?P<msg>Imports are incorrectly sorted.*)$"),
    (
        "exception",
        "python",
        r"^(?:E\s+)?(?P<msg>(?:[a-z_][\w]*\.)*[A-Z]\w*(?:Error|Exception|Exit): .+)$",
    ),
)

PACKAGING_RULES: Final[tuple[RuleRow, ...]] = (
    ("resolution_conflict", "pip", r"^(?P<msg>.*ResolutionImpossible.*)$"),
    (
        "resolution_conflict",
        "pip",
        r"^(?P<msg>ERROR: Cannot install .+ because these package versions have conflicting.*)$",
    ),
    ("resolution_conflict", "pip", r"^(?P<msg>.+ has requirement .+, but you have .+)$"),
    (
        "package_not_found",
        "pip",
        r"^(?P<msg>ERROR: (?:Could not find a version that satisfies the requirement"
        r"|No matching distribution found for) .+)$",
    ),
    (
        "build_failed",
        "pip",
        r"^(?P<msg>ERROR: Failed building wheel for .+|"
        r"error: subprocess-exited-with-error)$",
    ),
    (
        "resolution_conflict",
        "poetry",
        r"^(?P<msg>.*(?:SolverProblemError|version solving failed).*)$",
    ),
    (
        "config_error",
        "poetry",
        r"^(?P<msg>.*pyproject\.toml changed significantly since poetry\.lock.*)$",
    ),
    ("package_not_found", "poetry", r"^(?P<msg>Package \S+ not found\.?)$"),
    ("resolution_conflict", "npm", r"^npm (?:ERR!|error) (?:code )?(?P<msg>ERESOLVE.*)$"),
    ("package_not_found", "npm", r"^npm (?:ERR!|error) (?P<msg>(?:code E404|404 Not Found).*)$"),
    ("auth_failed", "npm", r"^npm (?:ERR!|error) (?P<msg>code E40[13]|code ENEEDAUTH.*)$"),
    ("permission_denied", "npm", r"^npm (?:ERR!|error) (?P<msg>code E(?:ACCES|PERM))$"),
    (
        "network_error",
        "npm",
        r"^npm (?:ERR!|error) (?P<msg>code (?:ETIMEDOUT|ECONNRESET|ECONNREFUSED|EAI_AGAIN"
        r"|ENOTFOUND|ECONNABORTED|E50\d|E429|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED.*))$",
    ),
    ("disk_full", "npm", r"^npm (?:ERR!|error) (?P<msg>code ENOSPC)$"),
    ("config_error", "npm", r"^npm (?:ERR!|error) (?P<msg>[Mm]issing script: .+)$"),
    (
        "config_error",
        "npm",
        r"^npm (?:ERR!|error) (?P<msg>code EUSAGE|`npm ci` can only install.*)$",
    ),
    ("script_failed", "npm", r"^npm (?:ERR!|error) (?P<msg>code ELIFECYCLE|Lifecycle script .+)$"),
    ("package_not_found", "yarn", r'^error (?P<msg>Couldn\'t find package ".+)$'),
    (
        "network_error",
        "yarn",
        r"^(?:error|info) (?P<msg>.*(?:ESOCKETTIMEDOUT|There appears to be "
        r"trouble with your network connection|ETIMEDOUT|ECONNRESET).*)$",
    ),
    ("resolution_conflict", "yarn", r"^(?P<msg>.*YN0060.*|.*incorrect peer dependency.*)$"),
    ("config_error", "yarn", r"^(?P<msg>.*(?:Your lockfile needs to be updated|YN0028).*)$"),
    ("exit_status", "yarn", r"^error (?P<msg>Command failed with exit code (?P<code>\d+)\.?)$"),
    ("resolution_conflict", "pnpm", r"(?P<msg>ERR_PNPM_PEER_DEP_ISSUES.*)$"),
    ("package_not_found", "pnpm", r"(?P<msg>ERR_PNPM_(?:FETCH_404|NO_MATCHING_VERSION).*)$"),
    (
        "config_error",
        "pnpm",
        r"(?P<msg>ERR_PNPM_(?:OUTDATED_LOCKFILE|NO_SCRIPT|NO_PKG_MANIFEST).*)$",
    ),
    ("network_error", "pnpm", r"(?P<msg>ERR_PNPM_(?:META_FETCH_FAIL|FETCH_5\d\d).*)$"),
    ("script_failed", "pnpm", r"(?P<msg>ERR_PNPM_RECURSIVE_RUN_FIRST_FAIL.*)$"),
    ("resolution_conflict", "cargo", r"^(?P<msg>error: failed to select a version for .+)$"),
    ("package_not_found", "cargo", r"^(?P<msg>error: no matching package named .+)$"),
    (
        "resolution_conflict",
        "go",
        r"^(?P<msg>go: .*(?:conflicting requirements|requires go >= ).*)$",
    ),
    ("import_error", "go", r"^(?P<msg>.*no required module provides package \S+.*)$"),
    (
        "import_error",
        "go",
        r"^(?P<msg>.*(?:cannot find module providing package|"
        r"missing go\.sum entry|cannot find package) .*)$",
    ),
    (
        "package_not_found",
        "maven",
        r"^(?:\[ERROR\] )?(?P<msg>.*Could not resolve dependencies .+)$",
    ),
    (
        "package_not_found",
        "gradle",
        r"^(?P<msg>\s*> Could not (?:find|resolve) [\w.\-]+:[\w.\-]+.*)$",
    ),
    (
        "resolution_conflict",
        "gradle",
        r"^(?P<msg>.*(?:Conflict\(s\) found for|conflict on capab).*)$",
    ),
    ("resolution_conflict", "bundler", r"^(?P<msg>Bundler could not find compatible versions.*)$"),
    ("package_not_found", "bundler", r"^(?P<msg>Could not find gem .+)$"),
    ("import_error", "ruby", r"^(?P<msg>.*cannot load such file -- \S+ \(LoadError\).*)$"),
    ("resolution_conflict", "composer", r"^(?P<msg>Your requirements could not be resolved.*)$"),
    ("package_not_found", "composer", r"^\s*- (?P<msg>.+ -> no matching package found\.?)$"),
    ("package_not_found", "conda", r"^(?P<msg>PackagesNotFoundError: .+)$"),
    (
        "resolution_conflict",
        "conda",
        r"^(?P<msg>(?:UnsatisfiableError|LibMambaUnsatisfiableError).*)$",
    ),
    ("package_not_found", "apt", r"^(?P<msg>E: Unable to locate package .+)$"),
)

NODE_RULES: Final[tuple[RuleRow, ...]] = (
    ("out_of_memory", "node", r"^(?P<msg>.*JavaScript heap out of memory.*)$"),
    ("import_error", "node", r"^(?P<msg>(?:Uncaught )?Error: Cannot find module '[^']+'.*)$"),
    ("import_error", "webpack", r"^(?P<msg>.*Module not found: Error: Can't resolve '[^']+'.*)$"),
    (
        "import_error",
        "tsc",
        r"^(?P<file>[\w./@-]+\.[mc]?tsx?)[(:](?P<line>\d+)[,:]\d+\)?:? - error (?P<msg>TS2307: .+)$",
    ),
    (
        "import_error",
        "tsc",
        r"^(?P<file>[\w./@-]+\.[mc]?tsx?)\((?P<line>\d+),\d+\): error (?P<msg>TS2307: .+)$",
    ),
    (
        "syntax_error",
        "tsc",
        r"^(?P<file>[\w./@-]+\.[mc]?tsx?)\((?P<line>\d+),\d+\): error (?P<msg>TS1\d{3}: .+)$",
    ),
    (
        "type_error",
        "tsc",
        r"^(?P<file>[\w./@-]+\.[mc]?tsx?)\((?P<line>\d+),\d+\): error (?P<msg>TS\d+: .+)$",
    ),
    (
        "type_error",
        "tsc",
        r"^(?P<file>[\w./@-]+\.[mc]?tsx?):(?P<line>\d+):\d+ - error (?P<msg>TS\d+: .+)$",
    ),
    ("type_summary", "tsc", r"^(?P<msg>Found \d+ errors? in \d+ files?\.)$"),
    ("lint_violation", "eslint", r"^\s+(?P<line>\d+):(?P<col>\d+)\s+error\s+(?P<msg>.+)$"),
    ("lint_summary", "eslint", r"^(?P<msg>✖ \d+ problems? \(\d+ errors?.*)$"),
    ("format_check", "prettier", r"^(?P<msg>\[warn\] Code style issues (?:found|were found).*)$"),
    (
        "format_check",
        "prettier",
        r"^(?P<msg>.*(?:You have Prettier linting errors|"
        r"would turn out different if you process them with prettier|prettier --list-different).*)$",
    ),
    ("test_failed", "jest", r"^\s*(?P<msg>FAIL\s+(?P<file>\S+\.[jt]sx?)).*$"),
    ("test_summary", "jest", r"^(?P<msg>Tests:\s+\d+ failed.*)$"),
    ("test_failed", "jest", r"^\s*\u25cf (?P<msg>(?P<test>.+ \u203a .+))$"),
    ("test_failed", "jest", r"^(?:Error: )?(?P<msg>expect\((?:received|jest\.fn\(\))\)\..+)$"),
    ("test_failed", "mocha", r"^\s+(?P<msg>\d+ failing)$"),
    ("syntax_error", "node", r"^(?P<msg>SyntaxError: .+)$"),
)

NATIVE_RULES: Final[tuple[RuleRow, ...]] = (
    (
        "missing_header",
        "gcc",
        rf"^{_C_FILE}:(?P<line>\d+):(?:\d+:)? fatal error: "
        r"(?P<msg>\S+: No such file or directory|'[^']+' file not found)$",
    ),
    ("out_of_memory", "gcc", r"^(?P<msg>.*fatal error: Killed signal terminated program .+)$"),
    # the same kill in a translated gcc (Italian "Morto signal terminated program lto1")
    ("out_of_memory", "gcc", r"^(?P<msg>.* signal terminated program (?:cc1\w*|lto1|as|ld)\b.*)$"),
    (
        "missing_header",
        "msvc",
        r"^(?P<file>(?:[A-Za-z]:)?[\w./\\ ()+-]+\.(?:c|cc|cpp|cxx|h|hh|hpp|hxx|inl|ixx))"
        r"\((?P<line>\d+)(?:,(?P<col>\d+))?\): fatal error (?P<msg>C1083: .+?)(?: \[[^\]]+\])?$",
    ),
    (
        "compiler_error",
        "msvc",
        r"^(?P<file>(?:[A-Za-z]:)?[\w./\\ ()+-]+\.(?:c|cc|cpp|cxx|h|hh|hpp|hxx|inl|ixx))"
        r"\((?P<line>\d+)(?:,(?P<col>\d+))?\): (?:fatal )?error (?P<msg>C\d{4}: .+?)(?: \[[^\]]+\])?$",
    ),
    (
        "compiler_error",
        "gcc",
        rf"^{_C_FILE}:(?P<line>\d+):(?:\d+:)? (?:fatal )?error: (?P<msg>.+)$",
    ),
    ("link_error", "ld", r"^(?P<msg>.*undefined reference to .+)$"),
    (
        "link_error",
        "ld",
        r"^(?P<msg>.*(?:ld|lld): (?:error: )?(?:cannot find -l\S+|library not found for -l\S+).*)$",
    ),
    (
        "link_error",
        "ld",
        r"^(?P<msg>(?:collect2|clang(?:\+\+)?): error: (?:ld|linker command) .+)$",
    ),
    ("missing_dependency", "cmake", r"^(?P<msg>\s*Could NOT find \w+.*)$"),
    (
        "missing_dependency",
        "cmake",
        r"^(?P<msg>.*(?:Could not find a package configuration file|"
        r"No package '[^']+' found).*)$",
    ),
    ("config_error", "cmake", r"^CMake Error at (?P<file>[\w./-]+):(?P<line>\d+) (?P<msg>.*)$"),
    ("config_error", "cmake", r"^(?P<msg>-- Configuring incomplete, errors occurred!)$"),
    (
        "build_failed",
        "make",
        r"^(?P<msg>(?:g?make|ninja)(?:\[\d+\])?: \*\*\* .*?(?:Error (?P<code>\d+))?)$",
    ),
    ("build_failed", "ninja", r"^(?P<msg>ninja: build stopped: subcommand failed\.)$"),
    (
        "compiler_error",
        "javac",
        r"^(?:\[ERROR\] )?(?P<file>[\w./:\\-]+\.(?:java|kt|scala)):\[?(?P<line>\d+)(?:,\d+\])?:? "
        r"(?:error: )?(?P<msg>.+)$",
    ),
    (
        "compiler_error",
        "kotlinc",
        r"^e: (?:file://)?(?P<file>\S+\.kts?):(?:\s*\()?(?P<line>\d+)[:,] ?(?P<col>\d+)\)?:? (?P<msg>.+)$",
    ),
    (
        "compiler_error",
        "swiftc",
        r"^(?P<file>[\w./\\@+~-]+\.swift):(?P<line>\d+):(?P<col>\d+): error: (?P<msg>(?!-\[).+)$",
    ),
    (
        "compiler_error",
        "scalac",
        r"^\[error\] (?:-- .*?)?(?P<file>[\w./\\@+~-]+\.scala):(?P<line>\d+):(?P<col>\d+):? (?P<msg>.+)$",
    ),
    ("compiler_error", "maven", r"^\[ERROR\] (?P<msg>COMPILATION ERROR.*)$"),
    (
        "test_failed",
        "surefire",
        r"^(?:\[ERROR\] )?(?P<msg>Tests run: \d+, Failures: \d+, Errors: \d+.*(?:FAIL|<<<).*)$",
    ),
    ("test_failed", "surefire", r"^(?:\[ERROR\] )?(?P<msg>There (?:are|were) test failures.*)$"),
    ("build_failed", "maven", r"^\[ERROR\] (?P<msg>Failed to execute goal .+)$"),
    ("test_failed", "gradle", r"^(?P<msg>\d+ tests? completed, \d+ failed.*)$"),
    ("test_failed", "gradle", r"^(?P<msg>(?P<test>[\w.$]+ > .+) FAILED)$"),
    (
        "build_failed",
        "gradle",
        r"^(?P<msg>(?:> )?Task :\S+ FAILED|Execution failed for task '[^']+'.*)$",
    ),
    (
        "out_of_memory",
        "jvm",
        r"^(?P<msg>.*java\.lang\.OutOfMemoryError.*|.*GC overhead limit exceeded.*)$",
    ),
    ("test_failed", "go", r"^\s*--- FAIL: (?P<msg>(?P<test>\S+)).*$"),
    ("test_failed", "go", r"^(?P<msg>FAIL\s+\S+\s+[\d.]+s)$"),
    ("timeout", "go", r"^(?P<msg>panic: test timed out after \S+.*)$"),
    ("out_of_memory", "go", r"^(?P<msg>fatal error: runtime: out of memory.*)$"),
    ("panic", "go", r"^(?P<msg>panic: .+)$"),
    ("vet_error", "go vet", r"^(?P<msg>vet: .+)$"),
    (
        "lint_violation",
        "staticcheck",
        r"^(?P<file>\.?[\w./-]+\.go):(?P<line>\d+):(?P<col>\d+): (?P<msg>.+ \((?:SA|S|ST|U|QF)\d{4}\))$",
    ),
    ("lint_violation", "checkstyle", r"^(?P<msg>.*(?:\[ant:checkstyle\]|checkstyle\w*'|Checkstyle rule).*)$"),
    ("compiler_error", "go", r"^(?P<file>\.?[\w./-]+\.go):(?P<line>\d+):(?:\d+:)? (?P<msg>.+)$"),
    (
        "lint_violation",
        "clippy",
        r"^(?P<msg>error: .+)(?=\n(?:.*\n){0,12}?.*(?:clippy::|rust-clippy))",
    ),
    ("missing_dependency", "rustc", r"^(?P<msg>error\[E0463\]: can't find crate .+)$"),
    (
        "compiler_error",
        "rustc",
        r"^(?P<msg>error(?:\[E\d{4}\])?: (?!could not compile|aborting).+)$",
    ),
    ("build_failed", "cargo", r"^(?P<msg>error: could not compile `[^`]+`.*)$"),
    ("build_failed", "cargo", r"^(?P<msg>error: failed to run custom build command for .+)$"),
    ("link_error", "rustc", r"^(?P<msg>error: linking with `[^`]+` failed.*)$"),
    ("test_failed", "cargo", r"^test (?P<msg>(?P<test>\S+)) \.\.\. FAILED$"),
    (  # a test's panic names the test and where it panicked (any other thread's panic is no test)
        "test_failed",
        "cargo",
        r"^(?P<msg>thread '(?P<test>(?!main')[^']+)' panicked at (?:'.*', )?"
        r"(?P<file>[\w./\\-]+\.rs):(?P<line>\d+):(?P<col>\d+).*)$",
    ),
    (
        "runtime_error",
        "ruby",
        r"^(?P<file>[\w./\\-]+\.rb):(?P<line>\d+):in [`'][^']*': (?P<msg>.+ \([A-Z]\w*(?:::\w+)*\))$",
    ),
    ("test_summary", "cargo", r"^(?P<msg>test result: FAILED\..*)$"),
    ("format_check", "rustfmt", r"^Diff in (?P<file>\S+?)(?: at line |:)(?P<line>\d+):?$"),
    (
        "format_check",
        "gofmt",
        r"^(?P<msg>.*(?:gofmt|goimports).*(?:needs formatting|not formatted|-l).*)$",
    ),
    ("format_check", "clang-format", r"^(?P<msg>.*\[-Wclang-format-violations\].*)$"),
    ("test_failed", "ctest", r"^(?P<msg>\d+% tests passed, \d+ tests failed out of \d+)$"),
    ("test_failed", "rspec", r"^(?P<msg>\d+ examples?, [1-9]\d* failures?.*)$"),
    ("test_failed", "rspec", r"^rspec (?P<file>\./[\w./-]+_spec\.rb):(?P<line>\d+) # (?P<msg>(?P<test>.+))$"),
    (
        "test_failed",
        "surefire",
        r"^\[ERROR\]\s{2,}(?P<msg>(?P<test>[A-Z][\w$]*(?:Test|Tests|IT|Spec)\w*\.[\w$]+)(?::(?P<line>\d+))?\s.*)$",
    ),
    ("test_failed", "phpunit", r"^\d+\) (?P<msg>(?P<test>[A-Z][\w\\]*::\w+).*)$"),
    ("test_failed", "prove", r"^(?P<msg>(?P<test>\S+\.t) \.+ ?Dubious, test returned \d+.*)$"),
    ("test_failed", "exunit", r"^\s*\d+\) (?P<msg>test (?P<test>.+) \([\w.]+\))$"),
    ("test_failed", "common_test", r"^(?P<msg>(?P<test>\w+:\w+) failed on line (?P<line>\d+))$"),
    ("test_failed", "scalatest", r"^(?:\[info\] )?- (?P<msg>(?P<test>.+) \*\*\* FAILED \*\*\*)$"),
    ("test_failed", "xctest", r"^.*error: -\[(?P<test>[\w.]+ \w+)\] : (?P<msg>.+)$"),
    ("test_failed", "r", r"^(?P<msg>Running the tests in .+ failed\.?)$"),
    ("test_failed", "dotnet", r"^\s*Failed (?P<msg>(?P<test>[\w.]+(?:\(.*\))?)) \[[\d.<> ]+m?s\]$"),
    ("package_not_found", "nuget", r"^(?P<msg>.*error NU110[12]: .+?)(?: \[[^\]]+\])?$"),
    ("resolution_conflict", "nuget", r"^(?P<msg>.*error NU1(?:107|605|608): .+?)(?: \[[^\]]+\])?$"),
    (
        "compiler_error",
        "dotnet",
        r"^(?P<file>(?:[A-Za-z]:)?[\w./\\-]+\.(?:cs|fs|fsx|vb|razor|xaml))"
        r"\((?P<line>\d+),(?P<col>\d+)(?:,\d+,\d+)?\): "
        r"error (?P<msg>(?:CS|FS|BC|RZ|XC)\d+: .+?)(?: \[[^\]]+\])?$",
    ),
    ("test_failed", "minitest", r"^(?P<msg>(?P<test>\w+#test_\w+)) \[(?P<file>[^\]:]+):(?P<line>\d+)\]:?$"),
)
