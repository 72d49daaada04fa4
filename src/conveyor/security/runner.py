"""Running scans on a server node: a bounded number at a time, each holding a lease that a
heartbeat renews, so a scan whose node died is found and failed (at start and periodically)
instead of staying ``running`` for ever."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from pathlib import Path

import structlog

from conveyor.aio import Periodic
from conveyor.db import Database
from conveyor.events.bus import EventBus
from conveyor.security import advisories, service
from conveyor.security.models import Scan
from conveyor.security.osv import AdvisoryIndex
from conveyor.security.scanners import SCANNERS, ScannerRun, run_scanners
from conveyor.security.scanners.base import ScanContext, Scanner
from conveyor.security.source import SourceError, fetch

log = structlog.get_logger(__name__)


class ScanRunner:
    def __init__(
        self,
        *,
        db: Database,
        bus: EventBus,
        max_parallel: int = 2,
        scanner_timeout: float = 600.0,
        lease_seconds: float = 60.0,
        scanners: tuple[Scanner, ...] = SCANNERS,
    ) -> None:
        self.db, self.bus = db, bus
        self.scanner_timeout, self.lease_seconds, self.scanners = scanner_timeout, lease_seconds, scanners
        self._slots = asyncio.Semaphore(max_parallel)
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._periodic = Periodic(
            "security-scans", self._tick, interval=lease_seconds / 3, first_delay=lease_seconds / 3
        )

    async def start(self) -> None:
        await service.fail_abandoned(self.db, self.bus)
        self._periodic.start()

    async def stop(self) -> None:
        await self._periodic.stop()
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for scan_id in list(self._tasks):
            await service.fail_scan(self.db, self.bus, scan_id, "interrupted: the server stopped")
        self._tasks.clear()

    def submit(self, scan: Scan, repo_url: str) -> None:
        """Run a queued scan in the background (the caller created it with this node's lease)."""
        task = asyncio.create_task(
            self._run(scan.id, repo_url, scan.ref, scan.commit_sha), name=f"scan-{scan.id}"
        )
        self._tasks[scan.id] = task
        task.add_done_callback(lambda _: self._tasks.pop(scan.id, None))

    async def wait(self, scan_id: str) -> None:
        """For tests and the CLI: until this node's run of the scan is over."""
        task = self._tasks.get(scan_id)
        if task is not None:
            await asyncio.shield(task)

    async def _tick(self) -> None:
        await service.extend_lease(self.db, list(self._tasks), lease_seconds=self.lease_seconds)
        await service.fail_abandoned(self.db, self.bus)
        for scan, repo_url in await service.start_auto_scans(
            self.db, self.bus, lease_seconds=self.lease_seconds
        ):
            self.submit(scan, repo_url)

    async def _run(self, scan_id: str, repo_url: str, ref: str | None, sha: str | None) -> None:
        try:
            async with self._slots:
                await service.mark_running(self.db, self.bus, scan_id, lease_seconds=self.lease_seconds)
                with tempfile.TemporaryDirectory(prefix="conveyor-scan-") as scratch:
                    root = Path(scratch) / "src"
                    await fetch(repo_url, ref=ref, sha=sha, dest=root, limit=self.scanner_timeout)
                    runs = await self.scan_tree(scan_id, root)
                await service.finish_scan(self.db, self.bus, scan_id, runs)
        except SourceError as exc:
            await service.fail_scan(self.db, self.bus, scan_id, str(exc))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("security scan crashed", scan=scan_id)
            with contextlib.suppress(Exception):
                await service.fail_scan(self.db, self.bus, scan_id, f"internal error: {type(exc).__name__}")

    async def scan_tree(self, scan_id: str, root: Path) -> list[ScannerRun]:
        """Every scanner over ``root``, each one's progress recorded on the scan as it goes."""

        async def lookup(keys: set[tuple[str, str]]) -> AdvisoryIndex:
            return await advisories.lookup(self.db, keys)

        async def progress(run: ScannerRun) -> None:
            await service.scanner_progress(self.db, self.bus, scan_id, service.scanner_read(run))

        context = ScanContext(root=root, timeout=self.scanner_timeout, advisories=lookup)
        return await run_scanners(context, self.scanners, on_progress=progress)
