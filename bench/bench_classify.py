"""Time `classify_log` on typical logs, on a 50 MB log and on crafted worst cases; print the numbers.

Usage: .venv/bin/python bench/bench_classify.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
import tracemalloc
from pathlib import Path

from conveyor.debug.classify import classify_log
from conveyor.debug.model import load_model

ROOT = Path(__file__).resolve().parents[1]
TYPICAL_SOURCES = (
    ROOT / "tests" / "data" / "debug" / "real_logs.jsonl",
    ROOT / "tests" / "data" / "debug" / "real_logs_untouched.jsonl",
    ROOT / "tests" / "data" / "debug" / "handwritten.jsonl",
)
CORPUS = ROOT / "training" / "debug" / "data" / "corpus.jsonl"
BIG_LOG_BYTES = 50 * 1024 * 1024


def typical_logs() -> list[str]:
    logs = [json.loads(line)["log"] for path in TYPICAL_SOURCES for line in path.read_text().splitlines()]
    corpus = [json.loads(line)["log"] for line in CORPUS.read_text().splitlines()]
    return logs + corpus[::10]


def big_log() -> bytes:
    noise = b"2024-05-01T10:00:00.1234567Z [INFO] Compiling module_%d ... ok (progress 42%%)\n"
    lines = [noise % i for i in range(BIG_LOG_BYTES // len(noise))]
    tail = b"npm ERR! code ENOSPC\nnpm ERR! nospc ENOSPC: no space left on device, write\n"
    return b"".join(lines)[: BIG_LOG_BYTES - len(tail)] + tail


def bench_typical(repeat: int) -> None:
    logs = typical_logs()
    timings, cpu_times = [], []
    for _ in range(repeat):
        for log in logs:
            start, cpu_start = time.perf_counter(), time.process_time()
            classify_log(log)
            timings.append((time.perf_counter() - start) * 1000)
            cpu_times.append((time.process_time() - cpu_start) * 1000)
    sizes = [len(log) for log in logs]
    median_size = statistics.median(sizes)
    print(f"typical logs: n={len(logs)} x {repeat}, median size {median_size:.0f} B, max {max(sizes)} B")
    print(
        f"  per log: mean {statistics.mean(timings):.2f} ms, median {statistics.median(timings):.2f} ms, "
        f"p95 {statistics.quantiles(timings, n=20)[18]:.2f} ms, max {max(timings):.2f} ms"
    )
    # CPU time is steadier than wall time on a shared machine: it leaves out time not scheduled.
    print(
        f"  CPU time per log: mean {statistics.mean(cpu_times):.2f} ms, "
        f"median {statistics.median(cpu_times):.2f} ms, "
        f"p95 {statistics.quantiles(cpu_times, n=20)[18]:.2f} ms"
    )


def bench_big() -> None:
    data = big_log()
    tracemalloc.start()
    start = time.perf_counter()
    result = classify_log(data)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    size_mb = len(data) / 1e6
    print(f"50 MB log ({size_mb:.1f} MB): {elapsed * 1000:.0f} ms, label {result.label} {result.confidence}")
    print(f"  peak Python allocations during the call: {peak / 1e6:.1f} MB (input itself: {size_mb:.1f} MB)")


def crafted_logs() -> dict[str, str]:
    """Inputs shaped against particular rules: each must cost about what a typical log does."""
    own_module = "/src/github.com/" + "a" * 90 + '/b cannot find package "a/b" '
    return {
        # `cues.own_module_missing`: every name and every missing package matches, on one line.
        "own-module names and packages, one 50 MB line": own_module * (BIG_LOG_BYTES // len(own_module)),
    }


def bench_crafted() -> None:
    for name, log in crafted_logs().items():
        start = time.perf_counter()
        result = classify_log(log)
        print(f"crafted: {name}: {(time.perf_counter() - start) * 1000:.0f} ms, label {result.label}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    start = time.perf_counter()
    load_model()
    print(f"model load (once per process): {(time.perf_counter() - start) * 1000:.0f} ms")
    classify_log("warm up\nerror: something")
    bench_typical(args.repeat)
    bench_big()
    bench_crafted()
    print(f"max RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
