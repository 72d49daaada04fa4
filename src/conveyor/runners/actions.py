"""The GitHub actions Conveyor provides natively (docs/github-actions.md).

``actions/checkout``: the job's workspace already holds the repository at the run's commit.
``actions/setup-python`` and ``actions/setup-node`` use interpreters installed on the runner
(never a download): the requested version is looked up, a Python one gets a virtual environment
in the job's tools directory (so ``pip install`` works as on GitHub), and its ``bin`` goes first
on the ``PATH`` of the steps after it; a version the runner lacks fails the step saying which
ones it has. ``actions/cache`` and ``actions/upload-artifact`` are carried out by the job's
caches and artifacts (the workflow's translation moves them there); ``actions/download-artifact``
finds the artifacts of the jobs it needs already in the workspace.
"""

from __future__ import annotations

import asyncio
import glob
import os
import re
import shutil
from pathlib import Path

from conveyor.pipelines.builtins import BuiltinContext, BuiltinOutcome, register

VERSION_TIMEOUT_SECONDS = 10.0
VENV_TIMEOUT_SECONDS = 120.0
# where runners commonly keep interpreters: the system's first, then (after the PATH) tool caches
PYTHON_HOMES = (
    "/usr/local/bin",
    "/usr/bin",
    "/opt/hostedtoolcache/Python/*/*/bin",
    "~/.pyenv/versions/*/bin",
)
NODE_HOMES = ("/usr/local/bin", "/usr/bin", "/opt/hostedtoolcache/node/*/*/bin", "~/.nvm/versions/node/*/bin")
_REPORT_VERSION = (
    "import platform as p, sys; sys.stdout.write(p.python_implementation() + ' ' + p.python_version())"
)
_PYTHON_NAME = re.compile(r"^(python|pypy)(\d+(?:\.\d+)?)$")


@register("actions/checkout")
async def checkout(context: BuiltinContext) -> BuiltinOutcome:
    sha = context.job.commit_sha if context.job else None
    if not (context.workspace / ".git").exists():
        context.log("actions/checkout: the project has no repository; the workspace is empty")
    else:
        context.log(f"actions/checkout: the workspace holds the repository at {sha or 'the requested ref'}")
    return BuiltinOutcome("success")


@register("actions/setup-python")
async def setup_python(context: BuiltinContext) -> BuiltinOutcome:
    wanted = _wanted_version(context, "python-version", "python-version-file", ".python-version")
    found = await _pythons(context.env.get("PATH", ""))
    interpreter = _pick(found, wanted)
    if interpreter is None:
        have = ", ".join(sorted(found, key=_version_key)) or "none"
        reason = (
            f"actions/setup-python: Python {wanted or '3'} is not installed on this runner (it has {have})"
        )
        context.log(reason)
        return BuiltinOutcome("failed", reason)
    version, path = interpreter
    if context.tools is None:
        return BuiltinOutcome("failed", "actions/setup-python: this runner has no tools directory")
    venv = context.tools / f"python-{version}"
    if not (venv / "bin" / "python").exists():
        context.log(f"actions/setup-python: Python {version} ({path}), a virtual environment in {venv}")
        problem = await _run(str(path), "-m", "venv", str(venv), limit=VENV_TIMEOUT_SECONDS)
        if problem is not None:
            return BuiltinOutcome("failed", f"actions/setup-python: {problem}")
    _append(context, "GITHUB_PATH", f"{venv / 'bin'}\n")
    _append(context, "GITHUB_ENV", f"pythonLocation={venv}\nVIRTUAL_ENV={venv}\n")
    _append(context, "GITHUB_OUTPUT", f"python-version={version}\npython-path={venv / 'bin' / 'python'}\n")
    if context.inputs.get("cache"):
        context.log("actions/setup-python: 'cache' is ignored; use the job's cache (actions/cache)")
    return BuiltinOutcome("success")


@register("actions/setup-node")
async def setup_node(context: BuiltinContext) -> BuiltinOutcome:
    wanted = _wanted_version(context, "node-version", "node-version-file", ".nvmrc").lstrip("v")
    candidates = _executables("node", context.env.get("PATH", ""), NODE_HOMES)
    found: dict[str, Path] = {}
    for candidate in candidates:
        version = await _output(str(candidate), "--version")
        if version:
            found.setdefault(version.strip().lstrip("v"), candidate)
    any_version = wanted in ("", "lts/*", "latest", "node", "*")
    prefix = wanted.removesuffix(".x").removesuffix(".*")
    match = next(
        (v for v in sorted(found, key=_version_key, reverse=True) if any_version or _fits(v, prefix)), None
    )
    if match is None:
        have = ", ".join(sorted(found, key=_version_key)) or "none"
        reason = f"actions/setup-node: Node.js {wanted} is not installed on this runner (it has {have})"
        context.log(reason)
        return BuiltinOutcome("failed", reason)
    context.log(f"actions/setup-node: Node.js {match} ({found[match]})")
    _append(context, "GITHUB_PATH", f"{found[match].parent}\n")
    _append(context, "GITHUB_OUTPUT", f"node-version=v{match}\n")
    return BuiltinOutcome("success")


@register("actions/cache")
async def cache(context: BuiltinContext) -> BuiltinOutcome:
    key = context.inputs.get("key", "")
    record = next((entry for entry in context.caches if entry.get("key") == key), None)
    hit = record is not None and record.get("hit") == "exact"
    context.log(
        f"actions/cache: {key!r} was {'restored' if record and record.get('hit') != 'miss' else 'not found'} "
        "before the first step; it is saved when the job succeeds"
    )
    _append(context, "GITHUB_OUTPUT", f"cache-hit={'true' if hit else 'false'}\n")
    return BuiltinOutcome("success")


@register("actions/upload-artifact")
async def upload_artifact(context: BuiltinContext) -> BuiltinOutcome:
    name = context.inputs.get("name", "artifact")
    paths = " ".join(line.strip() for line in context.inputs.get("path", "").splitlines() if line.strip())
    context.log(f"actions/upload-artifact {name!r}: {paths} are kept with the run when the job ends")
    return BuiltinOutcome("success")


@register("actions/download-artifact")
async def download_artifact(context: BuiltinContext) -> BuiltinOutcome:
    name = context.inputs.get("name", "every artifact")
    context.log(
        f"actions/download-artifact {name!r}: the artifacts of the jobs this job needs are in the "
        "workspace already, at the paths they were kept from"
    )
    return BuiltinOutcome("success")


def _wanted_version(context: BuiltinContext, key: str, file_key: str, default_file: str) -> str:
    wanted = context.inputs.get(key, "").strip()
    file = context.inputs.get(file_key) or (default_file if not wanted else "")
    path = (context.workspace / file).resolve() if file else None
    if not wanted and path and path.is_file() and path.is_relative_to(context.workspace.resolve()):
        wanted = path.read_text(errors="replace").strip().splitlines()[0] if path.stat().st_size else ""
    return wanted


def _python_candidates(search_path: str) -> list[Path]:
    candidates: list[Path] = []
    for directory in [*_expand(PYTHON_HOMES[:2]), *search_path.split(os.pathsep), *_expand(PYTHON_HOMES[2:])]:
        if not directory or not os.path.isdir(directory) or directory.endswith("/shims"):  # pyenv's
            continue
        for entry in sorted(os.listdir(directory)):
            path = Path(directory, entry)
            if _PYTHON_NAME.match(entry) and os.access(path, os.X_OK) and path.resolve() not in candidates:
                candidates.append(path.resolve())
    return candidates


async def _pythons(search_path: str) -> dict[str, Path]:
    """Each Python version the runner has (``3.11.7``, ``pypy3.9``) and its interpreter."""
    found: dict[str, Path] = {}
    for path in await asyncio.to_thread(_python_candidates, search_path):
        report = await _output(str(path), "-c", _REPORT_VERSION)
        if report and " " in report:
            implementation, version = report.strip().split(" ", 1)
            found.setdefault(("pypy" if implementation == "PyPy" else "") + version, path)
    return found


def _pick(found: dict[str, Path], wanted: str) -> tuple[str, Path] | None:
    """The first interpreter found (the system's before the PATH's before tool caches) that fits
    ``3``, ``3.11``, ``3.x``, ``3.11.7``, ``3.12-dev``, ``pypy-3.9``."""
    wanted = wanted.removesuffix("-dev").replace("pypy-", "pypy").removesuffix(".x")
    for version in found:
        if not wanted or _fits(version, wanted):
            return version, found[version]
    return None


def _fits(version: str, prefix: str) -> bool:
    return version == prefix or version.startswith(prefix + ".")


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version))


def _executables(name: str, search_path: str, homes: tuple[str, ...]) -> list[Path]:
    found = [Path(p) for p in [shutil.which(name, path=search_path)] if p]
    for directory in _expand(homes):
        candidate = Path(directory, name)
        if candidate.is_file() and os.access(candidate, os.X_OK) and candidate not in found:
            found.append(candidate)
    return found


def _expand(patterns: tuple[str, ...]) -> list[str]:
    return [path for pattern in patterns for path in sorted(glob.glob(os.path.expanduser(pattern)))]


def _append(context: BuiltinContext, variable: str, text: str) -> None:
    target = context.env.get(variable)
    if target:
        with open(target, "a", encoding="utf-8") as file:
            file.write(text)


async def _output(*command: str) -> str | None:
    try:
        process = await asyncio.create_subprocess_exec(
            *command, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
    except OSError:
        return None
    try:
        async with asyncio.timeout(VERSION_TIMEOUT_SECONDS):
            out, _ = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        return None
    return out.decode(errors="replace") if process.returncode == 0 else None


async def _run(*command: str, limit: float) -> str | None:
    """None when the command succeeds, else why it did not."""
    process = await asyncio.create_subprocess_exec(
        *command, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        async with asyncio.timeout(limit):
            out, _ = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        return f"{command[0]} did not finish within {limit:.0f} s"
    if process.returncode != 0:
        last = (out.decode(errors="replace").strip().splitlines() or ["failed"])[-1]
        return f"{' '.join(command[:3])}: {last}"
    return None
