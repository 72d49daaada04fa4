"""Events that no socket in their rooms wants are skipped without walking the sockets, and every
socket's position in the stream (what a drop or a resume reports) stays what a walk gives."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import pytest

from conveyor.config import Settings
from conveyor.events import filters
from conveyor.events.realtime import delivery
from conveyor.events.realtime import sequencer as sequencer_module
from conveyor.events.realtime.channel import Packet
from conveyor.events.realtime.connection import SocketState, shared_filter
from conveyor.events.realtime.delivery import Outgoing
from conveyor.events.realtime.room_index import RoomIndex
from conveyor.events.realtime.sequencer import Sequencer

ALERTS_ONLY = shared_filter(filters.EventFilter(event_types=frozenset({"system_alert"})))
EVERYTHING = shared_filter(filters.EventFilter())
ADMIN_ROOMS = {"authenticated", "user:admin", "admins"}
ALICE_ROOMS = {"authenticated", "user:alice", "project:p"}


Published = tuple[str, list[str], str | None]  # event type, rooms, project


class FakeChannel:
    def __init__(self) -> None:
        self.open = True
        self.full = False
        self.texts: list[str] = []
        self.notice: Any = None

    def send(self, packet: Packet) -> bool:
        return self.send_all([packet])

    def send_all(self, packets: list[Packet]) -> bool:
        if self.full:
            return False
        self.texts.extend(packet.text for packet in packets)
        return True

    async def ready(self) -> None:
        return None

    def drop(self, notice: Packet) -> None:
        self.open, self.notice = False, notice.text

    async def disconnect(self) -> None:
        self.open = False


def envelope(seq: int, event_type: str, *, project_id: str | None = None) -> dict[str, Any]:
    category = {"system_alert": "SYSTEM", "user_notification": "USER"}.get(event_type, "PIPELINE")
    return {
        "seq": seq,
        "id": f"event-{seq}",
        "event_type": event_type,
        "category": category,
        "priority": "LOW",
        "project_id": project_id,
        "user_id": None,
        "data": {},
    }


class Node:
    """A sequencer and its rooms, fed bus messages by hand, with the batches it walked."""

    def __init__(self) -> None:
        self.rooms = RoomIndex()
        self.sequencer = Sequencer(db=cast(Any, None), settings=Settings(), rooms=self.rooms)
        self.sockets: dict[str, SocketState] = {}
        self.walked: list[int] = []
        self.seq = 0

    def join(self, sid: str, rooms: set[str], event_filter: filters.EventFilter) -> SocketState:
        state = SocketState(sid=sid, channel=FakeChannel(), principal=cast(Any, object()))
        self.rooms.update(state, event_filter=event_filter)
        self.rooms.resume_at(state, self.sequencer.last_seq)
        self.rooms.place(state, rooms)
        self.sockets[sid] = state
        return state

    async def publish(self, *events: Published) -> list[int]:
        """Publish events (type, rooms, project) together, then deliver them as one drain."""
        seqs = []
        for event_type, rooms, project_id in events:
            self.seq += 1
            seqs.append(self.seq)
            await self.sequencer.receive(
                {"envelope": envelope(self.seq, event_type, project_id=project_id), "rooms": rooms}
            )
        await self.sequencer._drain()
        return seqs

    def positions(self) -> dict[str, int]:
        return {sid: state.seen_seq for sid, state in self.sockets.items()}

    def received(self) -> dict[str, list[str]]:
        return {sid: cast(FakeChannel, state.channel).texts for sid, state in self.sockets.items()}


NOTIFY_ADMIN: Published = ("user_notification", ["user:admin"], None)
ALERT: Published = ("system_alert", ["authenticated"], None)
PROJECT_EVENT: Published = ("pipeline_deleted", ["project:p", "admins"], "p")


@pytest.fixture
def node(monkeypatch: pytest.MonkeyPatch) -> Node:
    node = Node()
    fan_out = delivery.fan_out

    async def recorded(batch: Sequence[Outgoing]) -> None:
        node.walked.extend(item.seq for item in batch)
        await fan_out(batch)

    monkeypatch.setattr(sequencer_module, "fan_out", recorded)
    return node


async def scenario(node: Node) -> list[Any]:
    """Skipped and walked events, alone and in batches, filters changing, a socket joining after
    skips, and a drop: what each socket received and its position after each step."""
    node.join("admin-1", ADMIN_ROOMS, ALERTS_ONLY)
    node.join("admin-2", ADMIN_ROOMS, ALERTS_ONLY)
    node.join("alice", ALICE_ROOMS, EVERYTHING)
    steps: list[Any] = []
    for events in [
        [ALERT],
        [NOTIFY_ADMIN],
        [PROJECT_EVENT],
        [NOTIFY_ADMIN, NOTIFY_ADMIN],
        [NOTIFY_ADMIN, ALERT, NOTIFY_ADMIN],
    ]:
        await node.publish(*events)
        steps.append(node.positions())
    node.join("admin-3", ADMIN_ROOMS, ALERTS_ONLY)  # after the skips: they are not its own
    node.rooms.update(node.sockets["admin-2"], event_filter=EVERYTHING)
    await node.publish(NOTIFY_ADMIN, NOTIFY_ADMIN)
    steps.append(node.positions())
    node.rooms.place(node.sockets["alice"], {"authenticated", "user:alice"})  # left the project
    await node.publish(PROJECT_EVENT)
    steps.append(node.positions())
    node.rooms.update(node.sockets["admin-2"], event_filter=ALERTS_ONLY)
    await node.publish(NOTIFY_ADMIN, ALERT, NOTIFY_ADMIN)
    await node.publish(NOTIFY_ADMIN)
    steps.append(node.positions())
    cast(FakeChannel, node.sockets["admin-1"].channel).full = True
    await node.publish(ALERT)  # its send fails: the socket is dropped, told where to resume
    steps.append(node.positions())
    notice = cast(FakeChannel, node.sockets["admin-1"].channel).notice
    return [steps, node.received(), notice]


async def test_positions_and_deliveries_are_those_of_walking_every_event(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    skipping = await scenario(node)
    walked = list(node.walked)
    walking_node = Node()
    monkeypatch.setattr(RoomIndex, "wanted", lambda *_: True)
    walking = await scenario(walking_node)
    assert skipping == walking
    steps, received, notice = skipping
    assert steps[1] == {"admin-1": 2, "admin-2": 2, "alice": 1}  # the skipped notification counts
    assert '"lastSeq":15' in notice  # the notification before the failed alert counts too
    assert len(received["admin-1"]) == 3 and len(received["admin-2"]) == 7
    assert walked == [1, 3, 7, 9, 10, 11, 13, 16]


async def test_an_event_no_socket_wants_is_not_walked(node: Node) -> None:
    node.join("admin", ADMIN_ROOMS, ALERTS_ONLY)
    node.join("alice", ALICE_ROOMS, EVERYTHING)
    notification, alert, project_event = await node.publish(NOTIFY_ADMIN, ALERT, PROJECT_EVENT)
    assert node.walked == [alert, project_event]
    assert node.rooms.members(["user:admin"]) and notification not in node.walked
    [second] = await node.publish(NOTIFY_ADMIN)
    assert node.walked == [alert, project_event] and node.positions()["admin"] == second
    assert node.positions()["alice"] == project_event  # not in the notification's room


async def test_a_replaying_or_newly_subscribed_socket_makes_its_rooms_walked(node: Node) -> None:
    admin = node.join("admin", ADMIN_ROOMS, ALERTS_ONLY)
    node.rooms.update(admin, replaying=True)
    [held] = await node.publish(NOTIFY_ADMIN)
    assert node.walked == [held] and [event.seq for event in admin.pending or []] == [held]
    node.rooms.update(admin, replaying=False)
    [skipped] = await node.publish(NOTIFY_ADMIN)
    assert skipped not in node.walked
    node.rooms.update(admin, event_filter=EVERYTHING)
    [wanted] = await node.publish(NOTIFY_ADMIN)
    assert node.walked == [held, wanted] and len(node.received()["admin"]) == 1


def test_filter_counts_follow_joins_changes_and_leaves() -> None:
    rooms = RoomIndex()
    first = SocketState(sid="1", channel=FakeChannel())
    second = SocketState(sid="2", channel=FakeChannel())
    notification = envelope(1, "user_notification")
    for state in (first, second):
        rooms.update(state, event_filter=ALERTS_ONLY)
        rooms.place(state, {"user:admin"})
    assert not rooms.wanted(["user:admin"], notification)
    rooms.update(first, event_filter=EVERYTHING)
    assert rooms.wanted(["user:admin"], notification)
    rooms.place(first, set())
    assert not rooms.wanted(["user:admin"], notification)
    rooms.place(second, set())
    assert rooms._wants == {} and rooms._skipped == {}
