"""A scan whose server died does not stay ``running`` for ever: its lease runs out and it is
failed with the reason, at the next start and by the periodic check of a running node."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta

from conveyor.config import Settings
from conveyor.db import Database, new_id, utcnow
from conveyor.security.models import Scan
from tests.support.server import RunningServer
from tests.support.sockets import Listener


async def _abandoned_scan(db: Database, project_id: str, *, expired: bool, trigger: str = "api") -> str:
    lease = utcnow() + timedelta(seconds=-5 if expired else 3600)
    scan = Scan(
        id=new_id(),
        project_id=project_id,
        status="running",
        trigger=trigger,
        ref="main",
        scanners=[],
        summary={},
        violations=[],
        created_at=utcnow(),
        lease_expires_at=lease,
    )
    async with db.write_session() as session:
        session.add(scan)
        await session.commit()
    return scan.id


async def _completed(listener: Listener, scan_id: str) -> None:
    """Until the scan's ``security_scan_completed`` has arrived (maybe already)."""
    done = [e for n, e in listener.received if n == "security_scan_completed"]
    if all(e["data"]["scanId"] != scan_id for e in done):
        await listener.events_until("security_scan_completed", lambda e: e["data"]["scanId"] == scan_id, 10)


async def test_abandoned_scans_are_failed_at_start_and_while_running(
    settings: Settings, server_with: Callable[..., AbstractAsyncContextManager[RunningServer]]
) -> None:
    async with server_with() as first:
        token = await first.admin_token()
        project_id = await first.create_project(token, "shop")
        crashed = await _abandoned_scan(first.container.db, project_id, expired=False)
        # The node "crashes": its scan keeps a lease nobody renews.
    db = Database(settings.resolved_database_url)
    async with db.write_session() as session:
        scan = await session.get(Scan, crashed)
        assert scan is not None
        scan.lease_expires_at = utcnow() - timedelta(seconds=1)
        await session.commit()
    await db.dispose()
    async with server_with(scan_lease_seconds=0.3) as second:
        token = await second.admin_token()
        listener = await second.authenticated_socket(token)
        async with second.api(token) as client:
            after_start = (await client.get(f"/api/v1/scans/{crashed}")).json()
            step = await _abandoned_scan(second.container.db, project_id, expired=True, trigger="step")
            later = await _abandoned_scan(second.container.db, project_id, expired=True)
            await _completed(listener, later)  # both failed by the same check, in either order
            await _completed(listener, step)
            reaped = (await client.get(f"/api/v1/scans/{later}")).json()
            step_reaped = (await client.get(f"/api/v1/scans/{step}")).json()
    assert after_start["status"] == "failed" and after_start["error"].startswith("interrupted")
    assert reaped["status"] == "failed" and "stopped before it ended" in reaped["error"]
    # a pipeline step's scan was run by its job's runner (maybe a worker), not by a server
    assert step_reaped["status"] == "failed" and "the job's runner stopped renewing" in step_reaped["error"]
