"""Cost of one metrics tick (sample + Prometheus gauges + event + alert rules) and of an
architecture analysis of a source tree.

    .venv/bin/python bench/bench_operations.py tick [--database-url URL] [--events N] [--ticks N]
    .venv/bin/python bench/bench_operations.py analyse PATH [--depth N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from conveyor.architecture.analyze import analyse
from conveyor.config import Settings
from conveyor.container import Container
from conveyor.events.catalog import EventType, SystemAlertData
from conveyor.events.schemas import emission


async def tick_cost(database_url: str | None, events: int, ticks: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder), database_url=database_url, jwt_secret="x" * 40)
        container = Container.build(settings)
        await container.db.migrate()
        payload = SystemAlertData(
            alertId="a",
            alert={
                "alertId": "a",
                "title": "t",
                "severity": "info",
                "message": "",
                "source": "bench",
                "status": "open",
                "createdAt": "2026-01-01T00:00:00Z",
                "acknowledgedAt": None,
                "resolvedAt": None,
            },
        )
        for start in range(0, events, 1000):
            async with container.db.write_session() as session:
                batch = [emission(EventType.SYSTEM_ALERT, payload) for _ in range(min(1000, events - start))]
                await container.bus.commit(session, *batch)
        sampler = container.system.metrics
        await sampler.tick()  # warm-up
        seconds = []
        for _ in range(ticks):
            started = time.perf_counter()
            await sampler.tick()
            seconds.append(time.perf_counter() - started)
        await container.db.dispose()
    backend = "postgresql" if database_url else "sqlite"
    print(
        f"metrics tick ({backend}, {events} events in the log): "
        f"median {statistics.median(seconds) * 1000:.1f} ms, "
        f"max {max(seconds) * 1000:.1f} ms over {ticks} ticks"
    )


def analyse_cost(path: Path, depth: int) -> None:
    started = time.perf_counter()
    graph = analyse(path, depth=depth)
    seconds = time.perf_counter() - started
    print(
        f"analysis of {path}: {seconds:.2f} s, {graph.modules} modules {dict(graph.files)}, "
        f"{len(graph.components)} components, {len(graph.edges)} edges, {len(graph.cycles)} cycles, "
        f"{len(graph.skipped)} skipped"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="what", required=True)
    tick = sub.add_parser("tick")
    tick.add_argument("--database-url")
    tick.add_argument("--events", type=int, default=100_000)
    tick.add_argument("--ticks", type=int, default=20)
    tree = sub.add_parser("analyse")
    tree.add_argument("path", type=Path)
    tree.add_argument("--depth", type=int, default=2)
    args = parser.parse_args()
    if args.what == "tick":
        asyncio.run(tick_cost(args.database_url, args.events, args.ticks))
    else:
        analyse_cost(args.path, args.depth)


if __name__ == "__main__":
    main()
