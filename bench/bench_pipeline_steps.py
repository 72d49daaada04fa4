"""Per-step overhead: a 100-step pipeline of `true` on the local runner vs the same commands in a
plain shell loop. Prints milliseconds per step.

    .venv/bin/python bench/bench_pipeline_steps.py [--steps 100] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import time
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from conveyor.cli.oneshot import run_pipeline_file


def definition(steps: int) -> str:
    return "jobs:\n  bench:\n    steps:\n" + "".join("      - run: 'true'\n" for _ in range(steps))


async def pipeline_seconds(steps: int, workspace: Path) -> float:
    marks: dict[str, float] = {}

    def display(envelope: dict[str, Any]) -> None:
        marks.setdefault(envelope["event_type"], time.perf_counter())

    status = await run_pipeline_file(
        definition(steps), name="bench", workspace=workspace, max_parallel=1, display=display
    )
    assert status == "success", status
    return marks["pipeline_execution_completed"] - marks["pipeline_execution_started"]


def loop_seconds(steps: int, command: str) -> float:
    start = time.perf_counter()
    subprocess.run(["bash", "-c", f"for i in $(seq {steps}); do {command}; done"], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with TemporaryDirectory() as workspace:
        runs = [asyncio.run(pipeline_seconds(args.steps, Path(workspace))) for _ in range(args.rounds)]
    spawn = statistics.median(loop_seconds(args.steps, "bash -c true") for _ in range(args.rounds))
    builtin = statistics.median(loop_seconds(args.steps, "true") for _ in range(args.rounds))
    pipeline = statistics.median(runs)
    per_step = (pipeline - spawn) / args.steps * 1000
    print(f"steps={args.steps} rounds={args.rounds}")
    for label, seconds in (("pipeline (local runner, SQLite)", pipeline), ("loop of bash -c true", spawn)):
        print(f"{label}: {seconds * 1000:.1f} ms total, {seconds / args.steps * 1000:.2f} ms/step")
    print(f"shell loop of builtin true: {builtin * 1000:.1f} ms total")
    print(f"overhead per step vs the loop: {per_step:.2f} ms (target < 10 ms)")


if __name__ == "__main__":
    main()
