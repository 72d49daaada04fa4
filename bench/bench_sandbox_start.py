"""What the sandbox costs per step: a `true` step run through `run_process` unconfined, in
bubblewrap without network, and in bubblewrap with slirp4netns. Prints milliseconds per step
(median and 95th percentile) from spawn to exit.

    .venv/bin/python bench/bench_sandbox_start.py [--runs 50]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from pathlib import Path
from tempfile import TemporaryDirectory

from conveyor.config import Settings
from conveyor.runners.process import run_process
from conveyor.runners.sandbox import Sandbox, sandbox_for

STEP = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", "true"]


async def step_seconds(sandbox: Sandbox, workspace: Path, *, network: bool) -> float:
    confinement = sandbox.prepare(workspace, files=None, network=network, owned=True)
    try:
        start = time.perf_counter()
        outcome = await run_process(
            STEP,
            cwd=workspace,
            env={"PATH": "/usr/bin:/bin"},
            time_limit=30,
            cancel=asyncio.Event(),
            on_line=print,
            sandbox=sandbox,
            confinement=confinement,
        )
        elapsed = time.perf_counter() - start
    finally:
        sandbox.discard(confinement)
    assert outcome.exit_code == 0, outcome
    return elapsed


async def main(runs: int) -> None:
    variants = [
        ("unconfined", sandbox_for(Settings(sandbox="none")), False),
        ("bwrap, no network", sandbox_for(Settings(sandbox="bwrap", sandbox_network="none")), False),
        ("bwrap + slirp4netns", sandbox_for(Settings(sandbox="bwrap")), True),
    ]
    with TemporaryDirectory(prefix="conveyor-bench-") as scratch:
        workspace = Path(scratch) / "job"
        workspace.mkdir()
        for name, sandbox, network in variants:
            assert sandbox.problem() is None, sandbox.problem()
            await step_seconds(sandbox, workspace, network=network)  # warm-up
            samples = sorted([await step_seconds(sandbox, workspace, network=network) for _ in range(runs)])
            p95 = samples[int(len(samples) * 0.95) - 1]
            print(f"{name:22} median {statistics.median(samples) * 1000:6.1f} ms   p95 {p95 * 1000:6.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    asyncio.run(main(parser.parse_args().runs))
