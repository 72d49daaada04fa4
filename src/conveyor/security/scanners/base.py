"""What every scanner is and returns, and the subprocess runner they share."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from conveyor.security.osv import AdvisoryIndex
from conveyor.security.schemas import MAX_STEP_FINDINGS, Kind, Severity

MAX_OUTPUT_BYTES = 64 * 1024 * 1024
MAX_FINDINGS = MAX_STEP_FINDINGS  # per scanner: what a worker's step may send for one
TOOL_MEMORY_BYTES = 4 * 1024 * 1024 * 1024  # address space of one scanner process


class ScannerError(RuntimeError):
    """A scanner that could not finish: the message is the reason shown on the scan."""


@dataclass(frozen=True)
class Finding:
    """One problem a scanner reports. Never holds a secret: only its type, place and hash."""

    scanner: str
    kind: Kind
    rule_id: str
    title: str
    severity: Severity
    fingerprint: str
    remediation: str
    file: str | None = None
    line: int | None = None
    cwe: str | None = None
    cve: str | None = None
    ghsa: str | None = None
    aliases: tuple[str, ...] = ()
    package: str | None = None
    version: str | None = None
    fixed_version: str | None = None

    def wire(self) -> dict[str, object]:
        """The JSON form of the exports (camelCase, as the REST API)."""
        return {
            "fingerprint": self.fingerprint,
            "scanner": self.scanner,
            "kind": self.kind,
            "ruleId": self.rule_id,
            "title": self.title,
            "severity": self.severity,
            "cwe": self.cwe,
            "cve": self.cve,
            "ghsa": self.ghsa,
            "file": self.file,
            "line": self.line,
            "package": self.package,
            "version": self.version,
            "fixedVersion": self.fixed_version,
            "remediation": self.remediation,
        }

    def matches(self, rule: str) -> bool:
        """Whether an allow-list entry (rule id, advisory id or alias) names this finding."""
        return rule in (self.rule_id, self.cve, self.ghsa, *self.aliases)


def fingerprint(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:32]


AdvisoryLookup = Callable[[set[tuple[str, str]]], Awaitable[AdvisoryIndex]]


@dataclass
class ScanContext:
    root: Path
    timeout: float = 600.0
    history_commits: int = 20
    advisories: AdvisoryLookup | None = None
    extra: dict[str, str] = field(default_factory=dict)


class Scanner(Protocol):
    name: str

    def unavailable(self) -> str | None:
        """Why this scanner cannot run here (e.g. not installed), or None."""

    async def scan(self, context: ScanContext) -> list[Finding]:
        """The findings; ScannerError with a reason when it cannot finish."""


def tool_env() -> dict[str, str]:
    """A minimal environment for the tools: none of the server's settings or secrets."""
    keep = ("PATH", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env["HOME"] = tempfile.gettempdir()
    return env


async def run_tool(
    args: Sequence[str], *, cwd: Path, limit: float, ok_codes: Sequence[int] = (0,), memory: int | None = None
) -> bytes:
    """Run ``python -m <tool> ...`` (or a program) in its own process group; its stdout, bounded.

    ScannerError when it times out, exits with a code outside ``ok_codes`` or prints too much.
    With ``memory``, the tool (a scanner, not git) may hold at most that much address space and
    write no file larger than its output may be, so a huge repository cannot exhaust the host.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = await asyncio.create_subprocess_exec(
            *(_capped(args, memory) if memory else args),
            cwd=cwd,
            stdout=out,
            stderr=err,
            stdin=asyncio.subprocess.DEVNULL,
            env=tool_env(),
            start_new_session=True,
        )
        try:
            code = await asyncio.wait_for(process.wait(), limit)
        except (TimeoutError, asyncio.CancelledError) as exc:
            _kill_group(process.pid)
            await process.wait()
            if isinstance(exc, asyncio.CancelledError):
                raise
            raise ScannerError(f"timed out after {limit:g} s") from None
        size = out.seek(0, os.SEEK_END)
        if size > MAX_OUTPUT_BYTES:
            raise ScannerError(f"output larger than {MAX_OUTPUT_BYTES // (1024 * 1024)} MB")
        if code not in ok_codes:
            err.seek(0)
            tail = err.read()[-2000:].decode(errors="replace").strip().splitlines()
            last = tail[-1] if tail else "no message"
            if memory and ("MemoryError" in last or "out of memory" in last.lower()):
                raise ScannerError(f"ran out of its {memory // (1024 * 1024)} MiB of memory")
            raise ScannerError(f"exited with {code}: {last}")
        out.seek(0)
        return out.read()


def _capped(args: Sequence[str], memory: int) -> list[str]:
    """``args`` under prlimit (util-linux): address space and file size capped. Without prlimit
    the tool runs uncapped (its timeout still holds)."""
    prlimit = shutil.which("prlimit")
    if prlimit is None:
        return list(args)
    return [prlimit, f"--as={memory}", f"--fsize={MAX_OUTPUT_BYTES + 1}", "--", *args]


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def python_tool(module: str) -> list[str]:
    return [sys.executable, "-m", module]


def module_missing(module: str) -> str | None:
    import importlib.util

    return None if importlib.util.find_spec(module) else f"{module} is not installed"
