"""Commands never outlive a dead runner.

Each runner process starts one small guardian (a bash loop in its own session) that the kernel
signals when the runner dies (PR_SET_PDEATHSIG), however it dies. The runner marks the process
group of every running command in the guardian's directory, and every command carries the
guardian's token in ``CI_RUNNER_GUARD``. On the signal the guardian kills the marked groups, then
every process whose environment holds its token: that also catches a command spawned an instant
before the runner died (not marked yet) and processes that left their group (``setsid``). One
guardian per process keeps command spawning on the fast vfork path (a per-command
``preexec_fn`` would fork the whole server for every step).
"""

from __future__ import annotations

import contextlib
import ctypes
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path

GUARD_VARIABLE = "CI_RUNNER_GUARD"
_PR_SET_PDEATHSIG = 1
_PRCTL = ctypes.CDLL(None).prctl if sys.platform.startswith("linux") else None
SCRIPT = r"""
token=$1
reap() {
  for f in "$0"/*; do [ -e "$f" ] && kill -KILL -- "-${f##*/}"; done
  for e in /proc/[0-9]*/environ; do
    p=${e#/proc/}; p=${p%/environ}
    grep -qzx "CI_RUNNER_GUARD=$token" "$e" && { kill -KILL -- "-$p" || kill -KILL "$p"; }
  done 2>/dev/null
  kill $! 2>/dev/null; rm -rf "$0"; exit 0
}
trap reap TERM
while :; do sleep 3600 & wait $!; done
"""


def _signal_on_parent_death() -> None:
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Guardian:
    def __init__(self) -> None:
        self._directory: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._token = ""
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the guardian (once); call it from a thread that lives as long as the process."""
        with self._lock:
            if self._process is not None and self._process.poll() is None:
                return
            self._directory = Path(tempfile.mkdtemp(prefix="conveyor-guardian-"))
            self._token = secrets.token_hex(16)
            self._process = subprocess.Popen(
                ["bash", "--noprofile", "--norc", "-c", SCRIPT, str(self._directory), self._token],
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=_signal_on_parent_death,
            )

    def mark(self, env: Mapping[str, str]) -> dict[str, str]:
        """The environment for a command, with this guardian's token in it."""
        self.start()
        return {**env, GUARD_VARIABLE: self._token}

    def protect(self, pgid: int) -> None:
        self.start()
        assert self._directory is not None
        (self._directory / str(pgid)).touch()

    def release(self, pgid: int) -> None:
        if self._directory is not None:
            with contextlib.suppress(FileNotFoundError):
                (self._directory / str(pgid)).unlink()


GUARDIAN = Guardian()
