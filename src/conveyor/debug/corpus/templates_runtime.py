"""Templates for timeout, out_of_memory and disk_space."""

from __future__ import annotations

from functools import partial

from conveyor.debug.corpus.template import Template

TO = partial(Template, "timeout")
OM = partial(Template, "out_of_memory")
DS = partial(Template, "disk_space")

TIMEOUTS = (
    TO(
        "python",
        "pytest -x",
        """{pytest}::{test} PASSED
{pytest}::{test2} """
        + """
##[error]The job running on runner {runner} has exceeded the maximum execution time of {minutes} minutes.
##[error]The operation was canceled.""",
        ci="github-actions",
        footer=False,
    ),
    TO(
        "node",
        "npm run e2e",
        """  Running:  {word}.cy.ts                                                 ({count} of {total})
    ✓ loads the dashboard ({n}ms)
Error: The action 'Run e2e tests' has timed out after {minutes} minutes.""",
        ci="github-actions",
        footer=False,
    ),
    TO(
        "shell",
        "./scripts/integration.sh",
        """Waiting for {word}-service to become ready...
Waiting for {word}-service to become ready...
Waiting for {word}-service to become ready...
ERROR: Job failed: execution took longer than {minutes}m0s seconds""",
        ci="gitlab-ci",
        footer=False,
    ),
    TO(
        "java",
        "mvn -B verify",
        """[INFO] Running {jpkg}.{jclass}IT
Build timed out (after {minutes} minutes). Marking the build as aborted.
Sending interrupt signal to process
[Pipeline] }}
[Pipeline] // stage
Finished: ABORTED""",
        ci="jenkins",
        footer=False,
    ),
    TO(
        "go",
        "go test ./...",
        """=== RUN   Test{jclass}Integration
panic: test timed out after 10m0s
	running tests:
		Test{jclass}Integration (10m0s)

goroutine {n} [running]:
testing.(*M).startAlarm.func1()
	/usr/local/go/src/testing/testing.go:2366 +0x385
FAIL	{gopkg}	600.{n}s""",
        exit_code=1,
    ),
    TO(
        "python",
        "pytest --timeout=300",
        """{pytest}::{test} 
+++++++++++++++++++++++++++++++++++ Timeout ++++++++++++++++++++++++++++++++++++
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~ Stack of MainThread (140{pid}) ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
  File "/usr/lib/python3/socket.py", line 720, in readinto
    return self._sock.recv_into(b)
+++++++++++++++++++++++++++++++++++ Timeout ++++++++++++++++++++++++++++++++++++
FAILED {pytest}::{test} - Failed: Timeout >300.0s""",
    ),
    TO(
        "ruby",
        "bundle exec rake spec",
        """Randomized with seed {n}
......
No output has been received in the last 10m0s, this potentially indicates a stalled build or something wrong with the build itself.
Check the details on how to adjust your build configuration on: https://docs.travis-ci.com/user/common-build-problems/#build-times-out-because-no-output-was-received

The build has been terminated""",
        ci="travis",
        footer=False,
    ),
    TO(
        "node",
        "yarn test --runInBand",
        """ RUNS  src/{word}.test.ts
Too long with no output (exceeded 10m0s): context deadline exceeded""",
        ci="circleci",
        footer=False,
    ),
    TO(
        "rust",
        "cargo test --release",
        """test {word}::tests::{test} has been running for over 60 seconds
The job exceeded the maximum time limit for jobs, and has been terminated.""",
        ci="travis",
        footer=False,
    ),
    TO(
        "docker",
        "docker compose up --abort-on-container-exit",
        """{word}-1  | Listening on 0.0.0.0:{port}
{word2}-1  | waiting for db:5432 ...
##[error]The job running on runner {runner} has exceeded the maximum execution time of {minutes} minutes.
##[error]The operation was canceled.""",
        ci="github-actions",
        footer=False,
    ),
    TO(
        "shell",
        "./gradlew connectedCheck",
        """> Task :app:connectedDebugAndroidTest
Starting {count} tests on emulator-5554 - 13
##[error]The operation was canceled.
Cleaning up orphan processes
Terminate orphan process: pid ({pid}) (java)""",
        ci="github-actions",
        footer=False,
    ),
    TO(
        "python",
        "tox",
        """py: commands[0]> pytest tests/integration
Timeout has been exceeded
Cancelling nested steps due to timeout
Sending interrupt signal to process
Terminated""",
        ci="jenkins",
        footer=False,
    ),
    TO(
        "shell",
        "make e2e",
        """Running e2e suite against staging
ERROR: Job failed: execution took longer than 1h0m0s seconds""",
        ci="gitlab-ci",
        footer=False,
    ),
)

MEMORY = (
    OM(
        "node",
        "npm run build",
        """> {proj}@{npmver} build
> next build

   Creating an optimized production build ...

<--- Last few GCs --->

[{pid}:0x{sha}0000]   {n}123 ms: Mark-Compact 4041.2 (4137.9) -> 4027.8 (4140.1) MB, 2101.45 / 0.00 ms  (average mu = 0.1{n}, current mu = 0.0{count}) allocation failure; scavenge might not succeed

<--- JS stacktrace --->

FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory
 1: 0xb7a940 node::Abort() [node]
 2: 0xa8e823  [node]
Aborted (core dumped)""",
        exit_code=134,
    ),
    OM(
        "c-cpp",
        "cmake --build build -j4",
        """[ {pct}%] Building CXX object src/CMakeFiles/{proj}.dir/{word}.cpp.o
c++: fatal error: Killed signal terminated program cc1plus
compilation terminated.
gmake[2]: *** [src/CMakeFiles/{proj}.dir/build.make:{n}: src/CMakeFiles/{proj}.dir/{word}.cpp.o] Error 1""",
    ),
    OM(
        "python",
        "python train.py",
        """Epoch 1/{count}
Traceback (most recent call last):
  File "/app/train.py", line {n}, in <module>
    features = np.zeros(({total}000000, {n}), dtype=np.float64)
numpy.core._exceptions._ArrayMemoryError: Unable to allocate {n}. GiB for an array with shape ({total}000000, {n}) and data type float64
MemoryError""",
    ),
    OM(
        "python",
        "pytest tests/",
        """{pytest}::{test} Killed
##[error]Process completed with exit code 137.""",
        ci="github-actions",
        footer=False,
    ),
    OM(
        "java",
        "./gradlew build",
        """> Task :app:compileKotlin
e: java.lang.OutOfMemoryError: Java heap space
	at java.base/java.util.Arrays.copyOf(Arrays.java:3537)
Expiring Daemon because JVM heap space is exhausted
FAILURE: Build failed with an exception.
* What went wrong:
Execution failed for task ':app:compileKotlin'.
> Java heap space""",
    ),
    OM(
        "java",
        "mvn -B test",
        """[INFO] Running {jpkg}.{jclass}Test
Exception in thread "main" java.lang.OutOfMemoryError: GC overhead limit exceeded
[ERROR] ExecutionException The forked VM terminated without properly saying goodbye. VM crash or System.exit called?
[ERROR] Process Exit Code: 137""",
    ),
    OM(
        "rust",
        "cargo build --release",
        """   Compiling {proj} v0.1.0 (/builds/{proj})
error: could not compile `{proj}` (lib)

Caused by:
  process didn't exit successfully: `rustc --crate-name {pkgdir} --edition=2021 src/lib.rs` (signal: 9, SIGKILL: kill)""",
        ci="gitlab-ci",
    ),
    OM(
        "go",
        "go test -race ./...",
        """fatal error: runtime: out of memory

runtime stack:
runtime.throw({{0x{sha}, 0x16}})
	/usr/local/go/src/runtime/panic.go:1023 +0x5c
FAIL	{gopkg}	{secs}s""",
    ),
    OM(
        "docker",
        "docker build .",
        """#9 [5/7] RUN npm run build
#9 {secs} <--- JS stacktrace --->
#9 {secs} FATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed - JavaScript heap out of memory
#9 ERROR: process "/bin/sh -c npm run build" did not complete successfully: exit code: 134""",
    ),
    OM(
        "shell",
        "./scripts/run-tests.sh",
        """Running suite {word}...
./scripts/run-tests.sh: line {n}:  {pid} Killed                  python -m {pkgdir}.bench --size large
ERROR: Job failed: exit code 137""",
        ci="gitlab-ci",
        footer=False,
    ),
    OM(
        "python",
        "pytest -n 4",
        """[gw2] node down: Not properly terminated
worker 'gw2' crashed while running '{pytest}::{test}'
Out of memory: Killed process {pid} (python) total-vm:{mem}000kB, anon-rss:{mem}000kB
OOMKilled""",
    ),
    OM(
        "shell",
        "kubectl logs job/{proj}-migrate",
        """Last State:     Terminated
      Reason:       OOMKilled
      Exit Code:    137
      Started:      Mon, 04 Mar 2024 10:{n}:00 +0000""",
    ),
    OM(
        "rust",
        "cargo test",
        """memory allocation of {total}0000000 bytes failed
error: test failed, to rerun pass `--lib`

Caused by:
  process didn't exit successfully: `/work/target/debug/deps/{proj}-{sha}` (signal: 6, SIGABRT: process abort signal)""",
    ),
    OM(
        "c-cpp",
        "./build/tests",
        """terminate called after throwing an instance of 'std::bad_alloc'
  what():  std::bad_alloc
Aborted (core dumped)""",
        exit_code=134,
    ),
)

DISK = (
    DS(
        "python",
        "pip install -r requirements.txt",
        """Collecting torch==2.{n}.0
  Downloading torch-2.{n}.0-cp311-cp311-manylinux1_x86_64.whl (755.5 MB)
ERROR: Could not install packages due to an OSError: [Errno 28] No space left on device""",
    ),
    DS(
        "docker",
        "docker build -t {proj}:{sha} .",
        """#11 [6/8] COPY . /app
#11 ERROR: failed to copy files: copy file range failed: no space left on device
ERROR: failed to solve: failed to compute cache key: write /var/lib/docker/tmp/buildkit-mount{n}/app: no space left on device""",
    ),
    DS(
        "node",
        "npm ci",
        """npm ERR! code ENOSPC
npm ERR! syscall write
npm ERR! errno -28
npm ERR! nospc ENOSPC: no space left on device, write
npm ERR! nospc There appears to be insufficient space on your system to finish.
npm ERR! nospc Clear up some disk space and try again.""",
    ),
    DS(
        "shell",
        "actions/runner",
        """System.IO.IOException: No space left on device : '/home/runner/runners/2.3{n}.0/_diag/Worker_2024{n}.log'
   at System.IO.RandomAccess.WriteAtOffset(SafeFileHandle handle, ReadOnlySpan`1 buffer, Int64 fileOffset)
   at GitHub.Runner.Common.HostTraceListener.WriteHeader(String source, TraceEventType eventType, Int32 id)""",
        ci="github-actions",
    ),
    DS(
        "rust",
        "cargo build",
        """error: failed to write /home/runner/work/{proj}/{proj}/target/debug/deps/lib{crate}-{sha}.rlib: No space left on device (os error 28)
error: could not compile `{crate}` (lib) due to 1 previous error""",
    ),
    DS(
        "c-cpp",
        "make -j2",
        """/usr/bin/ld: final link failed: No space left on device
collect2: error: ld returned 1 exit status
make: *** [Makefile:{n}: bin/{proj}] Error 1""",
    ),
    DS(
        "java",
        "./gradlew build",
        """FAILURE: Build failed with an exception.
* What went wrong:
java.io.IOException: No space left on device
> No space left on device""",
    ),
    DS(
        "shell",
        "git clone --depth 1 https://github.com/{user}/{proj}.git",
        """Cloning into '{proj}'...
fatal: write error: No space left on device
fatal: fetch-pack: invalid index-pack output""",
    ),
    DS(
        "shell",
        "tar xzf artifacts.tgz",
        """tar: build/assets/{word}.bin: Wrote only 4096 of 10240 bytes
tar: build/assets/{word2}.bin: Cannot write: No space left on device
tar: Exiting with failure status due to previous errors""",
    ),
    DS(
        "go",
        "go test ./...",
        """go: downloading {gomod} {gover}
go: writing go.sum: write /home/runner/go/pkg/mod/cache/download/{gomod}/@v/{gover}.zip: no space left on device
FAIL	{gopkg} [setup failed]""",
    ),
    DS(
        "python",
        "python -m pytest",
        """OSError: [Errno 28] No space left on device: '/tmp/pytest-of-runner/pytest-{n}/{test}0/{word}.db'""",
    ),
    DS(
        "docker",
        "docker pull {image}",
        """{sha}: Extracting  {n}.5MB/{total}MB
failed to register layer: write /usr/lib/x86_64-linux-gnu/lib{lib}.so.3: no space left on device""",
    ),
    DS(
        "shell",
        "apt-get install -y build-essential",
        """Get:{n} http://archive.ubuntu.com/ubuntu jammy/main amd64 gcc-12 amd64 12.3.0 [21.7 MB]
E: You don't have enough free space in /var/cache/apt/archives/.""",
    ),
    DS(
        "shell",
        "gitlab-runner",
        """Uploading artifacts for failed job
ERROR: Uploading artifacts as "archive" to coordinator... error  error=write /builds/tmp/artifacts{n}: disk quota exceeded""",
        ci="gitlab-ci",
    ),
)
