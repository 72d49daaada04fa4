"""Two real server processes sharing PostgreSQL and Redis: events cross between them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import JWT_SECRET
from tests.support.backends import REDIS_URL, redis_ready
from tests.support.processes import server_process
from tests.support.server import ADMIN_PASSWORD
from tests.support.sockets import Listener

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def nodes(tmp_path: Path, postgres_url: str) -> Iterator[tuple[str, str]]:
    redis_ready()
    from tests.conftest import _truncate

    asyncio.run(_truncate(postgres_url))
    shared = {
        "database_url": postgres_url,
        "redis_url": REDIS_URL,
        "redis_channel": f"conveyor-test-{uuid.uuid4().hex}",
        "jwt_secret": JWT_SECRET,
        "secrets_key": "shared-secrets-key-for-both-nodes",
    }
    with (
        server_process(tmp_path / "a", **shared) as node_a,
        server_process(tmp_path / "b", **shared) as node_b,
    ):
        yield node_a, node_b


async def admin_token(base_url: str) -> str:
    async with httpx.AsyncClient(base_url=base_url) as client:
        response = await client.post(
            "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
        )
    token: str = response.json()["access_token"]
    return token


async def raise_alert(base_url: str, token: str, title: str) -> str:
    body = {"title": title, "severity": "warning", "message": "", "source": "multinode"}
    async with httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {token}"}) as client:
        response = await client.post("/api/v1/system/alerts", json=body)
    response.raise_for_status()
    alert_id: str = response.json()["alertId"]
    return alert_id


async def test_a_client_on_one_node_receives_events_produced_on_the_other(nodes: tuple[str, str]) -> None:
    node_a, node_b = nodes
    token = await admin_token(node_b)  # a JWT from one node is valid on the other
    listener = Listener(node_a)
    await listener.connect()
    assert (await listener.authenticate(token))[0] == "authenticated"
    alert_id = await raise_alert(node_b, token, "from node b")
    _, envelope = await listener.next_of("system_alert")
    assert envelope["data"]["alertId"] == alert_id
    await listener.close()


async def test_concurrent_producers_on_both_nodes_arrive_in_order_without_gaps(
    nodes: tuple[str, str],
) -> None:
    node_a = nodes[0]
    token = await admin_token(node_a)
    listeners = [Listener(node) for node in nodes]
    for listener in listeners:
        await listener.connect()
        await listener.authenticate(token)
    posted = await asyncio.gather(*(raise_alert(nodes[i % 2], token, f"alert {i}") for i in range(40)))
    for listener in listeners:
        await listener.events_until("system_alert", lambda _, ls=listener: _count_alerts(ls) == 40)
        alerts = [data for name, data in listener.received if name == "system_alert"]
        seqs = [a["seq"] for a in alerts]
        assert seqs == sorted(seqs) and len(set(seqs)) == 40
        assert {a["data"]["alertId"] for a in alerts} == set(posted)
        await listener.close()


def _count_alerts(listener: Listener) -> int:
    return sum(1 for name, _ in listener.received if name == "system_alert")


async def test_resume_on_the_other_node(nodes: tuple[str, str]) -> None:
    node_a, node_b = nodes
    token = await admin_token(node_a)
    first = Listener(node_a)
    await first.connect()
    await first.authenticate(token)
    await raise_alert(node_a, token, "seen")
    _, seen = await first.next_of("system_alert")
    await first.close()
    missed = [await raise_alert(node_a, token, f"missed {i}") for i in range(3)]
    second = Listener(node_b)
    await second.connect(auth={"token": token, "lastSeq": seen["seq"]})
    received = await second.events_until("system_alert", lambda data: data["data"]["alertId"] == missed[-1])
    assert [d["data"]["alertId"] for n, d in received if n == "system_alert"] == missed
    await second.close()
