"""Dashboard sessions: a refresh token renews access tokens while used, and sign-out revokes it."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from conveyor.auth.models import RefreshToken
from conveyor.auth.security import digest
from conveyor.db import utcnow
from tests.support.server import USER_PASSWORD, RunningServer


async def sign_in(server: RunningServer, username: str) -> dict[str, Any]:
    async with server.api() as client:
        body = {"username": username, "password": USER_PASSWORD}
        response = await client.post("/api/v1/auth/login", json=body)
    assert response.status_code == 200, response.text
    reply: dict[str, Any] = response.json()
    return reply


async def post(server: RunningServer, path: str, refresh_token: str) -> Any:
    async with server.api() as client:
        return await client.post(f"/api/v1/auth/{path}", json={"refresh_token": refresh_token})


def the(token: str) -> Any:
    return select(RefreshToken).where(RefreshToken.token_hash == digest(token))


async def stored(server: RunningServer, token: str) -> RefreshToken:
    async with server.container.db.session() as session:
        return (await session.execute(the(token))).scalars().one()


async def shift(server: RunningServer, token: str, **fields: Any) -> None:
    async with server.container.db.session() as session:
        record = (await session.execute(the(token))).scalars().one()
        for name, value in fields.items():
            setattr(record, name, value)
        await session.commit()


async def test_refresh_gives_a_working_access_token_and_sign_out_ends_it(server: RunningServer) -> None:
    await server.create_user("rita")
    login = await sign_in(server, "rita")
    assert login["refresh_token"].startswith("cvr_") and login["refresh_expires_in"] == 7 * 24 * 3600
    renewed = await post(server, "refresh", login["refresh_token"])
    assert renewed.status_code == 200
    async with server.api(renewed.json()["access_token"]) as client:
        assert (await client.get("/api/v1/auth/me")).json()["username"] == "rita"
    assert renewed.json()["refresh_token"] == login["refresh_token"]
    assert (await post(server, "logout", login["refresh_token"])).status_code == 204
    refused = await post(server, "refresh", login["refresh_token"])
    assert refused.status_code == 401
    assert refused.json()["detail"] == "This session was signed out; sign in again."
    again = await post(server, "logout", login["refresh_token"])
    assert again.status_code == 204, "signing out twice is fine"


async def test_only_the_digest_is_stored_and_garbage_is_refused(server: RunningServer) -> None:
    await server.create_user("sam")
    login = await sign_in(server, "sam")
    record = await stored(server, login["refresh_token"])
    assert login["refresh_token"] not in repr(record.__dict__)
    for garbage in ("cvr_nope", "nope", login["access_token"][:100]):
        assert (await post(server, "refresh", garbage)).status_code == 401
    assert (await post(server, "refresh", "x" * 500)).status_code == 422


async def test_renewal_slides_the_idle_expiry_but_never_past_the_end(server: RunningServer) -> None:
    await server.create_user("tess")
    token = (await sign_in(server, "tess"))["refresh_token"]
    now = utcnow()
    await shift(server, token, expires_at=now + timedelta(seconds=30))
    assert (await post(server, "refresh", token)).json()["refresh_expires_in"] > 6 * 24 * 3600
    assert (await stored(server, token)).expires_at > now + timedelta(days=6)
    await shift(server, token, ends_at=now + timedelta(seconds=100))
    assert 0 < (await post(server, "refresh", token)).json()["refresh_expires_in"] <= 100
    await shift(server, token, expires_at=now - timedelta(seconds=1), ends_at=now + timedelta(days=1))
    lapsed = await post(server, "refresh", token)
    assert lapsed.status_code == 401 and lapsed.json()["detail"] == "This session has expired; sign in again."


async def test_a_new_password_or_a_disabled_account_signs_out_everywhere(server: RunningServer) -> None:
    user_id, _ = await server.create_user("uma")
    token = (await sign_in(server, "uma"))["refresh_token"]
    async with server.api(await server.admin_token()) as client:
        changed = await client.patch(f"/api/v1/users/{user_id}", json={"password": "another-password-1"})
    assert changed.status_code == 200
    assert (await post(server, "refresh", token)).status_code == 401
    user_id, _ = await server.create_user("vic")
    token = (await sign_in(server, "vic"))["refresh_token"]
    async with server.api(await server.admin_token()) as client:
        await client.patch(f"/api/v1/users/{user_id}", json={"isActive": False})
    assert (await post(server, "refresh", token)).status_code == 401


async def test_the_idle_lifetime_is_configurable(
    server_with: Callable[..., AbstractAsyncContextManager[RunningServer]],
) -> None:
    async with server_with(refresh_token_ttl_seconds=600, session_max_seconds=3600) as server:
        await server.create_user("wes")
        assert (await sign_in(server, "wes"))["refresh_expires_in"] == 600
