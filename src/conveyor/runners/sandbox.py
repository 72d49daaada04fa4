"""Where a step's command runs: confined by bubblewrap, or (only when told) unconfined.

A confined step sees read-only system directories, its job's workspace (the only writable place
besides its own /tmp and home), a fresh /proc and /dev, and nothing else of the host: not the data
directory, other workspaces, the server's processes or environment. It runs in new PID, IPC, UTS,
mount and network namespaces; when the step's main process exits, the kernel kills everything
left in its PID namespace. A server running as root starts bubblewrap privileged and drops the
step to an unprivileged uid (``CONVEYOR_SANDBOX_UID``); any other user gets bubblewrap's user
namespace, with the server's uid mapped in. Outbound network goes through slirp4netns, which
refuses connections to the host's loopback; with ``CONVEYOR_SANDBOX_NETWORK=none`` (or a job's
``network: none``) a step has only its own loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from conveyor.config import Settings
from conveyor.logs import get_logger

log = get_logger(__name__)

HOME = "/home/conveyor"
SYSTEM_DIRECTORIES = ("/usr", "/etc", "/opt")
MERGED_USR = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
SLIRP_DNS = "nameserver 10.0.2.3\n"
# Runs first inside the sandbox: says the set-up is over, waits for the network, closes its fds.
GATE = (
    'printf . >&"$1" && read -r -n 1 go <&"$2" && eval "exec $1>&- $2<&-" && [ "$go" = 1 ] '
    '&& shift 2 && exec "$@"'
)
TMP = "/tmp"  # noqa: S108 - the sandbox's own /tmp, bound to the job's scratch directory
UNCONFINED_WARNING = (
    "CONVEYOR_SANDBOX=none: pipeline steps run unconfined, as this server's user, and can read "
    "its data directory, environment and every project's secrets"
)


class SandboxError(Exception):
    """The sandbox cannot start a step; the message says why."""


@dataclass(frozen=True)
class Confinement:
    """One job attempt's places: its workspace, the runner's directory of files a step writes to
    talk to it (``$CONVEYOR_OUTPUT``), and a scratch directory for /tmp and home. ``owned``: the
    runner made the workspace for the job (not ``conveyor run``'s current directory)."""

    workspace: Path
    files: Path | None = None
    scratch: Path | None = None
    network: bool = True
    owned: bool = False


@dataclass
class Launch:
    """How to start one command: its argv and environment, fds to pass, and what to do after it
    started (before it may run) and after it ended."""

    argv: list[str]
    env: dict[str, str]
    pass_fds: tuple[int, ...] = ()
    started: Callable[[], Awaitable[None]] | None = None
    finished: list[Callable[[], Awaitable[None] | None]] = field(default_factory=list)

    async def close(self) -> None:
        for action in self.finished:
            with contextlib.suppress(OSError, ProcessLookupError):
                result = action()
                if result is not None:
                    await result
        self.finished.clear()


class Sandbox(Protocol):
    name: str

    def problem(self) -> str | None:
        """Why steps cannot run here (checked once), or None."""

    def prepare(self, workspace: Path, *, files: Path | None, network: bool, owned: bool) -> Confinement:
        """Set up an attempt's places."""

    def hand_over(self, confinement: Confinement, path: Path, *, tree: bool) -> None:
        """Make ``path`` (with everything under it if ``tree``) the step's to write."""

    def discard(self, confinement: Confinement) -> None: ...

    def launch(
        self, argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], confinement: Confinement
    ) -> Launch: ...


class Unconfined:
    """``CONVEYOR_SANDBOX=none``: the command runs as a plain child of the runner."""

    name = "none"

    def problem(self) -> str | None:
        return None

    def prepare(self, workspace: Path, *, files: Path | None, network: bool, owned: bool) -> Confinement:
        return Confinement(workspace, files, network=network, owned=owned)

    def hand_over(self, confinement: Confinement, path: Path, *, tree: bool) -> None:
        return None

    def discard(self, confinement: Confinement) -> None:
        return None

    def launch(
        self, argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], confinement: Confinement
    ) -> Launch:
        return Launch(list(argv), dict(env))


class Bubblewrap:
    name = "bwrap"

    def __init__(self, settings: Settings) -> None:
        self.bwrap = shutil.which("bwrap") or "bwrap"
        self.slirp = shutil.which("slirp4netns")
        self.setpriv = shutil.which("setpriv") or "/usr/bin/setpriv"
        self.network = settings.sandbox_network == "outbound"
        self.uid, self.gid = settings.sandbox_uid, settings.sandbox_gid
        self.readonly = [*SYSTEM_DIRECTORIES, *settings.sandbox_readonly_paths]
        self._problem: str | None = None
        self._checked = False
        self._lock = threading.Lock()

    @property
    def privileged(self) -> bool:
        return os.geteuid() == 0

    def problem(self) -> str | None:
        with self._lock:
            if not self._checked:
                self._problem = self._probe()
                self._checked = True
            return self._problem

    def _probe(self) -> str | None:
        if shutil.which(self.bwrap) is None:
            return "bubblewrap (bwrap) is not installed"
        if self.network and self.slirp is None:
            return "slirp4netns is not installed (or set CONVEYOR_SANDBOX_NETWORK=none)"
        with tempfile.TemporaryDirectory(prefix="conveyor-sandbox-probe-") as directory:
            confinement = self.prepare(Path(directory), files=None, network=False, owned=True)
            try:
                launch = self.launch(["true"], cwd=Path(directory), env={}, confinement=confinement)
                done = subprocess.run(launch.argv, env=launch.env, capture_output=True, timeout=30)
            finally:
                self.discard(confinement)
        if done.returncode != 0:
            return f"bubblewrap does not start: {done.stderr.decode(errors='replace').strip()}"
        return None

    def prepare(self, workspace: Path, *, files: Path | None, network: bool, owned: bool) -> Confinement:
        if owned:
            scratch = workspace.parent / f"{workspace.name}@sandbox"
            scratch.mkdir(parents=True, exist_ok=True)
        else:
            scratch = Path(tempfile.mkdtemp(prefix="conveyor-sandbox-"))
        for name in ("tmp", "home"):
            (scratch / name).mkdir(exist_ok=True)
        (scratch / "resolv.conf").write_text(SLIRP_DNS)
        confinement = Confinement(workspace, files, scratch, network=network and self.network, owned=owned)
        for name in ("tmp", "home"):
            self.hand_over(confinement, scratch / name, tree=False)
        return confinement

    def hand_over(self, confinement: Confinement, path: Path, *, tree: bool) -> None:
        if self.privileged and confinement.owned:
            if tree:
                _chown_tree(path, self.uid, self.gid)
            else:
                os.chown(path, self.uid, self.gid, follow_symlinks=False)

    def discard(self, confinement: Confinement) -> None:
        if confinement.scratch is not None:
            shutil.rmtree(confinement.scratch, ignore_errors=True)

    def launch(
        self, argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], confinement: Confinement
    ) -> Launch:
        assert confinement.scratch is not None
        drop = self.privileged and confinement.owned
        options = [*self._namespaces(drop), *self._filesystem(confinement), "--chdir", str(cwd)]
        launch = Launch([], {**env, "HOME": HOME, "TMPDIR": TMP})
        inner = list(argv)
        if confinement.network:
            inner = _attach_network(launch, options, inner, self.slirp or "slirp4netns", userns=not drop)
        if drop:
            inner = [
                self.setpriv, f"--reuid={self.uid}", f"--regid={self.gid}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--", *inner,
            ]  # fmt: skip
        launch.argv = [self.bwrap, *options, "--", *inner]
        return launch

    def _namespaces(self, drop: bool) -> list[str]:
        shared = ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-net", "--unshare-cgroup-try"]
        user = [] if drop else ["--unshare-user"]
        return [*user, *shared, "--die-with-parent", "--hostname", "conveyor-job"]

    def _filesystem(self, confinement: Confinement) -> list[str]:
        assert confinement.scratch is not None
        options: list[str] = []
        for path in MERGED_USR:
            if os.path.islink(path):
                options += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                options += ["--ro-bind", path, path]
        for path in self.readonly:
            options += ["--ro-bind-try", path, path]
        options += ["--proc", "/proc", "--dev", "/dev"]
        options += ["--bind", str(confinement.scratch / "tmp"), TMP]
        options += ["--dir", "/var", "--symlink", "../tmp", f"/var{TMP}"]
        options += ["--dir", "/home", "--bind", str(confinement.scratch / "home"), HOME]
        for writable in (confinement.workspace, confinement.files):
            if writable is not None:
                options += _bind_in_place(writable)
        if confinement.network:
            resolv = os.path.realpath("/etc/resolv.conf")
            options += ["--ro-bind", str(confinement.scratch / "resolv.conf"), resolv]
        return options


class _Fds:
    """Pipe ends this side still holds; each is closed exactly once."""

    def __init__(self) -> None:
        self.open: set[int] = set()

    def pipe(self) -> tuple[int, int]:
        read, write = os.pipe()
        self.open |= {read, write}
        return read, write

    def close(self, *fds: int) -> None:
        for fd in fds:
            if fd in self.open:
                self.open.discard(fd)
                os.close(fd)

    def close_all(self) -> None:
        self.close(*list(self.open))


def _attach_network(
    launch: Launch, options: list[str], argv: list[str], slirp: str, *, userns: bool
) -> list[str]:
    """Give the sandbox outbound network before its command runs.

    bubblewrap reports the sandbox's pid (``--info-fd``) while it is still setting the namespace
    up (its loopback too), so slirp4netns may only start once the set-up is over: a small gate
    inside the sandbox says when it is reached, then waits for the word to go on.
    """
    fds = _Fds()
    info_read, info_write = fds.pipe()
    reached_read, reached_write = fds.pipe()
    go_read, go_write = fds.pipe()
    options += ["--info-fd", str(info_write)]
    launch.pass_fds = (info_write, reached_write, go_read)
    launch.finished.append(fds.close_all)

    async def started() -> None:
        fds.close(info_write, reached_write, go_read)
        pid = await asyncio.to_thread(_child_pid, info_read)
        if not await asyncio.to_thread(os.read, reached_read, 1):
            raise SandboxError("bubblewrap exited before the step started")
        exit_read, exit_write = fds.pipe()
        ready_read, ready_write = fds.pipe()
        user = [f"--userns-path=/proc/{pid}/ns/user"] if userns else []
        helper = await asyncio.create_subprocess_exec(
            slirp, "--configure", "--mtu=65520", "--disable-host-loopback", "--enable-sandbox",
            "--enable-seccomp", f"--ready-fd={ready_write}", f"--exit-fd={exit_read}", *user,
            str(pid), "tap0",
            pass_fds=(ready_write, exit_read),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        fds.close(ready_write, exit_read)
        launch.finished.append(lambda: _reap(helper))  # after close_all: closing exit_write stops it
        if not await asyncio.to_thread(os.read, ready_read, 1):
            fds.close(exit_write)
            assert helper.stderr is not None
            error = (await helper.stderr.read()).decode(errors="replace").strip()
            raise SandboxError(f"slirp4netns did not start: {error}")
        os.write(go_write, b"1")
        fds.close(go_write, ready_read, reached_read, info_read)

    launch.started = started
    return ["bash", "--noprofile", "--norc", "-c", GATE, "gate", str(reached_write), str(go_read), *argv]


def _child_pid(fd: int) -> int:
    data = b""
    while chunk := os.read(fd, 4096):
        data += chunk
        with contextlib.suppress(ValueError):
            return int(json.loads(data)["child-pid"])
    raise SandboxError("bubblewrap exited before the step started")


async def _reap(helper: asyncio.subprocess.Process) -> None:
    try:
        await asyncio.wait_for(helper.wait(), 2)
    except TimeoutError:
        helper.kill()
        await helper.wait()


def _bind_in_place(path: Path) -> list[str]:
    """Bind ``path`` read-write at the same path inside. bubblewrap makes the missing parents of a
    mount point 0700, so the step could not reach it by name (git stats it): they come first."""
    options: list[str] = []
    for parent in list(reversed(path.parents))[1:]:
        if str(parent) not in (TMP, HOME, "/home"):
            options += ["--dir", str(parent)]
    return [*options, "--bind", str(path), str(path)]


def _chown_tree(root: Path, uid: int, gid: int) -> None:
    os.chown(root, uid, gid)
    for directory, subdirectories, files in os.walk(root):
        for name in (*subdirectories, *files):
            os.chown(os.path.join(directory, name), uid, gid, follow_symlinks=False)


def sandbox_for(settings: Settings) -> Sandbox:
    if settings.sandbox == "none":
        return Unconfined()
    return Bubblewrap(settings)
