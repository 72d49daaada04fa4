"""Waiting on real processes by pid (polling with a deadline: process state sends no events)."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import psutil


async def gone(pid: int, within: float = 10.0) -> bool:
    """True once the process has exited (or is a zombie), False if it is still alive at the deadline."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        await asyncio.sleep(0.05)
    return False


async def none_running(token: str, within: float = 10.0) -> bool:
    """True once no process has ``token`` in its command line (a sandboxed step's pids are not
    this namespace's, so steps mark the processes a test waits for)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not await asyncio.to_thread(_holders, token):
            return True
        await asyncio.sleep(0.05)
    return False


def _holders(token: str) -> list[int]:
    """The pids whose command line holds ``token``. Called in a thread: walking every process
    of a busy machine takes long enough to starve a server sharing the test's event loop (whose
    workers must reach it to keep their jobs' leases)."""
    return [
        int(process.pid)
        for process in psutil.process_iter(["cmdline"])
        if token in " ".join(process.info["cmdline"] or [])
    ]


def holding() -> Command:
    """A step command whose process (a shell sleeping, marked in its command line) a test can
    find from outside the step's sandbox, where the step's pids mean nothing."""
    token = uuid.uuid4().hex
    return Command(f"(bash -c 'sleep 300; true {token}' & wait)", token)


@dataclass(frozen=True)
class Command:
    run: str
    token: str

    async def pid(self, within: float = 10.0) -> int:
        """The host pid of the marked process, once it runs."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if holders := await asyncio.to_thread(_holders, self.token):
                return holders[0]
            await asyncio.sleep(0.02)
        raise AssertionError(f"no process holds {self.token}")


async def pid_in(path: Path, within: float = 10.0) -> int:
    """The pid a command wrote into ``path``."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return int(path.read_text())
        await asyncio.sleep(0.02)
    raise AssertionError(f"{path} was not written")
