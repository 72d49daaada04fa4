"""How long the ``conveyor`` command takes before (and for) the work: ``--help``, a one-step
``conveyor run``, and a bare Python for reference. Prints the median wall time and the median
CPU time (user + system, which a loaded machine does not inflate) of each over N runs.
Bytecode is written and used as after a ``pip install`` (``PYTHONDONTWRITEBYTECODE`` is dropped
for the runs: without ``.pyc`` files every start compiles Conveyor's sources again, ~0.1 s).

    .venv/bin/python bench/bench_cli_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

CONVEYOR = str(Path(sys.executable).with_name("conveyor"))
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"} | {"TERM": "dumb"}
CASES = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "conveyor --help": [CONVEYOR, "--help"],
    "conveyor run one-step.yml": [CONVEYOR, "run", "one-step.yml"],
}


def measure(command: list[str], cwd: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, env=ENV)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    with TemporaryDirectory() as scratch:
        cwd = Path(scratch)
        (cwd / "one-step.yml").write_text("jobs:\n  hello:\n    steps: [{run: echo hi}]\n")
        load = os.getloadavg()[0]
        print(f"{'command':<28}{'wall median':>12}{'cpu median':>12}  ({runs} runs, load {load:.1f})")
        for name, command in CASES.items():
            measure(command, cwd)  # warm the page cache and .pyc files
            samples = [measure(command, cwd) for _ in range(runs)]
            wall = statistics.median(s[0] for s in samples)
            cpu = statistics.median(s[1] for s in samples)
            print(f"{name:<28}{wall:>11.3f}s{cpu:>11.3f}s")


if __name__ == "__main__":
    main()
