"""Repair benchmark (local fixtures): for each fixable class, repositories with one injected
failure; the real failing command runs, the fixers propose a patch, the patch is applied and the
command runs again. Reports the share fixed, wrong patches (the command still fails) and the
time from the failure's log to the proposed patch.

    .venv/bin/python -m bench.bench_repair

Not yet: fixtures built from PyPI sdists, and the verification through a real server run.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from conveyor.debug.analysis import diagnose_log
from conveyor.debug.fixers import BUILTIN_FIXERS, FixContext
from conveyor.debug.patches import generate

Case = tuple[str, dict[str, str], list[str]]  # class, files, command that must pass when fixed
RUFF = [sys.executable, "-m", "ruff"]


def cases() -> list[Case]:
    found: list[Case] = []
    for name in ("app", "core", "util", "cli"):
        src = "import os\nimport sys\nprint( sys.argv )\n"
        found.append(("lint_format", {f"{name}/main.py": src}, [*RUFF, "check", "--no-cache", "."]))
        script = f"scripts/{name}.sh"
        found.append(("execute_bit", {script: "#!/bin/sh\necho ok\n"}, [f"./{script}"]))
    validate = "from conveyor.pipelines.spec import parse_definition as p; p(open('.conveyor.yml').read())"
    for wrong in ("timout: 60", "retires: 1", "neds: []", "continue-on-eror: true"):
        where = "        " if wrong.startswith("continue") else "    "
        text = f"jobs:\n  test:\n{where if where == '    ' else '    '}steps:\n      - run: echo ok\n"
        if where == "    ":
            text = text.replace("  test:\n", f"  test:\n    {wrong}\n")
        else:
            text += f"        {wrong}\n"
        found.append(("pipeline_key", {".conveyor.yml": text}, [sys.executable, "-c", validate]))
    return found


def run(repo: Path, command: list[str]) -> tuple[bool, str]:
    done = subprocess.run(command, cwd=repo, capture_output=True, text=True)
    return done.returncode == 0, done.stdout + done.stderr


def git(repo: Path, *args: str, stdin: str | None = None) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, input=stdin, text=True)


async def one(case: Case, root: Path) -> tuple[bool, bool, float]:
    kind, files, command = case
    repo = root / "repo"
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "-c", "user.email=b@x", "-c", "user.name=b", "commit", "-qm", "fixture")
    denied = (False, f"/bin/sh: 1: {command[0]}: Permission denied\n")
    ok, log = run(repo, command) if kind != "execute_bit" else denied
    assert not ok
    started = time.perf_counter()
    diagnosis = await diagnose_log(log)
    ctx = FixContext(diagnosis.result.label, diagnosis.errors, diagnosis.log, repo, None)
    patches = await generate(ctx, BUILTIN_FIXERS)
    elapsed = time.perf_counter() - started
    if not patches:
        return False, False, elapsed
    git(repo, "apply", stdin=patches[0].diff)
    fixed, _ = run(repo, command)
    return fixed, not fixed, elapsed


async def main() -> None:
    results: dict[str, list[tuple[bool, bool, float]]] = {}
    for case in cases():
        with tempfile.TemporaryDirectory() as scratch:
            results.setdefault(case[0], []).append(await one(case, Path(scratch)))
    for kind, rows in results.items():
        fixed = sum(r[0] for r in rows)
        wrong = sum(r[1] for r in rows)
        slowest = max(r[2] for r in rows)
        print(
            f"{kind:14} cases {len(rows)}  fixed {fixed}/{len(rows)}  wrong {wrong}  slowest {slowest:.2f}s"
        )


if __name__ == "__main__":
    asyncio.run(main())
