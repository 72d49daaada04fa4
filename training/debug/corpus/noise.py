"""Realistic surroundings for corpus excerpts: tool chatter and CI system framing."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from training.debug.corpus.fake import (
    CRATES,
    GO_MODULES,
    JAVA_DEPS,
    NPM_PACKAGES,
    PY_PACKAGES,
    hexid,
    semver,
)

CI_SYSTEMS = (
    "github-actions",
    "gitlab-ci",
    "jenkins",
    "travis",
    "circleci",
    "azure-pipelines",
    "buildkite",
    "local",
)

_RED, _YELLOW, _BOLD, _RESET = "\x1b[31m", "\x1b[33m", "\x1b[1m", "\x1b[0m"


def _python(r: random.Random) -> list[str]:
    lines = []
    for dist, _ in r.sample(PY_PACKAGES, r.randint(2, 6)):
        ver = semver(r)
        lines += [
            f"Collecting {dist}=={ver}",
            f"  Downloading {dist}-{ver}-py3-none-any.whl ({r.randint(10, 900)} kB)",
        ]
    lines.append(
        f"Successfully installed {' '.join(d + '-' + semver(r) for d, _ in r.sample(PY_PACKAGES, 3))}"
    )
    if r.random() < 0.5:
        lines.append("DeprecationWarning: pkg_resources is deprecated as an API")
    return lines


def _node(r: random.Random) -> list[str]:
    lines = [
        f"npm WARN deprecated {p}@{semver(r)}: This package is no longer supported."
        for p in r.sample(NPM_PACKAGES, r.randint(1, 3))
    ]
    lines += [
        f"added {r.randint(200, 2000)} packages, and audited {r.randint(200, 2000)} packages"
        f" in {r.randint(5, 90)}s",
        f"{r.randint(50, 300)} packages are looking for funding",
        "  run `npm fund` for details",
    ]
    if r.random() < 0.5:
        lines.append(f"{r.randint(1, 12)} moderate severity vulnerabilities")
    return lines


def _rust(r: random.Random) -> list[str]:
    lines = ["    Updating crates.io index"]
    lines += [f"  Downloaded {c} v{semver(r)}" for c in r.sample(CRATES, r.randint(2, 5))]
    lines += [f"   Compiling {c} v{semver(r)}" for c in r.sample(CRATES, r.randint(2, 6))]
    if r.random() < 0.4:
        lines += [
            "warning: unused variable: `tmp`",
            "  = note: `#[warn(unused_variables)]` on by default",
        ]
    return lines


def _go(r: random.Random) -> list[str]:
    lines = [f"go: downloading {m} v{semver(r)}" for m in r.sample(GO_MODULES, r.randint(2, 5))]
    if r.random() < 0.4:
        lines.append(f"ok  \tgithub.com/acme/svc/internal/util\t{r.uniform(0.01, 3):.3f}s")
    return lines


def _java(r: random.Random) -> list[str]:
    lines = ["[INFO] Scanning for projects...", f"[INFO] Building app {semver(r)}-SNAPSHOT"]
    for dep in r.sample(JAVA_DEPS, r.randint(2, 4)):
        group, art = dep.split(":")
        lines.append(
            "Downloading from central: https://repo.maven.apache.org/maven2/"
            f"{group.replace('.', '/')}/{art}/{semver(r)}/{art}.pom"
        )
    if r.random() < 0.5:
        lines.append("[WARNING] Using platform encoding (UTF-8 actually) to copy filtered resources")
    return lines


def _native(r: random.Random) -> list[str]:
    lines = [
        "-- The C compiler identification is GNU 12.2.0",
        "-- Detecting C compiler ABI info - done",
        "-- Configuring done",
        "-- Generating done",
    ]
    pct = 0
    for name in r.sample(("util", "parser", "main", "net", "io", "hash", "buffer", "log"), r.randint(2, 5)):
        pct += r.randint(3, 15)
        lines.append(f"[{pct:3d}%] Building C object CMakeFiles/app.dir/src/{name}.c.o")
    if r.random() < 0.4:
        lines.append("src/util.c:88:12: warning: unused variable 'len' [-Wunused-variable]")
    return lines


def _docker(r: random.Random) -> list[str]:
    return [
        "#1 [internal] load build definition from Dockerfile",
        "#1 transferring dockerfile: 1.2kB done",
        f"#2 [internal] load metadata for docker.io/library/python:3.{r.randint(8, 12)}-slim",
        f"#3 [1/{r.randint(5, 9)}] FROM docker.io/library/python:3.11-slim@sha256:{semver(r)}",
        "#3 CACHED",
    ]


def _generic(r: random.Random) -> list[str]:
    return [
        f"Fetching {r.choice(('dependencies', 'cache', 'artifacts'))}...",
        "Cache restored successfully",
        f"Cache Size: ~{r.randint(10, 900)} MB",
    ]


PREAMBLES: dict[str, Callable[[random.Random], list[str]]] = {
    "python": _python,
    "node": _node,
    "rust": _rust,
    "go": _go,
    "java": _java,
    "c-cpp": _native,
    "docker": _docker,
    "shell": _generic,
    "ruby": _generic,
    "php": _generic,
    "dotnet": _generic,
    "swift": _generic,
}


_SETUP_CHATTER = (
    "Syncing repository: acme/{word}",
    "Fetching the repository",
    "HEAD is now at {sha} Merge pull request #{n}",
    "Restoring cache for key: deps-{sha}",
    "Cache not found for input keys: deps-{sha}",
    "Environment: CI=true",
    "Using workspace /builds/acme/{word}",
    "Successfully set up tool version {n}",
    "Attempting to download {n}...",
    "Downloading artifact {word}-{n}",
    "Setting up job environment",
    "Skipping cache upload: not on default branch",
    "Installing toolchain, this may take a while",
)
_TRAILERS = (
    "Post job cleanup.",
    "Uploading artifacts...",
    "Saving cache",
    "Cleaning up project directory and file based variables",
    "[Pipeline] End of Pipeline",
    "Archiving artifacts",
)


def frame(
    r: random.Random,
    ci: str,
    ecosystem: str,
    command: str,
    body: list[str],
    exit_code: int | None,
    footer: bool,
) -> str:
    """Wrap ``body`` as it would appear in a log of CI system ``ci``."""
    pasted = ci == "local"
    noise = [] if pasted and r.random() < 0.6 else _chatter(r) + PREAMBLES[ecosystem](r)
    if ci in ("github-actions", "gitlab-ci", "circleci") and r.random() < 0.5:
        body = _colour(r, body)
    lines = _HEADERS[ci](r, command) + noise + _run_line(ci, command) + body
    if footer and exit_code is not None:
        lines += _FOOTERS[ci](exit_code, command)
    if not pasted and r.random() < 0.4:
        lines += r.sample(_TRAILERS, r.randint(1, 3))
    return "\n".join(_timestamps(r, ci, lines))


def _chatter(r: random.Random) -> list[str]:
    picks = r.sample(_SETUP_CHATTER, r.randint(2, 7))
    words = ("api", "web", "core", "svc")
    return [p.format(word=r.choice(words), sha=hexid(r, 8), n=r.randint(2, 900)) for p in picks]


def _colour(r: random.Random, body: list[str]) -> list[str]:
    out = []
    for line in body:
        lowered = line.lower()
        if "error" in lowered or "fail" in lowered:
            out.append(f"{_RED}{_BOLD}{line}{_RESET}")
        elif "warn" in lowered and r.random() < 0.7:
            out.append(f"{_YELLOW}{line}{_RESET}")
        else:
            out.append(line)
    return out


def _run_line(ci: str, command: str) -> list[str]:
    prefix = {
        "github-actions": "##[group]Run ",
        "jenkins": "+ ",
        "azure-pipelines": "##[section]Starting: ",
    }
    lines = [prefix.get(ci, "$ ") + command]
    return lines + (["##[endgroup]"] if ci == "github-actions" else [])


def _timestamps(r: random.Random, ci: str, lines: list[str]) -> list[str]:
    if ci not in ("github-actions", "jenkins", "azure-pipelines") or r.random() < 0.2:
        return lines
    moment = datetime(2024, r.randint(1, 12), r.randint(1, 28), r.randint(0, 23), r.randint(0, 59))
    stamped = []
    for line in lines:
        moment += timedelta(milliseconds=r.randint(1, 4000))
        iso = moment.strftime("%Y-%m-%dT%H:%M:%S.%f")
        stamped.append(f"[{iso[:23]}Z] {line}" if ci == "jenkins" else f"{iso}0Z {line}")
    return stamped


_HEADERS: dict[str, Callable[[random.Random, str], list[str]]] = {
    "github-actions": lambda r, c: [
        f"Current runner version: '2.3{r.randint(10, 20)}.{r.randint(0, 3)}'",
        "##[group]Operating System",
        "Ubuntu",
        "22.04.4",
        "LTS",
        "##[endgroup]",
        "##[group]Run actions/checkout@v4",
        "##[endgroup]",
    ],
    "gitlab-ci": lambda r, c: [
        f"Running with gitlab-runner 16.{r.randint(0, 11)}.{r.randint(0, 3)} (abc{r.randint(100, 999)}de)",
        f"  on docker-runner-{r.randint(1, 9)} xY{r.randint(10, 99)}zQ,"
        f" system ID: s_{r.randint(10**8, 10**9)}",
        f"\x1b[0Ksection_start:{r.randint(1700000000, 1720000000)}:prepare_executor\r\x1b[0K"
        'Preparing the "docker" executor',
        "Getting source from Git repository",
    ],
    "jenkins": lambda r, c: [
        f"Started by user {r.choice(('admin', 'ci-bot', 'GitHub push'))}",
        "[Pipeline] Start of Pipeline",
        "[Pipeline] node",
        f"Running on agent-{r.randint(1, 20)} in /var/lib/jenkins/workspace/app",
        "[Pipeline] {",
        "[Pipeline] stage",
        "[Pipeline] { (Build)",
        "[Pipeline] sh",
    ],
    "travis": lambda r, c: [
        "Worker information",
        f"hostname: {r.randint(1000, 9999)}-travis-worker",
        "travis_fold:start:git.checkout",
        "$ git clone --depth=50 https://github.com/acme/app.git",
        "travis_fold:end:git.checkout",
    ],
    "circleci": lambda r, c: ["#!/bin/bash -eo pipefail"],
    "azure-pipelines": lambda r, c: [
        "##[section]Starting: Initialize job",
        f"Agent name: 'Azure Pipelines {r.randint(1, 9)}'",
        "##[section]Finishing: Initialize job",
    ],
    "buildkite": lambda r, c: [
        f"Running agent buildkite-agent-{r.randint(1, 40)} on host ci-{r.randint(1, 9)}",
        "~~~ Preparing working directory",
        "$ git fetch -v --prune -- origin",
        "~~~ Running commands",
    ],
    "local": lambda r, c: [],
}

_FOOTERS: dict[str, Callable[[int, str], list[str]]] = {
    "github-actions": lambda code, c: [f"##[error]Process completed with exit code {code}."],
    "gitlab-ci": lambda code, c: [f"ERROR: Job failed: exit code {code}"],
    "jenkins": lambda code, c: [
        "[Pipeline] }",
        "[Pipeline] // stage",
        f"ERROR: script returned exit code {code}",
        "Finished: FAILURE",
    ],
    "travis": lambda code, c: [
        f'The command "{c}" exited with {code}.',
        "",
        "Done. Your build exited with 1.",
    ],
    "circleci": lambda code, c: ["", f"Exited with code exit status {code}"],
    "azure-pipelines": lambda code, c: [f"##[error]Bash exited with code '{code}'."],
    "buildkite": lambda code, c: [f"🚨 Error: The command exited with status {code}"],
    "local": lambda code, c: [],
}
