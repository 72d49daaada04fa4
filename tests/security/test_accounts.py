"""Logins are throttled, a new password ends earlier sessions, API tokens stay in their scopes
and within their owner's current rights."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import httpx

from conveyor.auth.throttle import LoginThrottle
from tests.support.backends import REDIS_URL, redis_ready
from tests.support.server import ADMIN_PASSWORD, USER_PASSWORD, RunningServer


async def _login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post("/api/v1/auth/login", json={"username": username, "password": password})


async def test_wrong_passwords_for_one_user_are_answered_429_with_retry_after(server: RunningServer) -> None:
    async with server.api() as client:
        wrong = [await _login(client, "admin", "wrong-password") for _ in range(5)]
        blocked = await _login(client, "admin", "wrong-password")
        right_but_blocked = await _login(client, "admin", ADMIN_PASSWORD)
    assert [r.status_code for r in wrong] == [401] * 5
    assert blocked.status_code == 429 and right_but_blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) >= 1
    assert "Too many failed sign-ins" in blocked.json()["detail"]


async def test_one_address_guessing_many_users_is_throttled(
    server_with: Callable[..., AbstractAsyncContextManager[RunningServer]],
) -> None:
    async with server_with(login_free_attempts_per_address=3) as server, server.api() as client:
        spread = [await _login(client, f"user{i}", "guess-guess") for i in range(3)]
        next_user = await _login(client, "someone-else", "guess-guess")
    assert [r.status_code for r in spread] == [401] * 3
    assert next_user.status_code == 429 and "Retry-After" in next_user.headers


async def test_each_failure_past_the_free_ones_doubles_the_wait() -> None:
    now = [1000.0]
    throttle = LoginThrottle(free_per_user=2, free_per_address=100, max_wait=60, clock=lambda: now[0])
    waits = []
    for _ in range(9):
        waits.append(await throttle.wait("bob", "10.0.0.1"))
        now[0] += waits[-1]
        await throttle.failed("bob", "10.0.0.1")
    assert waits == [0, 0, 1, 2, 4, 8, 16, 32, 60]
    now[0] += 60
    assert await throttle.wait("bob", "10.0.0.1") == 0
    await throttle.succeeded("bob")
    assert await throttle.wait("bob", "10.0.0.2") == 0


async def test_failed_logins_count_on_every_api_process_sharing_redis(
    server_with: Callable[..., AbstractAsyncContextManager[RunningServer]],
) -> None:
    """Two API processes with one Redis: guesses spread over both are throttled as one."""
    redis_ready()
    channel = f"conveyor-test-{uuid.uuid4().hex[:8]}"
    async with (
        server_with(redis_url=REDIS_URL, redis_channel=channel) as first,
        server_with(redis_url=REDIS_URL, redis_channel=channel) as second,
        first.api() as one,
        second.api() as other,
    ):
        statuses = [
            (await _login(client, "admin", "wrong-password")).status_code for client in [one, other] * 3
        ]
        blocked = await _login(one, "admin", ADMIN_PASSWORD)
    assert statuses == [401] * 5 + [429], statuses
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) >= 1


async def test_a_password_change_or_reset_revokes_earlier_jwts(server: RunningServer) -> None:
    user_id, old = await server.create_user("carol")
    async with server.api(old) as client:
        changed = await client.post(
            "/api/v1/auth/password",
            json={"currentPassword": USER_PASSWORD, "newPassword": "a-new-password-1"},
        )
        after = await client.get("/api/v1/auth/me")
    assert changed.status_code == 200 and after.status_code == 401
    assert "password changed" in after.json()["detail"]
    fresh = changed.json()["access_token"]
    async with server.api(fresh) as client:
        assert (await client.get("/api/v1/auth/me")).status_code == 200
    listener = await server.authenticated_socket(fresh)
    async with server.api(await server.admin_token()) as admin:
        reset = await admin.patch(f"/api/v1/users/{user_id}", json={"password": "reset-by-admin-1"})
    assert reset.status_code == 200
    async with server.api(fresh) as client:
        assert (await client.get("/api/v1/auth/me")).status_code == 401
    _, dropped = await listener.next_of("auth_error")
    assert dropped["message"] == "access revoked"
    refused = await server.socket()
    assert (await refused.authenticate(fresh))[0] == "auth_error"


async def test_token_scopes_are_enforced_on_every_route_and_the_live_api(server: RunningServer) -> None:
    admin = await server.admin_token()
    await server.create_project(admin, "private")
    async with server.api(admin) as client:
        created = await client.post("/api/v1/auth/tokens", json={"name": "bot", "scopes": ["alerts:write"]})
    alerts_only = created.json()["token"]
    body = {"title": "disk", "severity": "info", "message": "", "source": "bot"}
    async with server.api(alerts_only) as client:
        raised = await client.post("/api/v1/system/alerts", json=body)
        denied = [
            await client.get("/api/v1/projects"),
            await client.get("/api/v1/system/alerts"),
            await client.get("/api/v1/events"),
            await client.post("/api/v1/auth/tokens", json={"name": "escalate"}),
            await client.post("/api/v1/projects", json={"name": "mine"}),
        ]
    assert raised.status_code == 201, raised.text
    assert [r.status_code for r in denied] == [403] * 5, [r.text for r in denied]
    listener = await server.socket()
    event, data = await listener.authenticate(alerts_only)
    assert event == "auth_error" and "scope" in data["message"]


async def test_a_token_never_exceeds_its_owners_current_rights(server: RunningServer) -> None:
    admin = await server.admin_token()
    dana_id, _ = await server.create_user("dana", is_admin=True)
    dana = await server.login("dana", USER_PASSWORD)
    async with server.api(dana) as client:
        token = (
            await client.post("/api/v1/auth/tokens", json={"name": "ops", "scopes": ["alerts:write"]})
        ).json()["token"]
    body = {"title": "t", "severity": "info", "message": "", "source": "ops"}
    async with server.api(token) as client:
        assert (await client.post("/api/v1/system/alerts", json=body)).status_code == 201
    async with server.api(admin) as client:
        assert (await client.patch(f"/api/v1/users/{dana_id}", json={"isAdmin": False})).status_code == 200
    async with server.api(token) as client:
        assert (await client.post("/api/v1/system/alerts", json=body)).status_code == 403
