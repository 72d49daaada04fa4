"""50 executions at once, each printing many lines fast: is every line stored and streamed, in
order, with nothing lost? Prints totals and the lost/misordered counts (both must be 0).

    .venv/bin/python -m bench.bench_pipeline_concurrency [--executions 50] [--lines 1000] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.pipeline_support import Recorder, bench_server, local_settings, pipeline, post
from tests.support.backends import create_postgres_database, drop_postgres_database


async def run(executions: int, lines: int, settings: Any) -> dict[str, Any]:
    definition = (
        "jobs:\n  talk:\n    steps:\n"
        f'      - run: for i in $(seq 1 {lines}); do echo "$CI_EXECUTION_ID $i"; done\n'
    )
    async with bench_server(settings) as (server, token):
        pipeline_id = await pipeline(server, token, "concurrent", definition)
        recorder = Recorder()
        await recorder.connect(server.base_url, token)
        await asyncio.sleep(0.5)
        started = time.perf_counter()
        accepted = await asyncio.gather(
            *(post(server, token, f"/pipelines/{pipeline_id}/executions", {}, 202) for _ in range(executions))
        )
        ids = [item["executionId"] for item in accepted]
        await asyncio.gather(*(recorder.first("pipeline_execution_completed", i, timeout=600) for i in ids))
        elapsed = time.perf_counter() - started
        report = {"seconds": elapsed, **check_stream(recorder, ids, lines)}
        report["rest_lost"] = await check_rest(server, token, ids, lines)
        await recorder.close()
        return report


def check_stream(recorder: Recorder, ids: list[str], lines: int) -> dict[str, Any]:
    streamed: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    statuses: dict[str, str] = {}
    batches = 0
    for _, name, envelope in recorder.events:
        data = envelope.get("data", {})
        if name == "pipeline_log" and data["executionId"] in streamed:
            streamed[data["executionId"]].extend(data["lines"])
            batches += 1
        elif name == "pipeline_execution_completed" and data["executionId"] in streamed:
            statuses[data["executionId"]] = data["execution"]["status"]
    lost = misordered = 0
    for execution_id, received in streamed.items():
        numbers = [line["n"] for line in received]
        expected = [f"{execution_id} {n}" for n in range(1, lines + 1)]
        lost += len(set(expected) - {line["text"] for line in received})
        misordered += sum(1 for a, b in itertools.pairwise(numbers) if b != a + 1)
    failed = sum(1 for status in statuses.values() if status != "success")
    return {"batches": batches, "stream_lost": lost, "stream_misordered": misordered, "failed": failed}


async def check_rest(server: Any, token: str, ids: list[str], lines: int) -> int:
    lost = 0
    async with server.api(token) as client:
        for execution_id in ids:
            response = await client.get(f"/api/v1/executions/{execution_id}/logs", params={"limit": 10000})
            texts = [line["text"] for line in response.json()["jobs"][0]["lines"]]
            lost += lines - len(texts) + sum(1 for n, t in enumerate(texts, 1) if t != f"{execution_id} {n}")
    return lost


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch:
        overrides: dict[str, Any] = {"max_parallel_jobs": args.executions}
        if not args.postgres:
            return await run(args.executions, args.lines, local_settings(Path(scratch), **overrides))
        database = await create_postgres_database()
        try:
            settings = local_settings(Path(scratch), database_url=database, **overrides)
            return await run(args.executions, args.lines, settings)
        finally:
            await drop_postgres_database(database)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--executions", type=int, default=50)
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    report = asyncio.run(main_async(args))
    total = args.executions * args.lines
    database = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{args.executions} concurrent executions x {args.lines} lines on the local runner ({database})")
    rate = total / report["seconds"]
    print(f"  all completed in {report['seconds']:.1f} s ({rate:.0f} lines/s stored and streamed)")
    print(f"  {report['batches']} pipeline_log batches; failed executions: {report['failed']}")
    print(
        f"  lost lines: stream {report['stream_lost']}, REST {report['rest_lost']}; "
        f"misordered: {report['stream_misordered']}"
    )


if __name__ == "__main__":
    main()
