from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import psutil

from conveyor.runners.process import MAX_LINE_BYTES, ProcessOutcome, pump_lines, run_process
from tests.support.pids import gone, pid_in


async def run(
    script: str, tmp_path: Path, *, time_limit: float | None = 10, cancel: asyncio.Event | None = None
) -> tuple[ProcessOutcome, list[str]]:
    lines: list[str] = []
    outcome = await run_process(
        ["bash", "-c", script],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"]},
        time_limit=time_limit,
        cancel=cancel or asyncio.Event(),
        on_line=lines.append,
    )
    return outcome, lines


def wait_gone(pid: int, deadline: float = 5.0) -> bool:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.05)
    return False


async def test_output_lines_and_exit_code(tmp_path: Path) -> None:
    outcome, lines = await run("echo one; echo two >&2; printf three; exit 7", tmp_path)
    assert outcome.exit_code == 7 and not outcome.timed_out
    assert lines == ["one", "two", "three"]


async def test_timeout_kills_the_whole_tree(tmp_path: Path) -> None:
    script = f"(sleep 60 & echo $! > {tmp_path}/child; wait) & echo started; wait"
    started = time.monotonic()
    outcome, _ = await run(script, tmp_path, time_limit=1)
    assert outcome.timed_out and not outcome.cancelled
    assert time.monotonic() - started < 6
    assert wait_gone(int((tmp_path / "child").read_text()))


async def test_cancel_kills_a_grandchild_that_left_the_group(tmp_path: Path) -> None:
    cancel = asyncio.Event()
    script = f"setsid sleep 60 & echo $! > {tmp_path}/child; sleep 60"
    task = asyncio.create_task(run(script, tmp_path, cancel=cancel))
    for _ in range(100):
        if (tmp_path / "child").exists() and (tmp_path / "child").read_text().strip():
            break
        await asyncio.sleep(0.05)
    cancel.set()
    outcome, _ = await task
    assert outcome.cancelled and not outcome.timed_out
    assert wait_gone(int((tmp_path / "child").read_text()))


async def test_background_leftovers_are_killed_when_the_step_ends(tmp_path: Path) -> None:
    outcome, _ = await run(f"sleep 60 & echo $! > {tmp_path}/child", tmp_path)
    assert outcome.exit_code == 0
    assert wait_gone(int((tmp_path / "child").read_text()))


async def test_very_long_lines_are_cut() -> None:
    reader = asyncio.StreamReader()
    reader.feed_data(b"x" * (MAX_LINE_BYTES * 2 + 10) + b"\nend")
    reader.feed_eof()
    lines: list[str] = []
    await pump_lines(reader, lines.append)
    assert [len(line) for line in lines] == [MAX_LINE_BYTES, MAX_LINE_BYTES, 10, 3]


# A runner as the server and workers are: guardian started up front, the step's group marked
# (on_start comes after that) before the test kills it.
RUNNER = """
import asyncio, sys
from pathlib import Path
from conveyor.runners.guardian import GUARDIAN
from conveyor.runners.process import run_process
GUARDIAN.start()
script = sys.argv[3].replace("PIDFILE", sys.argv[1])
asyncio.run(run_process(["bash", "-c", script], cwd=Path("."), env={"PATH": "/usr/bin:/bin"},
                        time_limit=None, cancel=asyncio.Event(), on_line=print,
                        on_start=lambda pid: Path(sys.argv[2]).write_text(str(pid))))
"""


async def kill_runner_of(script: str, tmp_path: Path) -> int:
    """Start a runner running ``script`` (PIDFILE: where it writes a pid), kill it; that pid."""
    pidfile, started = tmp_path / "pid", tmp_path / "started"
    runner = await asyncio.create_subprocess_exec(
        sys.executable, "-c", RUNNER, str(pidfile), str(started), script
    )
    await pid_in(started)
    pid = await pid_in(pidfile)
    runner.kill()
    await runner.wait()
    return pid


async def test_commands_die_with_their_runner(tmp_path: Path) -> None:
    pid = await kill_runner_of("sleep 120 & echo $! > PIDFILE; wait", tmp_path)
    assert await gone(pid), "a grandchild of a killed runner must not survive it"


async def test_commands_that_left_their_process_group_die_with_their_runner_too(tmp_path: Path) -> None:
    pid = await kill_runner_of("setsid sleep 120 & echo $! > PIDFILE; wait", tmp_path)
    assert os.getsid(pid) == pid, "the command must really have its own session"
    assert await gone(pid), "found by the guardian's token in its environment"
