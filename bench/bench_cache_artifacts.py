"""Caches and artifacts between jobs against plain ``cp -a`` of the same files.

Cache: save and restore of a 200 MB virtualenv-shaped directory (4,000 files of 50 KB) through
the runner's CacheStore. Artifacts: a job keeps 100 MB (20 files) and a job that needs it gets
them in its workspace; measured from the execution's own timestamps (the dependent job's start
to its "artifacts: restored" log line), on a real server with the local runner (SQLite by
default, ``--postgres`` for PostgreSQL).

    .venv/bin/python -m bench.bench_cache_artifacts [--runs 3] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.pipeline_support import bench_server, local_settings, pipeline, post
from conveyor.runners.cache import CacheStore
from tests.support.backends import create_postgres_database, drop_postgres_database

ARTIFACTS = """
jobs:
  build:
    artifacts: [dist]
    steps:
      - run: mkdir dist && for i in $(seq 20); do head -c 5242880 /dev/urandom > dist/part$i; done
  test:
    needs: build
    steps: [{run: 'true'}]
"""


def timed(action: Callable[..., object], *args: Any) -> float:
    start = time.perf_counter()
    action(*args)
    return time.perf_counter() - start


def copy(source: Path, target: Path) -> None:
    subprocess.run(["cp", "-a", str(source), str(target)], check=True)


def venv(root: Path) -> Path:
    """200 MB in 4,000 files of 50 KB under 40 directories, as a virtualenv's site-packages."""
    for d in range(40):
        folder = root / "venv" / "lib" / f"package{d}"
        folder.mkdir(parents=True)
        for f in range(100):
            (folder / f"module{f}.py").write_bytes(os.urandom(50 * 1024))
    return root


def cache_runs(scratch: Path, runs: int) -> dict[str, list[float]]:
    source = venv(scratch / "source")
    results: dict[str, list[float]] = {"cache save": [], "cache restore": [], "cp -a": []}
    for n in range(runs):
        store = CacheStore(scratch / f"cache{n}", budget=10 * 1024**3)
        results["cache save"].append(timed(store.save, "k", ["venv"], source, print))
        entry = store.find("k", [])
        assert entry is not None
        target = scratch / f"restored{n}"
        target.mkdir()
        results["cache restore"].append(timed(store.restore, entry, target))
        copied = scratch / f"copied{n}"
        results["cp -a"].append(timed(copy, source / "venv", copied))
        for path in (target, copied, store.root):
            shutil.rmtree(path)
    return results


async def artifact_runs(scratch: Path, runs: int, database_url: str | None) -> dict[str, list[float]]:
    settings = local_settings(scratch, database_url=database_url, keep_workspaces=True)
    results: dict[str, list[float]] = {
        "artifacts kept (build)": [],
        "artifacts restored (test)": [],
        "cp -a": [],
    }
    async with bench_server(settings) as (server, token):
        pipeline_id = await pipeline(server, token, "artifacts", ARTIFACTS)
        for _ in range(runs):
            execution_id = (await post(server, token, f"/pipelines/{pipeline_id}/executions", {}, 202))[
                "executionId"
            ]
            execution = await _finished(server, token, execution_id)
            build, test = (next(j for j in execution["jobs"] if j["key"] == key) for key in ("build", "test"))
            kept = _at(build["finishedAt"]) - _at(build["steps"][-1]["finishedAt"])
            async with server.api(token) as client:
                page = (
                    await client.get(f"/api/v1/executions/{execution_id}/logs", params={"job": "test"})
                ).json()
            restored = next(
                line for line in page["jobs"][0]["lines"] if line["text"].startswith("artifacts:")
            )
            results["artifacts kept (build)"].append(kept)
            results["artifacts restored (test)"].append(_at(restored["ts"]) - _at(test["startedAt"]))
            dist = settings.resolved_workspaces_dir / execution_id / "build" / "dist"
            copied = scratch / "copied"
            results["cp -a"].append(timed(copy, dist, copied))
            shutil.rmtree(copied)
            shutil.rmtree(settings.resolved_workspaces_dir / execution_id)
    return results


async def _finished(server: Any, token: str, execution_id: str) -> dict[str, Any]:
    async with server.api(token) as client:
        for _ in range(1200):
            execution: dict[str, Any] = (await client.get(f"/api/v1/executions/{execution_id}")).json()
            if execution["finishedAt"]:
                return execution
            await asyncio.sleep(0.25)
    raise TimeoutError(execution_id)


def _at(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def report(title: str, results: dict[str, list[float]]) -> None:
    print(f"\n{title}")
    for name, values in results.items():
        runs = ", ".join(f"{v:.2f}" for v in values)
        print(f"  {name:28s} median {statistics.median(values):6.2f} s  (runs: {runs})")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        report("cache of a 200 MB virtualenv (4,000 files)", cache_runs(Path(scratch) / "c", args.runs))
        url = await create_postgres_database() if args.postgres else None
        try:
            results = await artifact_runs(Path(scratch) / "a", args.runs, url)
        finally:
            if url:
                await drop_postgres_database(url)
        report(f"artifacts: 100 MB in 20 files, {'PostgreSQL' if url else 'SQLite'}", results)


if __name__ == "__main__":
    asyncio.run(main())
