"""Security scan: Conveyor against the same scanners run by hand, and dependency matching.

1. A real code base (default: the sdist of flask 3.0.3 with its tests and docs, fetched with
   ``pip download``), made a git repository of one commit. Timed, wall clock and CPU of the
   children: bandit then detect-secrets run directly one after another ("by hand", the commands
   of the scanner modules); Conveyor's scanners one after another; and Conveyor's
   ``run_scanners`` (all at once, what ``conveyor scan`` and the server do).
2. A 500-entry lock file (real package names of the advisory database, each at an old version
   its advisories list) parsed and matched against the whole shipped database.

Usage: .venv/bin/python bench/bench_security_scan.py [--sdist FILE] [--repeat N] [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conveyor.security.lockfiles import read_manifest
from conveyor.security.osv import SHIPPED, AdvisoryIndex, read_records
from conveyor.security.scanners import SCANNERS, run_scanners
from conveyor.security.scanners.bandit import EXCLUDED
from conveyor.security.scanners.base import ScanContext
from conveyor.security.scanners.dependencies import match
from conveyor.security.scanners.secrets import EXCLUDED_FILES

ROOT = Path(__file__).resolve().parents[1]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def fetch_sdist(cache: Path, spec: str) -> Path:
    cache.mkdir(parents=True, exist_ok=True)
    found = sorted(cache.glob("*.tar.gz"))
    if not found:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-binary",
                ":all:",
                spec,
                "-d",
                str(cache),
            ],
            check=True,
            capture_output=True,
        )
        found = sorted(cache.glob("*.tar.gz"))
    return found[0]


def unpack(sdist: Path, into: Path) -> Path:
    with tarfile.open(sdist) as archive:
        archive.extractall(into, filter="data")
    (root,) = [p for p in into.iterdir() if p.is_dir()]
    for args in (
        ["init", "-q", "-b", "main"],
        ["add", "-A"],
        ["-c", "user.email=b@example.com", "-c", "user.name=b", "commit", "-q", "-m", "sdist"],
    ):
        subprocess.run(["git", *args], cwd=root, check=True)
    return root


def timed(work: Callable[[], Any]) -> dict[str, float]:
    cpu, wall = children_cpu(), time.perf_counter()
    work()
    return {"wall_s": round(time.perf_counter() - wall, 3), "children_cpu_s": round(children_cpu() - cpu, 3)}


def by_hand(root: Path) -> None:
    """What a developer runs: the two tools, one after the other, with the same options."""
    tool = [sys.executable, "-m"]
    subprocess.run(
        [*tool, "bandit", "-r", ".", "-f", "json", "-q", "-x", EXCLUDED], cwd=root, capture_output=True
    )
    subprocess.run(
        [*tool, "detect_secrets", "scan", "--all-files", "--exclude-files", EXCLUDED_FILES],
        cwd=root,
        capture_output=True,
        check=True,
    )


def conveyor(root: Path, index: AdvisoryIndex, *, parallel: bool) -> None:
    async def lookup(_: set[tuple[str, str]]) -> AdvisoryIndex:
        return index

    context = ScanContext(root=root, advisories=lookup)

    async def scan() -> None:
        if parallel:
            runs = await run_scanners(context)
        else:
            runs = [run for scanner in SCANNERS for run in await run_scanners(context, [scanner])]
        failed = [r for r in runs if r.status == "failed"]
        assert not failed, failed

    asyncio.run(scan())


def scan_bench(sdist: Path, repeat: int) -> dict[str, Any]:
    index = AdvisoryIndex.load()
    rows: dict[str, list[dict[str, float]]] = {"by_hand": [], "conveyor_serial": [], "conveyor_parallel": []}
    with tempfile.TemporaryDirectory() as scratch:
        root = unpack(sdist, Path(scratch))
        files = sum(1 for p in root.rglob("*") if p.is_file() and ".git" not in p.parts)
        python = sum(1 for p in root.rglob("*.py"))
        lines = sum(len(p.read_bytes().splitlines()) for p in root.rglob("*.py"))
        for _ in range(repeat):
            rows["by_hand"].append(timed(lambda: by_hand(root)))
            rows["conveyor_serial"].append(timed(lambda: conveyor(root, index, parallel=False)))
            rows["conveyor_parallel"].append(timed(lambda: conveyor(root, index, parallel=True)))
    median = {k: statistics.median(r["wall_s"] for r in v) for k, v in rows.items()}
    return {
        "code_base": sdist.name,
        "files": files,
        "python_files": python,
        "python_lines": lines,
        "repeat": repeat,
        "runs": rows,
        "median_wall_s": median,
        "serial_overhead_pct": round(100 * (median["conveyor_serial"] / median["by_hand"] - 1), 1),
        "parallel_vs_by_hand_pct": round(100 * (median["conveyor_parallel"] / median["by_hand"] - 1), 1),
    }


def lock_bench(entries: int = 500, seed: int = 10) -> dict[str, Any]:
    rng = random.Random(seed)
    pinned: dict[str, str] = {}
    for _, record in read_records(SHIPPED):
        for affected in record.get("affected", []):
            versions = affected.get("versions") or []
            name = affected["package"]["name"]
            if versions and name not in pinned:
                pinned[name] = rng.choice(versions)
    names = rng.sample(sorted(pinned), min(entries, len(pinned)))
    while len(names) < entries:  # the database names fewer packages than asked: pad with unaffected ones
        names.append(f"padding-package-{len(names)}")
    lock = "".join(f'[[package]]\nname = "{n}"\nversion = "{pinned.get(n, "1.0.0")}"\n\n' for n in names)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "poetry.lock"
        path.write_text(lock)
        load_started = time.process_time()
        index = AdvisoryIndex.load()
        load_cpu = time.process_time() - load_started
        started = time.process_time()
        dependencies = read_manifest(path, Path(scratch))
        findings = match(dependencies, index)
        cpu = time.process_time() - started
    return {
        "entries": len(dependencies),
        "with_advisories": sum(1 for n in names if n in pinned),
        "findings": len(findings),
        "advisories_in_database": index.count,
        "parse_and_match_cpu_s": round(cpu, 3),
        "load_database_cpu_s": round(load_cpu, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sdist", type=Path)
    parser.add_argument("--spec", default="flask==3.0.3")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "security_scan.json")
    args = parser.parse_args()
    sdist = args.sdist or fetch_sdist(Path(tempfile.gettempdir()) / "conveyor-bench-sdist", args.spec)
    load_before = os.getloadavg()[0]
    result: dict[str, Any] = {
        "host": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "scan": scan_bench(sdist, args.repeat),
        "lock": lock_bench(),
    }
    # the machine may be shared: the 1-minute load average around the run
    result["host"]["load_1m"] = {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
