"""Templates for dependency_missing and dependency_conflict."""

from __future__ import annotations

from functools import partial

from conveyor.debug.corpus.template import Template

M = partial(Template, "dependency_missing")
C = partial(Template, "dependency_conflict")

MISSING = (
    M(
        "python",
        "pytest -q",
        """============================= test session starts ==============================
platform linux -- Python {pyvers}.4, pytest-8.1.1, pluggy-1.4.0
rootdir: /home/runner/work/{proj}/{proj}
collected 0 items / 1 error

==================================== ERRORS ====================================
_____________________ ERROR collecting {pytest} _____________________
ImportError while importing test module '/home/runner/work/{proj}/{proj}/{pytest}'.
Hint: make sure your test modules/packages have valid Python names.
Traceback:
/opt/hostedtoolcache/Python/{pyvers}.4/x64/lib/python{pyvers}/importlib/__init__.py:126: in import_module
    return _bootstrap._gcd_import(name[level:], package, level)
{pytest}:{n}: in <module>
    from {pymod} import {func}
E   ModuleNotFoundError: No module named '{pymod}'
=========================== short test summary info ============================
ERROR {pytest}
!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!
=============================== 1 error in 0.{n}s ===============================""",
    ),
    M(
        "python",
        "python -m {pkgdir}.cli migrate",
        """Traceback (most recent call last):
  File "<frozen runpy>", line 198, in _run_module_as_main
  File "/app/{pyfile}", line {n}, in <module>
    from {pymod} import {func}
  File "/app/src/{pkgdir}/__init__.py", line {n2}, in <module>
    import {pymod2}
ModuleNotFoundError: No module named '{pymod2}'""",
    ),
    M(
        "python",
        "pip install -r requirements.txt",
        """Collecting {pypkg2}>={pyver2}
  Using cached {pypkg2}-{pyver2}-py3-none-any.whl
ERROR: Could not find a version that satisfies the requirement {pypkg}=={pyver} (from versions: 0.1.0, 0.2.0, 0.2.1)
ERROR: No matching distribution found for {pypkg}=={pyver}""",
    ),
    M(
        "python",
        "poetry install --no-root",
        """Installing dependencies from lock file

Package operations: {count} installs, 0 updates, 0 removals

  - Installing {pypkg2} ({pyver2})
  - Installing {pypkg} ({pyver}): Failed

  RuntimeError

  Unable to find installation candidates for {pypkg} ({pyver})

  at /opt/poetry/venv/lib/python{pyvers}/site-packages/poetry/installation/chooser.py:{n} in choose_for
      {n}│
    → {n2}│             raise RuntimeError(f"Unable to find installation candidates for {{package}}")""",
    ),
    M(
        "node",
        "npm ci",
        """npm ERR! code E404
npm ERR! 404 Not Found - GET https://registry.npmjs.org/@{word}%2f{npm} - Not found
npm ERR! 404
npm ERR! 404  '@{word}/{npm}@^{npmver}' is not in this registry.
npm ERR! 404
npm ERR! 404 Note that you can also install from a
npm ERR! 404 tarball, folder, http url, or git url.

npm ERR! A complete log of this run can be found in: /home/runner/.npm/_logs/2024-03-01T10_{n}_00_000Z-debug-0.log""",
    ),
    M(
        "node",
        "node scripts/build.js",
        """node:internal/modules/cjs/loader:1147
  throw err;
  ^

Error: Cannot find module '{npm}'
Require stack:
- /home/runner/work/{proj}/{proj}/scripts/build.js
    at Module._resolveFilename (node:internal/modules/cjs/loader:1144:15)
    at Module._load (node:internal/modules/cjs/loader:985:27)
    at Module.require (node:internal/modules/cjs/loader:1235:19)
    at Object.<anonymous> (/home/runner/work/{proj}/{proj}/scripts/build.js:{n}:18) {{
  code: 'MODULE_NOT_FOUND',
  requireStack: [ '/home/runner/work/{proj}/{proj}/scripts/build.js' ]
}}

Node.js {nodever}""",
    ),
    M(
        "node",
        "npm run build",
        """> {proj}@{npmver} build
> webpack --mode production

assets by status {size} KiB [cached] 2 assets
ERROR in ./{jsfile} {n}:0-{col}
Module not found: Error: Can't resolve '{npm}' in '/builds/{proj}/src/{word}'
resolve '{npm}' in '/builds/{proj}/src/{word}'
  Parsed request is a module
webpack 5.{n} compiled with 1 error in {size} ms""",
    ),
    M(
        "node",
        "yarn build",
        """vite v5.{col}.{count} building for production...
transforming...
x Build failed in {secs}s
error during build:
[vite]: Rollup failed to resolve import "{npm}" from "/home/runner/work/{proj}/{proj}/{tsxfile}".
This is most likely unintended because it can break your application at runtime.
If you do want to externalize this module explicitly add it to
`build.rollupOptions.external`
error Command failed with exit code 1.""",
    ),
    M(
        "node",
        "npx tsc --noEmit",
        """{tsfile}({n},{col}): error TS2307: Cannot find module '{npm}' or its corresponding type declarations.
{tsxfile}({n2},{col}): error TS2307: Cannot find module '{npm2}' or its corresponding type declarations.

Found 2 errors in 2 files.""",
    ),
    M(
        "c-cpp",
        "make -j2",
        """gcc -O2 -Wall -Iinclude -c {cfile} -o build/{word}.o
{cfile}:{n}:10: fatal error: {header}: No such file or directory
   {n} | #include <{header}>
      |          ^~~~~~~~~~~~~~
compilation terminated.
make: *** [Makefile:{n2}: build/{word}.o] Error 1""",
    ),
    M(
        "c-cpp",
        "cmake -B build -S .",
        """-- Found Threads: TRUE
CMake Error at /usr/share/cmake-3.28/Modules/FindPackageHandleStandardArgs.cmake:230 (message):
  Could NOT find OpenSSL, try to set the path to OpenSSL root folder in the
  system variable OPENSSL_ROOT_DIR (missing: OPENSSL_CRYPTO_LIBRARY
  OPENSSL_INCLUDE_DIR)
Call Stack (most recent call first):
  CMakeLists.txt:{n} (find_package)

-- Configuring incomplete, errors occurred!""",
    ),
    M(
        "c-cpp",
        "make",
        """g++ -o bin/{proj} build/main.o build/{word}.o -l{lib} -lpthread
/usr/bin/ld: cannot find -l{lib}: No such file or directory
collect2: error: ld returned 1 exit status
make: *** [Makefile:{n}: bin/{proj}] Error 1""",
    ),
    M(
        "go",
        "go build ./...",
        """{gofile}:{n}:2: no required module provides package {gomod}/{word}; to add it:
	go get {gomod}/{word}""",
    ),
    M(
        "rust",
        "cargo build --release",
        """error[E0463]: can't find crate for `{crate}`
 --> {rsfile}:{n}:1
  |
{n} | extern crate {crate};
  | ^^^^^^^^^^^^^^^^^^^ can't find crate

error: could not compile `{proj}` (lib) due to 1 previous error""",
    ),
    M(
        "rust",
        "cargo build",
        """    Updating crates.io index
error: no matching package named `{crate}-{word}` found
location searched: registry `crates-io`
required by package `{proj} v{cratever} (/home/runner/work/{proj}/{proj})`""",
    ),
    M(
        "java",
        "mvn -B package",
        """[INFO] ------------------------------------------------------------------------
[INFO] BUILD FAILURE
[INFO] ------------------------------------------------------------------------
[ERROR] Failed to execute goal on project {proj}: Could not resolve dependencies for project com.{word}:{proj}:jar:1.0-SNAPSHOT: Could not find artifact {jdep}:jar:{jver} in central (https://repo.maven.apache.org/maven2) -> [Help 1]
[ERROR]
[ERROR] To see the full stack trace of the errors, re-run Maven with the -e switch.""",
    ),
    M(
        "java",
        "./gradlew build",
        """> Task :app:compileJava FAILED

FAILURE: Build failed with an exception.

* What went wrong:
Execution failed for task ':app:compileJava'.
> Could not resolve all files for configuration ':app:compileClasspath'.
   > Could not find {jdep}:{jver}.
     Required by:
         project :app

* Try:
> Run with --stacktrace option to get the stack trace.

BUILD FAILED in {count}s""",
    ),
    M(
        "docker",
        "docker build -t {proj} .",
        """#7 [3/6] RUN apt-get update && apt-get install -y lib{lib}-dev
#7 2.913 Reading package lists...
#7 3.401 E: Unable to locate package lib{lib}-dev
#7 ERROR: process "/bin/sh -c apt-get update && apt-get install -y lib{lib}-dev" did not complete successfully: exit code: 100
------
ERROR: failed to solve: process "/bin/sh -c apt-get update && apt-get install -y lib{lib}-dev" did not complete successfully: exit code: 100""",
    ),
    M(
        "ruby",
        "bundle exec rake",
        """Could not find gem '{word}-client (~> {jver})' in locally installed gems.

The source contains the following gems matching '{word}-client':
  * {word}-client-0.{n}.0
Run `bundle install` to install missing gems.""",
    ),
    M(
        "shell",
        "./scripts/ci.sh",
        """Running lint...
./scripts/ci.sh: line {n}: {word}ctl: command not found""",
        exit_code=127,
    ),
    M(
        "php",
        "composer install",
        """Loading composer repositories with package information
Installing dependencies from lock file (including require-dev)
  Problem 1
    - Root composer.json requires ext-{word} * but it is not present.
Your lock file does not contain a compatible set of packages. Please run composer update.""",
    ),
)

CONFLICT = (
    C(
        "python",
        "pip install -r requirements.txt",
        """INFO: pip is looking at multiple versions of {pypkg2} to determine which version is compatible with other requirements. This could take a while.
ERROR: Cannot install -r requirements.txt (line {n}) and {pypkg}=={pyver} because these package versions have conflicting dependencies.

The conflict is caused by:
    The user requested {pypkg}=={pyver}
    {pypkg2} {pyver2} depends on {pypkg}<{pyver2}

To fix this you could try to:
1. loosen the range of package versions you've specified
2. remove package versions to allow pip to attempt to solve the dependency conflict

ERROR: ResolutionImpossible: for help visit https://pip.pypa.io/en/latest/topics/dependency-resolution/#dealing-with-dependency-conflicts""",
    ),
    C(
        "python",
        "pip install -e .[test]",
        """ERROR: pip's dependency resolver does not currently take into account all the packages that are installed. This behaviour is the source of the following dependency conflicts.
{pypkg2} {pyver2} requires {pymod}<{pyver},>=0.{n}, but you have {pymod} {pyver} which is incompatible.
{word}-sdk 1.{n}.0 requires {pymod2}~={pyver2}, but you have {pymod2} {pyver} which is incompatible.""",
    ),
    C(
        "python",
        "poetry lock --no-update",
        """Updating dependencies
Resolving dependencies...

Because {proj} depends on both {pypkg} (^{pyver}) and {pypkg2} ({pyver2}) which depends on {pypkg} (>=0.1,<{pyver}), version solving failed.

  SolverProblemError""",
    ),
    C(
        "python",
        "uv pip sync requirements.txt",
        """  × No solution found when resolving dependencies:
  ╰─▶ Because {pypkg}=={pyver} depends on {pypkg2}>={pyver2} and you require {pypkg2}<{pyver}, we can conclude that your requirements and
      {pypkg}=={pyver} are incompatible.
      And because you require {pypkg}=={pyver}, we can conclude that your requirements are unsatisfiable.""",
    ),
    C(
        "node",
        "npm ci",
        """npm ERR! code ERESOLVE
npm ERR! ERESOLVE unable to resolve dependency tree
npm ERR!
npm ERR! While resolving: {proj}@{npmver}
npm ERR! Found: {npm}@{npmver2}
npm ERR! node_modules/{npm}
npm ERR!   dev {npm}@"^{npmver2}" from the root project
npm ERR!
npm ERR! Could not resolve dependency:
npm ERR! peer {npm}@"^{npmver}" from {npm2}@{npmver}
npm ERR! node_modules/{npm2}
npm ERR!
npm ERR! Fix the upstream dependency conflict, or retry
npm ERR! this command with --force or --legacy-peer-deps
npm ERR! to accept an incorrect (and potentially broken) dependency resolution.""",
    ),
    C(
        "node",
        "npm install",
        """npm error code ERESOLVE
npm error ERESOLVE could not resolve
npm error
npm error While resolving: {npm2}@{npmver}
npm error Found: {npm}@{npmver2}
npm error Conflicting peer dependency: {npm}@{npmver}
npm error   peer {npm}@"^{npmver}" from {npm2}@{npmver}""",
    ),
    C(
        "node",
        "yarn install --immutable",
        """➤ YN0000: ┌ Resolution step
➤ YN0060: │ {npm} is listed by your project with version {npmver}, which doesn't satisfy what {npm2} (p{sha}) requests (^{npmver2}).
➤ YN0002: │ {proj}@workspace:. doesn't provide {npm2} (p{sha}), requested by {npm}
➤ YN0000: └ Completed in {secs}s
➤ YN0000: Failed with errors in {secs}s""",
    ),
    C(
        "node",
        "pnpm install --frozen-lockfile",
        """ ERR_PNPM_PEER_DEP_ISSUES  Unmet peer dependencies

.
└─┬ {npm2} {npmver}
  └── ✕ unmet peer {npm}@^{npmver}: found {npmver2}""",
    ),
    C(
        "rust",
        "cargo update",
        """    Updating crates.io index
error: failed to select a version for `{crate}`.
    ... required by package `{crate2} v{cratever}`
    ... which satisfies dependency `{crate2} = "^{cratever}"` of package `{proj} v0.1.0 (/work)`
versions that meet the requirements `^{cratever}` are: {cratever}

all possible versions conflict with previously selected packages.

  previously selected package `{crate} v1.{n}.0`
    ... which satisfies dependency `{crate} = "=1.{n}.0"` of package `{proj} v0.1.0 (/work)`

failed to select a version for `{crate}` which could resolve this conflict""",
    ),
    C(
        "java",
        "mvn -B verify",
        """[WARNING] Rule 0: org.apache.maven.enforcer.rules.dependency.DependencyConvergence failed with message:
Failed while enforcing releasability.

Dependency convergence error for {jdep}:{jver} paths to dependency are:
+-com.{word}:{proj}:1.0-SNAPSHOT
  +-{jdep}:{jver}
and
+-com.{word}:{proj}:1.0-SNAPSHOT
  +-org.{word2}:{word2}-core:{jver2}
    +-{jdep}:{jver2}
[ERROR] Failed to execute goal org.apache.maven.plugins:maven-enforcer-plugin:3.4.1:enforce (enforce) on project {proj}: Some Enforcer rules have failed.""",
    ),
    C(
        "java",
        "./gradlew dependencies",
        """* What went wrong:
Could not determine the dependencies of task ':app:compileJava'.
> Conflict(s) found for the following module(s):
    - {jdep} between versions {jver} and {jver2}
  Run with:
      --scan or
      :app:dependencyInsight --configuration compileClasspath --dependency {jdep}""",
    ),
    C(
        "python",
        "conda env create -f environment.yml",
        """Channels:
 - conda-forge
Platform: linux-64
Collecting package metadata (repodata.json): done
Solving environment: failed

LibMambaUnsatisfiableError: Encountered problems while solving:
  - package {pymod}-{pyver}-py{n}h{sha}_0 requires python >={pyvers},<{pyvers}.0a0, but none of the providers can be installed

Could not solve for environment specs
The following packages are incompatible""",
    ),
    C(
        "ruby",
        "bundle install",
        """Bundler could not find compatible versions for gem "{word}":
  In Gemfile:
    {word} (~> {jver})

    {word2}-rails (= {jver2}) was resolved to {jver2}, which depends on
      {word} (~> {jver2})""",
    ),
    C(
        "php",
        "composer update",
        """Your requirements could not be resolved to an installable set of packages.

  Problem 1
    - {word}/{word2}[v{jver}, ..., v{jver2}] require php ^8.2 -> your php version (8.1.{n}) does not satisfy that requirement.
    - Root composer.json requires {word}/{word2} ^{jver} -> satisfiable by {word}/{word2}[v{jver}].""",
    ),
    C(
        "go",
        "go mod tidy",
        """go: finding module for package {gomod}/{word}
go: {gopkg} imports
	{gomod}/{word}: {gomod}@{gover} requires
	{gomod}/v2@v2.{n}.0: conflicting requirements: module declares its path as: {gomod} but was required as: {gomod}/v2""",
    ),
)
