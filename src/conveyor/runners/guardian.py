"""Commands never outlive a dead runner.

Each runner process starts one small guardian (a bash loop in its own session) that the kernel
signals when the runner dies (PR_SET_PDEATHSIG), however it dies. The runner marks the process
group of every running command in the guardian's directory; on the signal the guardian kills
those groups. One guardian per process keeps command spawning on the fast vfork path (a
per-command ``preexec_fn`` would fork the whole server for every step).
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

_PR_SET_PDEATHSIG = 1
_PRCTL = ctypes.CDLL(None).prctl if sys.platform.startswith("linux") else None
SCRIPT = r"""
reap() {
  for f in "$0"/*; do [ -e "$f" ] && kill -KILL -- "-${f##*/}"; done
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
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the guardian (once); call it from a thread that lives as long as the process."""
        with self._lock:
            if self._process is not None and self._process.poll() is None:
                return
            self._directory = Path(tempfile.mkdtemp(prefix="conveyor-guardian-"))
            self._process = subprocess.Popen(
                ["bash", "--noprofile", "--norc", "-c", SCRIPT, str(self._directory)],
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=_signal_on_parent_death,
            )

    def protect(self, pgid: int) -> None:
        self.start()
        assert self._directory is not None
        (self._directory / str(pgid)).touch()

    def release(self, pgid: int) -> None:
        if self._directory is not None:
            with contextlib.suppress(FileNotFoundError):
                (self._directory / str(pgid)).unlink()


GUARDIAN = Guardian()
