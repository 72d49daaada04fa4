"""One command as a subprocess: own process group, merged output read as lines, timeout and
cancellation that stop the whole process tree."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conveyor.runners.guardian import GUARDIAN
from conveyor.runners.sandbox import Confinement, Sandbox, Unconfined

if TYPE_CHECKING:
    import psutil

MAX_LINE_BYTES = 64 * 1024
KILL_GRACE_SECONDS = 2.0


@dataclass(frozen=True)
class ProcessOutcome:
    exit_code: int | None
    timed_out: bool = False
    cancelled: bool = False


class _ExitAware(asyncio.subprocess.SubprocessStreamProtocol):
    """Knows when the process exits, even while a leftover child still holds its output pipe
    (``Process.wait()`` waits for the pipes too)."""

    def __init__(self, limit: int, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(limit=limit, loop=loop)
        self.exited: asyncio.Future[None] = loop.create_future()

    def process_exited(self) -> None:
        super().process_exited()
        if not self.exited.done():
            self.exited.set_result(None)


async def run_process(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    time_limit: float | None,
    cancel: asyncio.Event,
    on_line: Callable[[str], None],
    on_start: Callable[[int], None] | None = None,
    sandbox: Sandbox | None = None,
    confinement: Confinement | None = None,
) -> ProcessOutcome:
    """Run ``argv`` (inside ``sandbox``, confined to ``confinement``) to its end."""
    launch = (sandbox or Unconfined()).launch(
        argv, cwd=cwd, env=GUARDIAN.mark(env), confinement=confinement or Confinement(cwd)
    )
    try:
        loop = asyncio.get_running_loop()
        transport, protocol = await loop.subprocess_exec(
            lambda: _ExitAware(limit=MAX_LINE_BYTES, loop=loop),
            *launch.argv,
            cwd=cwd,
            env=launch.env,
            pass_fds=launch.pass_fds,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        process = asyncio.subprocess.Process(transport, protocol, loop)
        GUARDIAN.protect(process.pid)
        if on_start is not None:
            on_start(process.pid)
        try:
            if launch.started is not None:
                await _start_or_kill(process, launch.started)
            return await _supervise(process, protocol, time_limit=time_limit, cancel=cancel, on_line=on_line)
        finally:
            GUARDIAN.release(process.pid)
    finally:
        await launch.close()


async def _start_or_kill(process: asyncio.subprocess.Process, started: Callable[[], Awaitable[None]]) -> None:
    """Finish the sandbox's set-up; if it fails, the command never runs."""
    try:
        await started()
    except BaseException:
        await kill_tree(process.pid, graceful=False)
        await process.wait()
        raise


async def _supervise(
    process: asyncio.subprocess.Process,
    protocol: _ExitAware,
    *,
    time_limit: float | None,
    cancel: asyncio.Event,
    on_line: Callable[[str], None],
) -> ProcessOutcome:
    assert process.stdout is not None
    reader = asyncio.create_task(pump_lines(process.stdout, on_line))
    exited: asyncio.Future[Any] = protocol.exited
    cancelled: asyncio.Future[Any] = asyncio.ensure_future(cancel.wait())
    done, _ = await asyncio.wait({exited, cancelled}, timeout=time_limit, return_when=asyncio.FIRST_COMPLETED)
    cancelled.cancel()
    stopped = exited not in done
    if stopped:
        await kill_tree(process.pid, graceful=True)
    else:
        # the leader's children were handed to init when it exited: its group is all there is
        # to find, and walking the tree would cost a local run psutil's import
        kill_group(process.pid)
    await process.wait()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(reader), KILL_GRACE_SECONDS)
    reader.cancel()
    return ProcessOutcome(
        exit_code=process.returncode,
        timed_out=stopped and not cancel.is_set(),
        cancelled=stopped and cancel.is_set(),
    )


async def kill_tree(pid: int, *, graceful: bool) -> None:
    """Stop a process, its group and every descendant (SIGTERM, then SIGKILL after a grace)."""
    victims = _tree(pid)
    if graceful:
        _signal_all(pid, victims, signal.SIGTERM)
        victims = await _survivors(victims, KILL_GRACE_SECONDS)
    _signal_all(pid, victims, signal.SIGKILL)


async def _survivors(processes: Sequence[psutil.Process], grace: float) -> list[psutil.Process]:
    deadline = asyncio.get_running_loop().time() + grace
    alive = list(processes)
    while alive and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
        alive = [process for process in alive if _running(process)]
    return alive


def _running(process: psutil.Process) -> bool:
    import psutil

    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _tree(pid: int) -> list[psutil.Process]:
    import psutil

    try:
        leader = psutil.Process(pid)
        return [leader, *leader.children(recursive=True)]
    except psutil.Error:
        return []


def _signal_all(pgid: int, processes: Sequence[psutil.Process], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)
    import psutil

    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.send_signal(sig)


def kill_group(pgid: int) -> bool:
    """Kill what is left of a process group (used for jobs orphaned by a dead runner)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return False
    return True


async def pump_lines(stream: asyncio.StreamReader, on_line: Callable[[str], None]) -> None:
    """Feed complete lines to ``on_line``; very long lines are cut into pieces."""
    pending = b""
    while chunk := await stream.read(65536):
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            _emit(line, on_line)
        while len(pending) > MAX_LINE_BYTES:
            _emit(pending[:MAX_LINE_BYTES], on_line)
            pending = pending[MAX_LINE_BYTES:]
    if pending:
        _emit(pending, on_line)


def _emit(raw: bytes, on_line: Callable[[str], None]) -> None:
    for piece in range(0, max(len(raw), 1), MAX_LINE_BYTES):
        text = raw[piece : piece + MAX_LINE_BYTES].rstrip(b"\r").decode("utf-8", errors="replace")
        # PostgreSQL text cannot hold NUL: shown as the replacement character, like invalid UTF-8
        on_line(text.replace("\x00", "\ufffd"))
