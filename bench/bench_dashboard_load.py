"""Dashboard load times in Debian's Chromium (web/e2e/driver.mjs) against a real server: the home
page, and the run page of a failed run whose failing step printed 100,000 lines, measured to the
first painted line of that (open) step. Prints the median of --rounds loads of each.

    .venv/bin/python bench/bench_dashboard_load.py [--lines 100000] [--rounds 5]

Needs `npm ci` and `npm run build` in web/ (scripts/bootstrap does both).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from bench.pipeline_support import Recorder, bench_server, local_settings
from tests.support.server import ADMIN_PASSWORD

WEB = Path(__file__).parents[1] / "web"
FIRST_FAILING_LINE = ".step-section.open .log-line"
FCP = "performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null"


def definition(lines: int) -> str:
    return (
        "jobs:\n  build:\n    steps:\n      - name: setup\n        run: echo ready\n"
        f"      - name: flood\n        run: seq 1 {lines} | sed 's/^/output line /'; exit 1\n"
    )


class Driver:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def call(self, cmd: str, **args: Any) -> Any:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write((json.dumps({"cmd": cmd, **args}) + "\n").encode())
        await self.process.stdin.drain()
        reply = json.loads(await asyncio.wait_for(self.process.stdout.readline(), 120))
        if not reply["ok"]:
            raise RuntimeError(f"{cmd}: {reply['error']}")
        return reply["value"]


async def timed_load(driver: Driver, url: str, selector: str) -> tuple[float, float | None]:
    """Wall milliseconds from navigation to ``selector`` shown, and the page's first contentful paint."""
    await driver.call("goto", url="about:blank")
    start = time.perf_counter()
    await driver.call("goto", url=url)
    await driver.call("waitFor", selector=selector, timeout=60_000)
    wall = (time.perf_counter() - start) * 1000
    return wall, await driver.call("evaluate", expression=FCP)


async def measure(lines: int, rounds: int) -> None:
    with TemporaryDirectory() as scratch:
        async with bench_server(local_settings(Path(scratch))) as (server, token):
            recorder = Recorder()
            await recorder.connect(server.base_url, token)
            async with server.api(token) as client:
                project = (await client.post("/api/v1/projects", json={"name": "bench"})).json()["id"]
                body = {"name": "flood", "definition": definition(lines)}
                pipeline = (await client.post(f"/api/v1/projects/{project}/pipelines", json=body)).json()[
                    "id"
                ]
                execution = (await client.post(f"/api/v1/pipelines/{pipeline}/executions", json={})).json()
            await recorder.first("pipeline_execution_completed", execution["executionId"], timeout=600)
            process = await asyncio.create_subprocess_exec(
                "node",
                "e2e/driver.mjs",
                cwd=WEB,
                env={**os.environ},
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
            )
            driver = Driver(process)
            try:
                assert process.stdout is not None
                await process.stdout.readline()  # ready
                await driver.call("goto", url=server.base_url + "/login")
                await driver.call("fill", selector="input[name=username]", value="admin")
                await driver.call("fill", selector="input[name=password]", value=ADMIN_PASSWORD)
                await driver.call("click", selector="button[type=submit]")
                await driver.call("waitFor", selector="[data-testid=connection-status]", text="Live")
                home = [await timed_load(driver, server.base_url + "/", ".card") for _ in range(rounds)]
                run_url = f"{server.base_url}/executions/{execution['executionId']}"
                run = [await timed_load(driver, run_url, FIRST_FAILING_LINE) for _ in range(rounds)]
            finally:
                process.kill()
                await process.wait()
    print(f"lines={lines} rounds={rounds} (medians; wall = navigation start to element shown)")
    for label, samples in (("home", home), (f"run page, failing step of {lines} lines", run)):
        fcp = [s[1] for s in samples if s[1] is not None]
        first_paint = f"{statistics.median(fcp):.0f} ms" if fcp else "n/a"
        wall = statistics.median(s[0] for s in samples)
        print(f"{label}: wall {wall:.0f} ms, first contentful paint {first_paint}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(measure(args.lines, args.rounds))


if __name__ == "__main__":
    main()
