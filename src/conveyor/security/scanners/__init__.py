"""The scanners, one module each behind ``base.Scanner``, and running them side by side."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from conveyor.security.scanners.bandit import BanditScanner
from conveyor.security.scanners.base import Finding, ScanContext, Scanner, ScannerError
from conveyor.security.scanners.dependencies import DependencyScanner
from conveyor.security.scanners.secrets import SecretsScanner
from conveyor.security.scanners.semgrep import SemgrepScanner
from conveyor.security.schemas import ScannerStatus

SCANNERS: tuple[Scanner, ...] = (BanditScanner(), SecretsScanner(), DependencyScanner(), SemgrepScanner())


@dataclass
class ScannerRun:
    name: str
    status: ScannerStatus = "queued"
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None


Progress = Callable[[ScannerRun], Awaitable[None]]


async def run_scanners(
    context: ScanContext, scanners: Sequence[Scanner] = SCANNERS, on_progress: Progress | None = None
) -> list[ScannerRun]:
    """Every scanner at once; one that fails or times out is reported failed, the rest go on."""
    runs = [ScannerRun(s.name) for s in scanners]
    await asyncio.gather(*(_run_one(s, r, context, on_progress) for s, r in zip(scanners, runs, strict=True)))
    return runs


async def _run_one(
    scanner: Scanner, run: ScannerRun, context: ScanContext, on_progress: Progress | None
) -> None:
    reason = scanner.unavailable()
    if reason is not None:
        run.status, run.error = "skipped", reason
    else:
        run.status = "running"
        if on_progress:
            await on_progress(run)
        started = time.monotonic()
        try:
            run.findings = await scanner.scan(context)
            run.status = "completed"
        except (ScannerError, OSError) as exc:
            run.status, run.error = "failed", str(exc) or type(exc).__name__
        except TimeoutError:
            run.status, run.error = "failed", f"timed out after {context.timeout:g} s"
        run.seconds = round(time.monotonic() - started, 3)
    if on_progress:
        await on_progress(run)
