"""Repair benchmark: fixture repositories unpacked from real PyPI sdists (attrs, six, idna,
packaging, itsdangerous), each with one injected failure of a fixable class. The real failing
command runs, the built-in fixers propose patches, the first one is applied and the command runs
again. Per class: the share fixed (patch applied, the failing command then passes), wrong patches
(an offered patch after which a check that passed on the pristine sdist fails: the package no
longer imports) and the time from the failure's log to the proposed patch (target < 5 s).

    .venv/bin/python -m bench.bench_repair

sdists and the wheels the dependency cases install (offline, ``--no-index``) are downloaded once
with pip into ``$TMPDIR/conveyor-bench-repair``. Not covered: the verification through a server
run (the bench re-runs the failing command itself) and the sdists' own test suites.
"""

from __future__ import annotations

import ast
import asyncio
import configparser
import os
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from conveyor.debug.analysis import FailedStep, diagnose_log
from conveyor.debug.fixers import BUILTIN_FIXERS, FixContext
from conveyor.debug.patches import generate
from conveyor.pipelines.spec.validate import parse_definition

CACHE = Path(tempfile.gettempdir()) / "conveyor-bench-repair"
SDISTS = {"attrs": "23.2.0", "six": "1.16.0", "idna": "3.7", "packaging": "24.1", "itsdangerous": "2.2.0"}
# The module each case edits, and what must still import afterwards (the "passing check").
MODULES = {
    "attrs": ("src/attr/validators.py", "attr"),
    "six": ("six.py", "six"),
    "idna": ("idna/core.py", "idna"),
    "packaging": ("src/packaging/version.py", "packaging.version"),
    "itsdangerous": ("src/itsdangerous/signer.py", "itsdangerous"),
}
WHEELS = (
    "six==1.16.0",
    "six==1.8.0",
    "zipp==3.1.0",
    "zipp==3.21.0",
    "pyparsing==3.0.5",
    "pyparsing==3.1.2",
    "packaging==21.3",
    "importlib-metadata==8.5.0",
    "python-dateutil==2.9.0.post0",
    "html5lib==1.1",
    "webencodings==0.5.1",
    "ecdsa==0.19.0",
)
RUFF = [sys.executable, "-m", "ruff"]
Outcome = tuple[bool, str]
Command = Callable[[Path, str | None], Outcome]


@dataclass(frozen=True)
class Case:
    kind: str
    package: str
    inject: dict[str, str]  # path -> text appended (created when missing)
    command: Command
    definition: str | None = None
    failed: list[FailedStep] = field(default_factory=list)


@dataclass(frozen=True)
class Result:
    offered: bool
    fixed: bool
    wrong: bool
    seconds: float
    fixer: str
    label: str
    changed: int = 0  # lines the patch adds or removes


def pip(*args: str, offline: bool = True, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if offline:  # the machine's pip config adds indexes and constraints: the bench sees only WHEELS
        env = {k: v for k, v in env.items() if not k.startswith("PIP_")} | {"PIP_CONFIG_FILE": os.devnull}
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd)


def download() -> None:
    for name, version in SDISTS.items():
        if not list((CACHE / "sdists").glob(f"{name}-{version}.tar.gz")):
            pip(
                "download",
                "-q",
                "--no-deps",
                "--no-binary",
                ":all:",
                "-d",
                str(CACHE / "sdists"),
                f"{name}=={version}",
                offline=False,
            ).check_returncode()
    for spec in WHEELS:
        name, version = spec.split("==")
        stem = name.replace("-", "_")
        if not list((CACHE / "wheels").glob(f"{stem}-{version}-*.whl")):
            pip(
                "download",
                "-q",
                "--no-deps",
                "--only-binary",
                ":all:",
                "-d",
                str(CACHE / "wheels"),
                spec,
                offline=False,
            ).check_returncode()


def run(repo: Path, command: list[str], deps: str = "") -> Outcome:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (deps, ".", "src") if p))
    done = subprocess.run(command, cwd=repo, capture_output=True, text=True, env=env)
    return done.returncode == 0, done.stdout + done.stderr


def imports(repo: Path, module: str, deps: str = "") -> Outcome:
    return run(repo, [sys.executable, "-S", "-B", "-c", f"import {module}"], deps)


def setup_py_requires(text: str) -> list[str]:
    """The literal ``install_requires`` setup.py passes to ``setup()`` (what setuptools reads;
    running setup.py would import the broken module itself, as six's does)."""
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "setup":
            for keyword in node.keywords:
                if keyword.arg == "install_requires":
                    return list(ast.literal_eval(keyword.value))
    return []


def declared(repo: Path) -> list[str]:
    """The project's runtime dependencies, read the way an installer would: requirements.txt,
    else pyproject [project] dependencies, else setup.cfg [options] install_requires plus
    setup.py's."""
    if (repo / "requirements.txt").is_file():
        return [line for line in (repo / "requirements.txt").read_text().splitlines() if line.strip()]
    if (repo / "pyproject.toml").is_file():
        project = tomllib.loads((repo / "pyproject.toml").read_text()).get("project")
        if project is not None and "dependencies" not in project.get("dynamic", []):
            return list(project.get("dependencies", []))
    found: list[str] = []
    if (repo / "setup.cfg").is_file():
        config = configparser.ConfigParser()
        config.read(repo / "setup.cfg")
        found += config.get("options", "install_requires", fallback="").split()
    if (repo / "setup.py").is_file():
        found += setup_py_requires((repo / "setup.py").read_text())
    return found


def install_then_import(module: str) -> Command:
    def command(repo: Path, _definition: str | None) -> Outcome:
        with tempfile.TemporaryDirectory() as target:
            if wanted := declared(repo):
                done = pip(
                    "install",
                    "-q",
                    "--no-index",
                    "--find-links",
                    str(CACHE / "wheels"),
                    "--target",
                    target,
                    *wanted,
                )
                if done.returncode:
                    return False, done.stdout + done.stderr
            return imports(repo, module, target)

    return command


def resolve(repo: Path, _definition: str | None) -> Outcome:
    done = pip(
        "install",
        "--dry-run",
        "--ignore-installed",
        "--no-index",
        "--find-links",
        str(CACHE / "wheels"),
        "-r",
        "requirements.txt",
        cwd=repo,
    )
    return done.returncode == 0, done.stdout + done.stderr


def shell(line: str) -> Command:
    return lambda repo, _definition: run(repo, ["sh", "-c", line])


def argv(command: list[str]) -> Command:
    return lambda repo, _definition: run(repo, command)


def pipeline(repo: Path, definition: str | None) -> Outcome:
    """Runs the one step of job ``test`` under its own timeout, as the runner would."""
    assert definition is not None
    step = parse_definition(definition).jobs["test"].steps[0]
    assert step.run is not None and isinstance(step.timeout, float)
    env = dict(os.environ, PYTHONPATH=".:src")
    process = subprocess.Popen(["sh", "-c", step.run], cwd=repo, env=env, start_new_session=True)
    try:
        return process.wait(timeout=step.timeout) == 0, ""
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return False, f"step '{step.name}' of job test timed out after {step.timeout:g}s\n"


def lint_cases() -> list[Case]:
    found = []
    for package, (module, _) in MODULES.items():
        command = argv([*RUFF, "check", "--no-cache", "--no-fix", "--select", "F401", module])
        found.append(Case("lint_format", package, {module: "\nimport os\n"}, command))
    return found


def dependency_cases() -> list[Case]:
    missing = {
        "attrs": "six",
        "six": "zipp",
        "idna": "zipp",
        "packaging": "pyparsing",
        "itsdangerous": "dateutil",
    }
    return [
        Case(
            "missing_dependency",
            package,
            {MODULES[package][0]: f"\nimport {module}\n"},
            install_then_import(MODULES[package][1]),
        )
        for package, module in missing.items()
    ]


def timeout_cases() -> list[Case]:
    found = []
    for package in ("attrs", "idna", "packaging", "itsdangerous"):
        work = f"{sys.executable} -S -B -c 'import {MODULES[package][1]}' && sleep 2.5"
        text = f"jobs:\n  test:\n    steps:\n      - name: check\n        run: {work}\n        timeout: 2\n"
        failed = FailedStep("test", "check", 0, True, 3600.0, 2.0)
        found.append(Case("timeout", package, {}, pipeline, text, [failed]))
    return found


def pipeline_key_cases() -> list[Case]:
    validate = "from conveyor.pipelines.spec import parse_definition as p; p(open('.conveyor.yml').read())"
    found = []
    packages = ("attrs", "six", "idna", "packaging")
    for package, wrong in zip(
        packages, ("timout: 60", "retires: 1", "neds: []", "continue-on-eror: true"), strict=True
    ):
        job = "" if wrong.startswith("continue") else f"    {wrong}\n"
        step = f"        {wrong}\n" if wrong.startswith("continue") else ""
        text = f"jobs:\n  test:\n{job}    steps:\n      - run: echo ok\n{step}"
        found.append(
            Case("pipeline_key", package, {".conveyor.yml": text}, argv([sys.executable, "-c", validate]))
        )
    return found


def execute_bit_cases() -> list[Case]:
    found = []
    for package, (_, module) in list(MODULES.items())[:4]:
        script = f"scripts/check_{package}.sh"
        text = f"#!/bin/sh\nPYTHONPATH=.:src exec {sys.executable} -S -B -c 'import {module}'\n"
        found.append(Case("execute_bit", package, {script: text}, shell(f"./{script}")))
    return found


def conflict_cases() -> list[Case]:
    pins = {
        "attrs": "importlib-metadata==8.5.0\nzipp==3.1.0\n",
        "idna": "packaging==21.3\npyparsing==3.0.5\n",
        "packaging": "html5lib==1.1\nsix==1.8.0\n",
        "itsdangerous": "ecdsa==0.19.0\nsix==1.8.0\n",
    }
    return [Case("dependency_conflict", p, {"requirements.txt": text}, resolve) for p, text in pins.items()]


def cases() -> list[Case]:
    return [
        *lint_cases(),
        *dependency_cases(),
        *timeout_cases(),
        *pipeline_key_cases(),
        *execute_bit_cases(),
        *conflict_cases(),
    ]


def git(repo: Path, *args: str, stdin: str | None = None) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, input=stdin, text=True)


def fixture(case: Case, root: Path) -> Path:
    with tarfile.open(CACHE / "sdists" / f"{case.package}-{SDISTS[case.package]}.tar.gz") as archive:
        archive.extractall(root, filter="data")
    repo = root / f"{case.package}-{SDISTS[case.package]}"
    for name, text in case.inject.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        with (repo / name).open("a") as file:
            file.write(text)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "-c", "user.email=b@x", "-c", "user.name=b", "commit", "-qm", "fixture")
    return repo


async def one(case: Case, root: Path) -> Result:
    repo = fixture(case, root)
    module = MODULES[case.package][1]
    # The passing check: the package imports. A missing dependency breaks it on purpose; there
    # the failing command itself (install what is declared, then import) is the check.
    guarded = case.kind != "missing_dependency" and imports(repo, module)[0]
    ok, log = case.command(repo, case.definition)
    assert not ok, f"{case.kind}/{case.package}: the injected failure did not fail"
    started = time.perf_counter()
    diagnosis = await diagnose_log(log)
    ctx = FixContext(
        diagnosis.result.label, diagnosis.errors, diagnosis.log, repo, case.definition, case.failed
    )
    patches = await generate(ctx, BUILTIN_FIXERS)
    seconds = time.perf_counter() - started
    label = diagnosis.result.label or "-"
    if not patches:
        return Result(False, False, False, seconds, "-", label)
    first = patches[0]
    if first.proposal.definition is None:
        git(repo, "apply", stdin=first.diff)
    fixed, _ = case.command(repo, first.proposal.definition or case.definition)
    wrong = guarded and not imports(repo, module)[0]
    return Result(True, fixed, wrong, seconds, first.proposal.fixer, label, changed_lines(first.diff))


def changed_lines(diff: str) -> int:
    return sum(1 for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---"))


def median(values: list[int]) -> str:
    return str(sorted(values)[len(values) // 2]) if values else "-"


def table(results: dict[str, list[Result]]) -> str:
    lines = [
        "| class | cases | patch offered | fixed | wrong patches | fixers | median s | slowest s "
        "| patch lines (median) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for kind, rows in results.items():
        times = sorted(r.seconds for r in rows)
        fixed = sum(r.fixed for r in rows)
        fixers = ", ".join(sorted({r.fixer for r in rows}))
        lines.append(
            f"| {kind} | {len(rows)} | {sum(r.offered for r in rows)} | {fixed}/{len(rows)} "
            f"({100 * fixed // len(rows)}%) | {sum(r.wrong for r in rows)} | {fixers} "
            f"| {times[len(times) // 2]:.2f} | {times[-1]:.2f} "
            f"| {median([r.changed for r in rows if r.offered])} |"
        )
    return "\n".join(lines)


async def main() -> None:
    download()
    results: dict[str, list[Result]] = {}
    for case in cases():
        with tempfile.TemporaryDirectory() as scratch:
            result = await one(case, Path(scratch))
        print(f"{case.kind:20} {case.package:13} {result}", flush=True)
        results.setdefault(case.kind, []).append(result)
    print(table(results))
    total = [r for rows in results.values() for r in rows]
    print(f"all: {sum(r.fixed for r in total)}/{len(total)} fixed, {sum(r.wrong for r in total)} wrong")


if __name__ == "__main__":
    asyncio.run(main())
