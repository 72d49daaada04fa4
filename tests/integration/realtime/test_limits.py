"""What the socket refuses: foreign origins, oversized, malformed and too many messages."""

from __future__ import annotations

from typing import Any

import pytest
import socketio

from tests.support.server import RunningServer


async def test_foreign_origins_are_refused_by_default(server: RunningServer) -> None:
    with pytest.raises(socketio.exceptions.ConnectionError):
        await server.socket(headers={"Origin": "http://evil.example"})


async def test_same_origin_is_accepted(server: RunningServer) -> None:
    listener = await server.socket(headers={"Origin": server.base_url})
    assert listener.client.connected


async def test_the_allow_list_admits_listed_origins_only(server_with: Any) -> None:
    async with server_with(allowed_origins=["http://dashboard.example"]) as server:
        listener = await server.socket(headers={"Origin": "http://dashboard.example"})
        assert listener.client.connected
        with pytest.raises(socketio.exceptions.ConnectionError):
            await server.socket(headers={"Origin": "http://evil.example"})


async def test_oversized_messages_get_an_error_and_change_nothing(server: RunningServer) -> None:
    listener = await server.authenticated_socket(await server.admin_token())
    await listener.emit("subscribe", {"projectIds": ["x" * 20_000]})
    _, error = await listener.next_of("error")
    assert error["code"] == "too_large" and error["event"] == "subscribe"
    assert server.container.hub.sockets[listener.client.get_sid("/ws")].filter.project_ids is None


async def test_frames_beyond_the_hard_limit_close_the_connection(server_with: Any) -> None:
    async with server_with(ws_hard_max_message_bytes=64 * 1024) as server:
        listener = await server.authenticated_socket(await server.admin_token())
        await listener.emit("subscribe", {"projectIds": ["x" * 100_000]})
        await listener.disconnected.wait()


@pytest.mark.parametrize(
    ("event", "payload", "code", "message"),
    [
        ("subscribe", ["SYSTEM"], "invalid", "expects an object"),
        ("subscribe", {"categories": ["WEATHER"]}, "invalid", "unknown category"),
        ("subscribe", {"minPriority": 3}, "invalid", "unknown priority"),
        ("launch_missiles", {}, "unknown_event", "unknown event"),
        ("subscribe", b"\x00\x01binary", "malformed", "JSON"),
        ("subscribe", {"projectIds": ["a\u0000b"]}, "invalid", "without NUL characters"),
    ],
)
async def test_malformed_messages_get_a_clear_error(
    server: RunningServer, event: str, payload: Any, code: str, message: str
) -> None:
    listener = await server.authenticated_socket(await server.admin_token())
    await listener.emit(event, payload)
    _, error = await listener.next_of("error")
    assert error["code"] == code and message in error["message"]
    assert listener.client.connected


async def test_client_events_are_rate_limited_per_socket(server_with: Any) -> None:
    async with server_with(ws_rate_limit_per_second=1, ws_rate_limit_burst=5) as server:
        noisy = await server.authenticated_socket(await server.admin_token())
        quiet = await server.authenticated_socket(await server.admin_token())
        for _ in range(10):
            await noisy.emit("subscribe", {})
        _, error = await noisy.next_of("error")
        assert error["code"] == "rate_limited"
        await quiet.emit("subscribe", {})
        assert (await quiet.next_of("subscribed", "error"))[0] == "subscribed"


async def test_persistent_flooding_disconnects(server_with: Any) -> None:
    async with server_with(ws_rate_limit_per_second=1, ws_rate_limit_burst=1) as server:
        flooder = await server.authenticated_socket(await server.admin_token())
        for _ in range(40):
            if not flooder.client.connected:
                break
            await flooder.emit("subscribe", {})
        await flooder.disconnected.wait()
