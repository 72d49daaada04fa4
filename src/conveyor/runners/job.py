"""Running one claimed job: workspace, steps in order with their conditions, retries, artifacts."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from conveyor.config import Settings
from conveyor.errors import InvalidInput
from conveyor.executions.claims import Claim, StepChange
from conveyor.logs import get_logger
from conveyor.pipelines.builtins import TOOLS_DIRECTORY, BuiltinContext, handler_of
from conveyor.pipelines.spec.expressions import (
    Context,
    ExpressionError,
    github_context,
    interpolate,
    parse_condition,
    runner_context,
)
from conveyor.pipelines.spec.model import ArtifactWhen
from conveyor.pipelines.spec.plan import CachePlan, StepPlan
from conveyor.projects.repos import RepoPolicy, check_repo_url
from conveyor.runners.artifacts import ArtifactError, restore_artifacts
from conveyor.runners.cache import CacheError, CacheStore
from conveyor.runners.link import JobLink
from conveyor.runners.masking import Masker
from conveyor.runners.outputs import MAX_OUTPUT_BYTES, OutputError, read_outputs, read_step_file
from conveyor.runners.process import ProcessOutcome, run_process
from conveyor.runners.reporter import Reporter
from conveyor.runners.sandbox import Confinement, Sandbox, SandboxError, sandbox_for
from conveyor.runners.workspace import (
    RESERVED_PREFIX,
    CheckoutError,
    checkout,
    collect_artifacts,
    fresh_directory,
    job_env,
)
from conveyor.status import FAILING, Status

log = get_logger(__name__)
SHELL = ("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c")
# `shell:` of a step: the command that runs its `run` text
SHELLS = {"bash": SHELL, "sh": ("sh", "-e", "-c"), "python": ("python3", "-c"), "pwsh": ("pwsh", "-command")}
LOST = "runner lost: this runner no longer holds the job (lease expired or cancelled elsewhere)"
OUTPUT_VARIABLES = ("CONVEYOR_OUTPUT", "GITHUB_OUTPUT")
# files a step writes to change the job's later steps: variables, PATH entries, a Markdown summary
STEP_FILES = {
    "env": ("CONVEYOR_ENV", "GITHUB_ENV"),
    "path": ("CONVEYOR_PATH", "GITHUB_PATH"),
    "summary": ("CONVEYOR_STEP_SUMMARY", "GITHUB_STEP_SUMMARY"),
}
# `steps.<id>.outcome` of a step that ended with each status
OUTCOMES = {Status.SUCCESS: "success", Status.SKIPPED: "skipped", Status.CANCELLED: "cancelled"}


@dataclass(kw_only=True)
class Runner:
    """What any process running jobs brings: settings, identity, the sandbox of its steps."""

    settings: Settings
    runner_id: str
    fixed_workspace: Path | None = None
    labels: frozenset[str] | None = None  # what `runs-on` it satisfies; None: it takes every job
    sandbox: Sandbox = field(init=False)

    def __post_init__(self) -> None:
        self.sandbox = sandbox_for(self.settings)


@dataclass(frozen=True)
class Result:
    status: Status
    exit_code: int | None = None
    error: str | None = None


class JobRun:
    def __init__(self, env: Runner, link: JobLink, claim: Claim, secrets: dict[str, str]) -> None:
        self.env, self.link, self.claim, self.secrets = env, link, claim, secrets
        self.mask = Masker(secrets.values())
        self.cancel = asyncio.Event()
        self.stopped: Result | None = None
        self.pid: int | None = None
        self.outputs: dict[str, str] | None = None
        self.exported: dict[str, str] = {}  # what steps wrote to $GITHUB_ENV, for the steps after
        self.added_path: list[str] = []  # what steps wrote to $GITHUB_PATH, newest first
        self.caches: list[dict[str, object]] | None = None
        self.sha = claim.commit_sha
        self.confinement: Confinement | None = None
        self.handed_over = False  # the workspace belongs to the sandbox's uid
        # the files a step writes to talk to the runner ($CONVEYOR_OUTPUT), outside its workspace
        self.files = env.settings.resolved_workspaces_dir / ".files" / claim.job_id
        settings = env.settings
        self.reporter = Reporter(
            link=link,
            claim=claim,
            masker=self.mask,
            interval=settings.log_flush_seconds,
            batch=settings.log_batch_lines,
            max_output_bytes=settings.job_log_max_bytes,
            lost=lambda: self.stop(LOST),
        )

    def stop(self, reason: str, status: Status = Status.FAILED) -> None:
        """End the job from outside: cancelled by a user, lost, or the runner shutting down."""
        self.stopped = self.stopped or Result(status, error=reason)
        self.cancel.set()

    async def run(self) -> Result:
        self.reporter.start()
        done = asyncio.Event()
        beat = asyncio.create_task(self._heartbeat(done), name=f"heartbeat-{self.claim.job_id}")
        try:
            result = await self._attempts()
        except Exception as exc:
            log.exception("job crashed in the runner", job=self.claim.job_id)
            result = Result(Status.FAILED, error=f"runner error: {exc}")
        finally:
            done.set()  # not cancel(): see Reporter.close
            await beat
            await self.reporter.close()
        error = self.mask.optional(result.error)
        await self.link.finish(
            self.claim,
            status=result.status,
            exit_code=result.exit_code,
            error=error,
            outputs=self.outputs,
            caches=self.caches,
        )
        return result

    async def _attempts(self) -> Result:
        if self.claim.attempt > 1:
            self.reporter.write(f"=== {self.claim.key}: attempt {self.claim.attempt} ===")
        result = await self._attempt()
        for left in range(self.claim.retries_left, 0, -1):
            if result.status in (Status.SUCCESS, Status.CANCELLED) or self.cancel.is_set():
                break
            self.reporter.write(f"=== {result.error or result.status}; retrying ({left} retries left) ===")
            await self.reporter.flush()
            if not await self._restart():
                break
            result = await self._attempt()
        if self.stopped is not None and result.status != Status.SUCCESS:
            return Result(self.stopped.status, result.exit_code, self.stopped.error)
        return result

    async def _restart(self) -> bool:
        return await self.link.restart(self.claim)

    async def _attempt(self) -> Result:
        deadline = asyncio.get_running_loop().time() + self.claim.plan.timeout
        problem = await asyncio.to_thread(self.env.sandbox.problem)
        if problem is not None:
            reason = f"sandbox unavailable: {problem} (CONVEYOR_SANDBOX=none runs steps unconfined)"
            self.reporter.write(reason)
            return Result(Status.FAILED, error=reason)
        try:
            workspace = await self._workspace()
        except CheckoutError as exc:
            self.reporter.write(str(exc))
            return Result(Status.FAILED, error=f"checkout failed: {exc}")
        try:
            fresh_directory(self.files)
            await self._restore_artifacts(workspace)
        except ArtifactError as exc:
            self.reporter.write(str(exc))
            self._cleanup(workspace)
            return Result(Status.FAILED, error=str(exc))
        self.confinement = await asyncio.to_thread(
            self.env.sandbox.prepare,
            workspace,
            files=self.files,
            network=self.claim.plan.network,
            owned=self.env.fixed_workspace is None,
        )
        self.handed_over = False
        try:
            result = await self._steps(workspace, deadline)
            await self._keep_artifacts(workspace, result.status)
            await self._keep_reports(workspace)
            return result
        finally:
            self.env.sandbox.discard(self.confinement)
            self._cleanup(workspace)

    async def _workspace(self) -> Path:
        if self.env.fixed_workspace is not None:
            return self.env.fixed_workspace
        root = self.env.settings.resolved_workspaces_dir / self.claim.execution_id
        dest = root / re.sub(r"[^A-Za-z0-9_.-]+", "_", self.claim.key)
        if not self.claim.repo_url:
            fresh_directory(dest)
            return dest
        try:
            await check_repo_url(self.claim.repo_url, RepoPolicy.of(self.env.settings))
        except InvalidInput as exc:
            raise CheckoutError(f"{exc.detail} (the project's repoUrl is no longer allowed)") from None
        self.reporter.write(
            f"Checking out {self.claim.repo_url} at {self.claim.commit_sha or self.claim.ref}"
        )
        sha = await checkout(self.claim.repo_url, ref=self.claim.ref, sha=self.claim.commit_sha, dest=dest)
        self.reporter.write(f"HEAD is now at {sha}")
        self.sha = sha
        if self.claim.commit_sha is None:
            await self.link.record_commit(self.claim, sha)
        return dest

    def _cleanup(self, workspace: Path) -> None:
        shutil.rmtree(self.files, ignore_errors=True)
        if self.env.fixed_workspace is None and not self.env.settings.keep_workspaces:
            shutil.rmtree(workspace, ignore_errors=True)
            with contextlib.suppress(OSError):
                workspace.parent.rmdir()

    async def _steps(self, workspace: Path, deadline: float) -> Result:
        env = job_env(self.claim, workspace, self.secrets)
        context = self._context(workspace)
        env.update(github_variables(context.conveyor))
        self.exported, self.added_path = {}, []
        try:
            values = {name: interpolate(value, context) for name, value in self.claim.plan.env.items()}
        except ExpressionError as exc:
            self.reporter.write(f"env: {exc}")
            return Result(Status.FAILED, error=f"env: {exc}")
        env.update(values)
        context = replace(context, env=values)
        try:
            caches = [
                (spec, interpolate(spec.key, context), [interpolate(k, context) for k in spec.restore_keys])
                for spec in self.claim.plan.cache
            ]
        except ExpressionError as exc:
            self.reporter.write(f"cache: {exc}")
            return Result(Status.FAILED, error=f"cache: {exc}")
        self.caches = [
            await self._restore_cache(workspace, key, restore_keys) for _, key, restore_keys in caches
        ]
        failure: Result | None = None
        for index, step in enumerate(self.claim.plan.steps):
            context = replace(context, success=failure is None, failure=failure is not None)
            remaining = deadline - asyncio.get_running_loop().time()
            outcome, outputs = await self._maybe_step(index, step, workspace, env, remaining, context)
            context = replace(context, env={**context.env, **self.exported})
            if step.id is not None:
                context = replace(
                    context, steps={**context.steps, step.id: _step_context(step, outcome, outputs)}
                )
            if outcome.status == Status.TIMED_OUT and (step.timeout is None or remaining <= step.timeout):
                failure = Result(Status.TIMED_OUT, None, f"job timed out after {self.claim.plan.timeout:g}s")
                deadline = 0.0
            elif failure is None and Status(outcome.status) in FAILING and not step.continue_on_error:
                failure = outcome
        if failure is None and self.cancel.is_set():  # steps were skipped because the job was stopped
            failure = self.stopped or Result(Status.CANCELLED, error="cancelled")
        if failure is None:
            for (spec, key, _), record in zip(caches, self.caches, strict=True):
                await self._save_cache(workspace, spec, key, record)
        await self.reporter.flush()
        return self._job_outputs(context, failure or Result(Status.SUCCESS, 0))

    async def _restore_artifacts(self, workspace: Path) -> None:
        if self.claim.artifact_sources:
            await restore_artifacts(
                self.link,
                self.claim,
                self.claim.artifact_sources,
                workspace,
                max_bytes=self.env.settings.artifact_restore_max_bytes,
                log=self.reporter.write,
            )

    def _cache_store(self) -> CacheStore:
        settings = self.env.settings
        return CacheStore(settings.resolved_cache_dir / self.claim.project_id, settings.cache_max_bytes)

    async def _restore_cache(self, workspace: Path, key: str, restore_keys: list[str]) -> dict[str, object]:
        store = self._cache_store()
        record: dict[str, object] = {"key": key, "hit": "miss"}
        entry = await asyncio.to_thread(store.find, key, restore_keys)
        if entry is None:
            self.reporter.write(f"cache: miss for {key!r}")
            return record
        try:
            await asyncio.to_thread(store.restore, entry, workspace)
        except CacheError as exc:
            self.reporter.write(f"cache: miss for {key!r}: {exc}")
            return record
        hit = "exact" if entry.key == key else "partial"
        self.reporter.write(f"cache: {hit} hit for {key!r}, restored {entry.key!r} ({entry.size} bytes)")
        return {**record, "hit": hit, "restored_key": entry.key}

    async def _save_cache(
        self, workspace: Path, spec: CachePlan, key: str, record: dict[str, object]
    ) -> None:
        if record["hit"] == "exact":
            return  # as in GitHub: an entry is never overwritten
        notes: list[str] = []  # written here: the reporter belongs to the event loop's thread
        try:
            size = await asyncio.to_thread(self._cache_store().save, key, spec.paths, workspace, notes.append)
        except (CacheError, OSError) as exc:
            notes.append(f"cache: {key!r} not saved: {exc}")
            size = None
        for note in notes:
            self.reporter.write(note)
        if size is not None:
            self.reporter.write(f"cache: saved {key!r} ({size} bytes)")
            record.update(saved=True, size=size)

    def _context(self, workspace: Path) -> Context:
        conveyor = {**self.claim.conveyor, "sha": self.sha or "", "job": self.claim.plan.definition_id}
        return Context(
            matrix=self.claim.plan.matrix,
            secrets={k: v for k, v in self.secrets.items() if not k.startswith(RESERVED_PREFIX)},
            needs=self.claim.needs,
            inputs=self.claim.inputs,
            conveyor={**conveyor, "workspace": str(workspace)},
            workspace=workspace,
        )

    async def _maybe_step(
        self,
        index: int,
        step: StepPlan,
        workspace: Path,
        env: dict[str, str],
        remaining: float,
        context: Context,
    ) -> tuple[Result, dict[str, str]]:
        """Run the step if its condition holds; its result and outputs."""
        try:
            wanted = not self.cancel.is_set() and parse_condition(step.condition).evaluate(context)
            if wanted:
                step = _filled(step, context)
        except ExpressionError as exc:
            error = f"step {step.name!r}: {exc}"
            self.reporter.write(error)
            self._set_step(index, Status.FAILED, error=error)
            return Result(Status.FAILED, error=error), {}
        if not wanted:
            self._set_step(index, Status.SKIPPED)
            return Result(Status.SKIPPED), {}
        return await self._step(index, step, workspace, env, remaining)

    async def _step(
        self, index: int, step: StepPlan, workspace: Path, env: dict[str, str], remaining: float
    ) -> tuple[Result, dict[str, str]]:
        if remaining <= 0:
            self._set_step(index, Status.TIMED_OUT, error="no time left in the job")
            return Result(Status.TIMED_OUT, error="job timed out"), {}
        self._set_step(index, Status.RUNNING)
        self.reporter.step_index = index
        output = self.files / f"output-{index}"
        files = {kind: self.files / f"{kind}-{index}" for kind in STEP_FILES}
        for path in (output, *files.values()):
            path.unlink(missing_ok=True)  # never written through a link an earlier step left
            path.write_bytes(b"")
        env = {**env, **self.exported, **step.env, **dict.fromkeys(OUTPUT_VARIABLES, str(output))}
        for kind, names in STEP_FILES.items():
            env.update(dict.fromkeys(names, str(files[kind])))
        if self.added_path:
            env["PATH"] = os.pathsep.join([*self.added_path, env.get("PATH", "")])
        if step.uses is not None:
            result = await self._builtin(step, workspace, env)
        else:
            result = await self._command(step, workspace, env, remaining, [output, *files.values()])
        outputs, result = self._read_outputs(output, result)
        result = self._read_step_files(files, result)
        self.reporter.step_index = None
        self._set_step(index, result.status, exit_code=result.exit_code, error=result.error)
        return result, outputs

    def _read_step_files(self, files: dict[str, Path], result: Result) -> Result:
        """Take in what the step wrote to $GITHUB_ENV, $GITHUB_PATH and $GITHUB_STEP_SUMMARY."""
        try:
            exported = read_outputs(files["env"], name="$GITHUB_ENV")
            paths = read_step_file(files["path"], name="$GITHUB_PATH").splitlines()
            summary = read_step_file(files["summary"], name="$GITHUB_STEP_SUMMARY")
        except OutputError as exc:
            self.reporter.write(f"step files: {exc}")
            return (
                result
                if result.status != Status.SUCCESS
                else Result(Status.FAILED, result.exit_code, str(exc))
            )
        if reserved := [name for name in exported if not ENV_NAME.match(name) or name in PROTECTED_ENV]:
            self.reporter.write(f"$GITHUB_ENV: {reserved[0]!r} cannot be set by a step; ignored")
        self.exported.update({k: v for k, v in exported.items() if k not in reserved})
        self.added_path[:0] = [path.strip() for path in reversed(paths) if path.strip()]
        for line in summary.splitlines():
            self.reporter.write(f"summary: {line}")
        return result

    def _read_outputs(self, output: Path, result: Result) -> tuple[dict[str, str], Result]:
        try:
            return read_outputs(output), result
        except OutputError as exc:
            self.reporter.write(f"outputs: {exc}")
            if result.status != Status.SUCCESS:
                return {}, result
            return {}, Result(Status.FAILED, result.exit_code, f"outputs: {exc}")

    def _job_outputs(self, context: Context, result: Result) -> Result:
        """Fill the job's `outputs:` (masked: they travel to other jobs and to clients)."""
        try:
            outputs = {k: self.mask(interpolate(v, context)) for k, v in self.claim.plan.outputs.items()}
        except ExpressionError as exc:
            self.reporter.write(f"outputs: {exc}")
            return (
                result if result.status != Status.SUCCESS else Result(Status.FAILED, error=f"outputs: {exc}")
            )
        if sum(len(k) + len(v) for k, v in outputs.items()) > MAX_OUTPUT_BYTES:
            error = f"outputs: the job's outputs hold more than {MAX_OUTPUT_BYTES} characters"
            self.reporter.write(error)
            return result if result.status != Status.SUCCESS else Result(Status.FAILED, error=error)
        self.outputs = outputs or None
        return result

    async def _command(
        self, step: StepPlan, workspace: Path, env: dict[str, str], remaining: float, files: list[Path]
    ) -> Result:
        cwd = _working_directory(workspace, step.working_directory)
        if cwd is None:
            self.reporter.write(
                f"working-directory {step.working_directory!r} is not a directory in the workspace"
            )
            return Result(Status.FAILED, error=f"working-directory {step.working_directory!r} not found")
        shell = SHELLS[step.shell]
        if shutil.which(shell[0], path=env.get("PATH")) is None:
            self.reporter.write(f"shell {step.shell!r}: {shell[0]} is not installed on this runner")
            return Result(
                Status.FAILED, error=f"shell {step.shell!r}: {shell[0]} is not installed on this runner"
            )
        timeout = min(step.timeout or remaining, remaining)
        assert self.confinement is not None
        await self._hand_over(self.confinement, files)
        try:
            outcome = await run_process(
                [*shell, step.run or ""],
                cwd=cwd,
                env=env,
                time_limit=timeout,
                cancel=self.cancel,
                on_line=self.reporter.output,
                on_start=self._started,
                sandbox=self.env.sandbox,
                confinement=self.confinement,
            )
        except SandboxError as exc:
            self.reporter.write(f"sandbox: {exc}")
            return Result(Status.FAILED, error=f"sandbox: {exc}")
        finally:
            self.pid = None
        return _step_result(step, outcome, timeout)

    async def _hand_over(self, confinement: Confinement, files: list[Path]) -> None:
        """Give the step's uid its workspace and the tools builtins installed (once, and again
        after a builtin wrote to them) and its files; the directory of those stays the runner's."""
        sandbox = self.env.sandbox
        if not self.handed_over:
            await asyncio.to_thread(sandbox.hand_over, confinement, confinement.workspace, tree=True)
            if (self.files / TOOLS_DIRECTORY).is_dir():
                await asyncio.to_thread(
                    sandbox.hand_over, confinement, self.files / TOOLS_DIRECTORY, tree=True
                )
            self.handed_over = True
        for path in files:
            await asyncio.to_thread(sandbox.hand_over, confinement, path, tree=False)

    def _started(self, pid: int) -> None:
        self.pid = pid

    async def _builtin(self, step: StepPlan, workspace: Path, env: dict[str, str]) -> Result:
        handler = handler_of(step.uses or "")
        job = self.link.builtin_job(self.claim)
        context = BuiltinContext(
            workspace=workspace,
            inputs=step.inputs,
            env=env,
            log=self.reporter.output,
            job=job,
            caches=tuple(self.caches or ()),
            tools=self.files / TOOLS_DIRECTORY,
        )
        outcome = await handler(context)
        self.handed_over = False  # the builtin ran as the runner and may have written files
        return Result(Status(outcome.status), error=outcome.reason)

    def _set_step(
        self, index: int, status: Status, *, exit_code: int | None = None, error: str | None = None
    ) -> None:
        self.reporter.step(StepChange(index, status, exit_code, self.mask.optional(error)))

    async def _keep_artifacts(self, workspace: Path, status: Status) -> None:
        spec = self.claim.plan.artifacts
        if spec is None or not _artifacts_wanted(spec.when, status):
            return
        files = collect_artifacts(
            workspace, spec.paths, max_bytes=self.env.settings.artifact_max_bytes, warn=self.reporter.write
        )
        if files:
            self.reporter.write(f"artifacts: kept {len(files)} file(s)")
            await self.link.store_artifacts(self.claim, files)

    async def _keep_reports(self, workspace: Path) -> None:
        patterns = self.claim.plan.junit
        if not patterns:
            return
        # Only a job with reports needs the XML parser (imported here: ~4 ms of every local run).
        from conveyor.runners.junit import collect_reports

        notes: list[str] = []  # written here: the reporter belongs to the event loop's thread
        cases = await asyncio.to_thread(collect_reports, workspace, patterns, notes.append)
        for note in notes:
            self.reporter.write(note)
        cases = [replace(case, message=self.mask.optional(case.message)) for case in cases]
        summary = await self.link.store_test_results(self.claim, cases)
        self.reporter.write(
            f"reports: {summary['passed']} passed, {summary['failed']} failed, {summary['skipped']} skipped"
        )

    async def _heartbeat(self, done: asyncio.Event) -> None:
        settings = self.env.settings
        while not done.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), settings.job_heartbeat_seconds)
                return
            try:
                beat = await self.link.heartbeat(self.claim, pgid=self.pid)
            except Exception:
                log.exception("heartbeat failed", job=self.claim.job_id)
                continue
            if not beat.held:
                self.stop(LOST)
            elif beat.cancel:
                self.stop("cancelled", Status.CANCELLED)


ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# what a step may not change for the steps after it: the files it talks to the runner through
PROTECTED_ENV = frozenset({*OUTPUT_VARIABLES, *(name for names in STEP_FILES.values() for name in names)})
PROTECTED_ENV |= {"CI_RUNNER_GUARD", "PATH"}


def github_variables(conveyor: Mapping[str, Any]) -> dict[str, str]:
    """GitHub's default variables (``GITHUB_SHA``, ``RUNNER_OS``...) for the run, as workflows read them."""
    github, runner = github_context(conveyor), runner_context(conveyor)
    names: tuple[str, ...] = ("sha", "ref", "ref_name", "ref_type", "event_name", "run_id", "run_number")
    names += ("actor", "job", "workspace", "head_ref", "base_ref")
    variables = {f"GITHUB_{name.upper()}": str(github[name]) for name in names}
    variables["GITHUB_RUN_NUMBER"] = str(int(float(github["run_number"] or 0)))
    variables.update({f"RUNNER_{name.upper()}": str(runner[name]) for name in ("os", "arch", "temp")})
    return variables


def _filled(step: StepPlan, context: Context) -> StepPlan:
    """The step with its expressions filled: ``env`` first, which ``run`` and ``with`` can read."""
    env = {name: interpolate(value, context) for name, value in step.env.items()}
    context = replace(context, env={**context.env, **env})
    return step.model_copy(
        update={
            "env": env,
            "run": None if step.run is None else interpolate(step.run, context),
            "inputs": {name: interpolate(value, context) for name, value in step.inputs.items()},
            "working_directory": (
                None if step.working_directory is None else interpolate(step.working_directory, context)
            ),
        }
    )


def _step_context(step: StepPlan, result: Result, outputs: dict[str, str]) -> dict[str, Any]:
    outcome = OUTCOMES.get(result.status, "failure")
    conclusion = "success" if outcome == "failure" and step.continue_on_error else outcome
    return {"outputs": outputs, "outcome": outcome, "conclusion": conclusion}


def _working_directory(workspace: Path, relative: str | None) -> Path | None:
    """The step's directory inside the workspace, or None if it is missing or outside."""
    base = workspace.resolve()  # relative when CONVEYOR_DATA_DIR is (the default ./.conveyor)
    cwd = (base / relative).resolve() if relative else base
    return cwd if cwd.is_relative_to(base) and cwd.is_dir() else None


def _artifacts_wanted(when: ArtifactWhen, status: Status) -> bool:
    if when is ArtifactWhen.ALWAYS:
        return True
    return (when is ArtifactWhen.ON_SUCCESS) == (status == Status.SUCCESS)


def _step_result(step: StepPlan, outcome: ProcessOutcome, timeout: float) -> Result:
    if outcome.cancelled:
        return Result(Status.CANCELLED, outcome.exit_code, "cancelled")
    if outcome.timed_out:
        return Result(Status.TIMED_OUT, outcome.exit_code, f"step {step.name!r} timed out after {timeout:g}s")
    if outcome.exit_code == 0:
        return Result(Status.SUCCESS, 0)
    return Result(
        Status.FAILED, outcome.exit_code, f"step {step.name!r} exited with code {outcome.exit_code}"
    )
