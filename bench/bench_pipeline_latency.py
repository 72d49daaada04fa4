"""Time from trigger (POST /pipelines/{id}/executions) to events received by a socket client:
``pipeline_execution_started``, the first job running, and completion. Local runner on SQLite by
default; ``--celery`` uses PostgreSQL, Redis and one real ``conveyor worker``.

    .venv/bin/python -m bench.bench_pipeline_latency [--runs 50] [--celery]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench.pipeline_support import Recorder, bench_server, local_settings, percentile, pipeline, post
from tests.support.backends import REDIS_URL, create_postgres_database, drop_postgres_database

DEFINITION = "jobs:\n  one:\n    steps:\n      - run: 'true'\n"


async def measure(settings: Any, runs: int) -> dict[str, list[float]]:
    async with bench_server(settings) as (server, token):
        pipeline_id = await pipeline(server, token, "latency", DEFINITION)
        recorder = Recorder()
        await recorder.connect(server.base_url, token)
        await asyncio.sleep(0.5)
        timings: dict[str, list[float]] = {"started": [], "running": [], "completed": []}
        for _ in range(runs):
            sent = time.perf_counter()
            execution = await post(server, token, f"/pipelines/{pipeline_id}/executions", {}, 202)
            execution_id = execution["executionId"]
            timings["started"].append(await recorder.first("pipeline_execution_started", execution_id) - sent)
            timings["completed"].append(
                await recorder.first("pipeline_execution_completed", execution_id) - sent
            )
            running = [
                at
                for at, name, data in recorder.events
                if name == "pipeline_execution_updated"
                and data["data"]["executionId"] == execution_id
                and data["data"]["execution"]["status"] == "running"
            ]
            timings["running"].append(running[0] - sent)
        await recorder.close()
        return timings


def start_worker(settings: Any, scratch: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONVEYOR_")}
    env.update(
        CONVEYOR_DATABASE_URL=settings.database_url,
        CONVEYOR_REDIS_URL=settings.redis_url,
        CONVEYOR_REDIS_CHANNEL=settings.redis_channel,
        CONVEYOR_CELERY_QUEUE=settings.celery_queue,
        CONVEYOR_SECRETS_KEY=settings.secrets_key,
        CONVEYOR_DATA_DIR=str(scratch / "worker"),
    )
    conveyor = str(Path(sys.executable).with_name("conveyor"))
    return subprocess.Popen(
        [conveyor, "worker", "--concurrency", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


async def run(args: argparse.Namespace) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        if not args.celery:
            return await measure(local_settings(scratch), args.runs)
        database = await create_postgres_database()
        suffix = uuid.uuid4().hex[:8]
        settings = local_settings(
            scratch,
            database_url=database,
            redis_url=REDIS_URL,
            executor="celery",
            redis_channel=f"bench-{suffix}",
            celery_queue=f"bench-{suffix}",
            secrets_key="bench-secrets-key-shared-with-the-worker",
        )
        worker = start_worker(settings, scratch)
        try:
            await asyncio.sleep(5)  # worker start-up (imports, broker connection)
            return await measure(settings, args.runs)
        finally:
            worker.terminate()
            worker.wait(30)
            await drop_postgres_database(database)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--celery", action="store_true")
    args = parser.parse_args()
    timings = asyncio.run(run(args))
    mode = "Celery (PostgreSQL + Redis, 1 worker)" if args.celery else "local runner (SQLite)"
    print(f"{mode}, {args.runs} sequential triggers, ms from POST to the event at a socket client:")
    for name, values in timings.items():
        ms = [v * 1000 for v in values]
        p50, p95 = percentile(ms, 0.5), percentile(ms, 0.95)
        print(f"  {name:>9}: p50 {p50:7.1f}  p95 {p95:7.1f}  max {max(ms):7.1f}")


if __name__ == "__main__":
    main()
