from __future__ import annotations

import asyncio
import socket
from datetime import timedelta

import pytest

from conveyor.auth.security import JwtCodec
from conveyor.client import (
    Backoff,
    ConveyorAuthError,
    ConveyorClient,
    ConveyorConnectionError,
    Event,
    EventStream,
)
from conveyor.config import Settings
from conveyor.db import Database
from conveyor.events.bus import EventBus
from conveyor.system import alerts
from conveyor.system.schemas import AlertCreate, AlertSeverity
from tests.conftest import JWT_SECRET
from tests.support.server import ADMIN_PASSWORD, RunningServer, run_server

TIMEOUT = 15
FAST_RETRY = Backoff(initial=0.05, maximum=0.5)


async def take(stream: EventStream, count: int) -> list[Event]:
    async with asyncio.timeout(TIMEOUT):
        return [await anext(stream) for _ in range(count)]


async def test_live_events_arrive_in_order(server: RunningServer, client: ConveyorClient) -> None:
    async with client.events(event_types=["system_alert"]) as stream:
        welcome = await asyncio.wait_for(stream.wait_authenticated(), TIMEOUT)
        raised = [await server.raise_alert(f"live {n}") for n in range(3)]
        received = await take(stream, 3)
    assert welcome["user"]["username"] == "admin"
    assert [e.data["alertId"] for e in received] == [a["alertId"] for a in raised]
    assert [e.seq for e in received] == sorted({e.seq for e in received})
    assert {e.event_type for e in received} == {"system_alert"}


async def test_filters_narrow_the_stream(server: RunningServer, client: ConveyorClient) -> None:
    async with client.events(event_types=["system_alert"], min_priority="HIGH") as stream:
        await asyncio.wait_for(stream.wait_authenticated(), TIMEOUT)
        await server.raise_alert("just so you know", "info")
        await server.raise_alert("warming up", "warning")
        critical = await server.raise_alert("on fire", "critical")
        [received] = await take(stream, 1)
    assert received.data["alertId"] == critical["alertId"]
    assert received.priority == "HIGH"


async def test_after_seq_replays_the_log_then_live(server: RunningServer, client: ConveyorClient) -> None:
    start = (await client.list_events(limit=1000)).next_after_seq
    missed = [await server.raise_alert(f"missed {n}") for n in range(2)]
    async with client.events(event_types=["system_alert"], after_seq=start) as stream:
        replayed = await take(stream, 2)
        live = await server.raise_alert("live")
        [received] = await take(stream, 1)
    assert [e.data["alertId"] for e in replayed] == [a["alertId"] for a in missed]
    assert received.data["alertId"] == live["alertId"]


async def test_follow_events_calls_the_handler(server: RunningServer, client: ConveyorClient) -> None:
    seen: asyncio.Queue[Event] = asyncio.Queue()
    start = (await client.list_events(limit=1000)).next_after_seq
    following = client.follow_events(seen.put, event_types=["system_alert"], after_seq=start)
    follower = asyncio.create_task(following)
    alert = await server.raise_alert("followed")
    event = await asyncio.wait_for(seen.get(), TIMEOUT)
    follower.cancel()
    assert event.data["alertId"] == alert["alertId"]


async def test_invalid_token_without_credentials_raises(server: RunningServer) -> None:
    async with ConveyorClient(server.base_url, token="not-a-jwt") as conveyor, conveyor.events() as stream:
        with pytest.raises(ConveyorAuthError, match="invalid token"):
            await asyncio.wait_for(anext(stream), TIMEOUT)


async def test_gives_up_after_max_attempts_on_an_unreachable_server() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        nobody = f"http://127.0.0.1:{probe.getsockname()[1]}"
    async with ConveyorClient(nobody, token="any") as conveyor:
        stream = conveyor.events(backoff=Backoff(initial=0.01, max_attempts=3))
        with pytest.raises(ConveyorConnectionError, match="could not reconnect"):
            await asyncio.wait_for(anext(stream), TIMEOUT)
        with pytest.raises(ConveyorConnectionError):
            await asyncio.wait_for(stream.wait_authenticated(), TIMEOUT)


async def test_expired_jwt_is_renewed_with_credentials(server: RunningServer) -> None:
    admin = await server.login("admin", ADMIN_PASSWORD)
    async with server.api(admin) as api:
        admin_id = (await api.get("/api/v1/auth/me")).json()["id"]
    codec = JwtCodec(secret=JWT_SECRET, algorithm="HS256", ttl_seconds=2)
    short_lived, expires_at = codec.issue(admin_id, await server.password_stamp(admin_id))
    conveyor = ConveyorClient(server.base_url, token=short_lived, username="admin", password=ADMIN_PASSWORD)
    async with conveyor, conveyor.events(event_types=["system_alert"]) as stream:
        first = await asyncio.wait_for(stream.wait_authenticated(), TIMEOUT)
        renewed = await asyncio.wait_for(stream.wait_authenticated(count=2), TIMEOUT)
        alert = await server.raise_alert("after renewal")
        [received] = await take(stream, 1)
    assert first["expiresAt"] is not None
    assert conveyor.token != short_lived
    assert renewed["expiresAt"] > (expires_at + timedelta(seconds=30)).isoformat()
    assert received.data["alertId"] == alert["alertId"]


async def raise_alert_offline(settings: Settings, title: str) -> str:
    """Commit an alert straight to the database while no server runs: only the log has it."""
    db = Database(settings.resolved_database_url)
    data = AlertCreate(title=title, severity=AlertSeverity.WARNING, source="tests")
    async with db.write_session() as session:
        alert = await alerts.raise_alert(session=session, bus=EventBus(), data=data, actor=None)
    await db.dispose()
    return alert.alert_id


async def test_reconnect_resumes_without_gap_or_duplicate(settings: Settings) -> None:
    async with run_server(settings) as first:
        port = int(first.base_url.rsplit(":", 1)[1])
        conveyor = ConveyorClient(first.base_url, username="admin", password=ADMIN_PASSWORD)
        stream = conveyor.events(event_types=["system_alert"], backoff=FAST_RETRY)
        await asyncio.wait_for(stream.wait_authenticated(), TIMEOUT)
        before = await first.raise_alert("before restart")
        [seen_before] = await take(stream, 1)
    offline = [await raise_alert_offline(settings, f"while down {n}") for n in range(3)]
    async with conveyor, run_server(settings, port=port) as second:
        after = await second.raise_alert("after restart")
        received = await take(stream, 4)
        log = [e async for e in conveyor.event_log(selection=stream.selection)]
    expected = [before["alertId"], *offline, after["alertId"]]
    assert [e.data["alertId"] for e in [seen_before, *received]] == expected
    assert [e.seq for e in [seen_before, *received]] == [e.seq for e in log]
    assert stream.authentications >= 2
