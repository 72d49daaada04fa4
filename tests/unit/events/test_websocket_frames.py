"""The frames the owned WebSocket path writes: built once per event, deflated only when asked."""

from __future__ import annotations

import json
import zlib

from conveyor.events.realtime.websocket import COMPRESS_MIN_BYTES, FrameCache

TEXT = 0x1


def _parse(frame: bytes) -> tuple[int, bool, bytes]:
    """Opcode, RSV1 (compressed) and payload of one final, unmasked frame (RFC 6455 5.2)."""
    assert frame[0] & 0x80 and not frame[1] & 0x80  # FIN, not masked
    size, start = frame[1] & 0x7F, 2
    if size == 126:
        size, start = int.from_bytes(frame[2:4], "big"), 4
    assert len(frame) == start + size
    return frame[0] & 0x0F, bool(frame[0] & 0x40), frame[start:]


def test_a_big_event_is_deflated_on_its_own_for_sockets_that_inflate() -> None:
    text = "2/ws," + json.dumps(["system_alert", {"message": "x" * 4 * COMPRESS_MIN_BYTES}])
    frames = FrameCache(text)

    (kind, compressed, payload), (deflated_kind, deflated_rsv1, deflated) = map(
        _parse, (frames.plain, frames.deflated)
    )

    assert kind == deflated_kind == TEXT and not compressed and payload == b"4" + text.encode()
    assert deflated_rsv1 and len(deflated) < len(payload) // 4
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # any window: compressed with a smaller one
    assert inflater.decompress(deflated + b"\x00\x00\xff\xff") == payload
    assert frames.deflated is frames.deflated  # compressed once


def test_a_small_event_is_sent_plain_to_everyone() -> None:
    frames = FrameCache('2/ws,["subscribed",{}]')
    assert frames.deflated is frames.plain
