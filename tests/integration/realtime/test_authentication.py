"""The ``authenticate`` handshake and everything that must fail it."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from tests.conftest import JWT_SECRET
from tests.support.server import RunningServer
from tests.support.sockets import event_names


def signed(claims: dict[str, Any], secret: str = JWT_SECRET) -> str:
    return jwt.encode(claims, secret, algorithm="HS256")


def claims_for(user_id: str, *, lifetime: timedelta) -> dict[str, Any]:
    now = datetime.now(UTC)
    issued, expires = now - timedelta(seconds=1), now + lifetime
    return {"sub": user_id, "iat": int(issued.timestamp()), "exp": int(expires.timestamp()), "typ": "access"}


def unsigned(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


async def admin_id(server: RunningServer) -> str:
    async with server.api(await server.admin_token()) as client:
        user_id: str = (await client.get("/api/v1/auth/me")).json()["id"]
    return user_id


async def test_valid_token_is_answered_with_the_user(server: RunningServer) -> None:
    listener = await server.socket()
    event, data = await listener.authenticate(await server.admin_token())
    assert event == "authenticated"
    assert data["user"]["username"] == "admin" and data["user"]["isAdmin"] is True
    assert isinstance(data["lastSeq"], int)


async def test_the_ws_path_serves_the_same_api(server: RunningServer) -> None:
    listener = await server.socket(path="ws")
    assert (await listener.authenticate(await server.admin_token()))[0] == "authenticated"


async def test_api_tokens_authenticate_sockets(server: RunningServer) -> None:
    async with server.api(await server.admin_token()) as client:
        token = (await client.post("/api/v1/auth/tokens", json={"name": "bot"})).json()["token"]
    listener = await server.socket()
    assert (await listener.authenticate(token))[0] == "authenticated"


@pytest.mark.parametrize(
    ("make_token", "message"),
    [
        (lambda uid: "garbage", "malformed"),
        (lambda uid: signed(claims_for(uid, lifetime=timedelta(hours=-1))), "token expired"),
        (
            lambda uid: signed(claims_for(uid, lifetime=timedelta(hours=1)), "another-secret-" * 3),
            "signature",
        ),
        (lambda uid: unsigned(claims_for(uid, lifetime=timedelta(hours=1))), "algorithm not allowed"),
        (lambda uid: signed({**claims_for(uid, lifetime=timedelta(hours=1)), "sub": "nobody"}), "unknown"),
    ],
    ids=["garbage", "expired", "wrong-signature", "alg-none", "unknown-user"],
)
async def test_bad_tokens_get_auth_error(server: RunningServer, make_token: Any, message: str) -> None:
    listener = await server.socket()
    event, data = await listener.authenticate(make_token(await admin_id(server)))
    assert event == "auth_error" and message in data["message"]
    await listener.emit("subscribe", {})
    _, error = await listener.next_of("error")
    assert error["message"] == "authenticate first"


@pytest.mark.parametrize("payload", [None, "a-token", {"token": ""}, {"token": 42}, {"tok": "x"}])
async def test_malformed_authenticate_gets_auth_error(server: RunningServer, payload: Any) -> None:
    listener = await server.socket()
    await listener.emit("authenticate", payload)
    event, data = await listener.next_of("authenticated", "auth_error")
    assert event == "auth_error" and "token" in data["message"]


async def test_bad_last_seq_is_refused(server: RunningServer) -> None:
    listener = await server.socket()
    event, data = await listener.authenticate(await server.admin_token(), lastSeq=-4)
    assert event == "auth_error" and "lastSeq" in data["message"]


async def test_token_in_the_connect_packet_authenticates(server: RunningServer) -> None:
    listener = await server.socket(auth={"token": await server.admin_token()})
    event, data = await listener.next_of("authenticated", "auth_error")
    assert event == "authenticated" and data["user"]["username"] == "admin"


async def test_token_in_the_query_string_is_ignored(server: RunningServer) -> None:
    listener = await server.socket()
    await listener.close()
    listener.base_url = f"{server.base_url}?token={await server.admin_token()}"
    await listener.connect()
    await listener.emit("subscribe", {})
    _, error = await listener.next_of("error")
    assert error["message"] == "authenticate first"


async def test_nothing_is_delivered_before_authentication(server: RunningServer) -> None:
    listener = await server.socket()
    early = await server.raise_alert("before auth")
    await listener.authenticate(await server.admin_token())
    late = await server.raise_alert("after auth")
    received = await listener.events_until("system_alert", lambda e: e["data"]["alertId"] == late["alertId"])
    alert_ids = [data["data"]["alertId"] for name, data in received if name == "system_alert"]
    assert alert_ids == [late["alertId"]] and early["alertId"] not in alert_ids


async def test_unauthenticated_sockets_are_dropped_after_the_grace_period(server_with: Any) -> None:
    async with server_with(ws_auth_grace_seconds=0.3) as server:
        listener = await server.socket()
        _, data = await listener.next_of("auth_error")
        assert data["message"] == "authentication timeout"
        await listener.disconnected.wait()


async def test_authenticated_sockets_are_not_dropped(server_with: Any) -> None:
    async with server_with(ws_auth_grace_seconds=0.3) as server:
        listener = await server.authenticated_socket(await server.admin_token())
        # A socket that connected later being dropped proves the grace period has passed.
        latecomer = await server.socket()
        await latecomer.disconnected.wait()
        alert = await server.raise_alert("still here")
        _, envelope = await listener.next_of("system_alert")
        assert envelope["data"]["alertId"] == alert["alertId"] and listener.client.connected


async def test_delivery_stops_at_token_expiry_and_resumes_after_reauthentication(
    server: RunningServer,
) -> None:
    user_id = await admin_id(server)
    claims = claims_for(user_id, lifetime=timedelta(seconds=2))
    short_lived = signed({**claims, "pwd": await server.password_stamp(user_id)})
    listener = await server.authenticated_socket(short_lived)
    _, expired = await listener.next_of("auth_error", timeout=10)
    assert expired["message"] == "token expired"
    missed = await server.raise_alert("while expired")
    assert (await listener.authenticate(await server.admin_token()))[0] == "authenticated"
    _, envelope = await listener.next_of("system_alert")
    assert envelope["data"]["alertId"] == missed["alertId"]
    assert event_names(listener.received) == ["authenticated", "auth_error", "authenticated", "system_alert"]
