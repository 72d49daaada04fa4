"""Sockets whose WebSocket this node owns: each event's frame is built once and written straight
to every transport, with a bounded buffer per socket.

Server frames are not masked, so every client that gets an event gets the same bytes. With
permessage-deflate, an event is compressed once, on its own (no history shared with earlier
messages), which every client can inflate whatever its context; a client that negotiated a
smaller window, or no compression, gets the plain frame (RFC 7692 lets a sender leave any
message uncompressed).
"""

from __future__ import annotations

import asyncio
import struct
import zlib

from conveyor.events.realtime.channel import Packet

EIO_MESSAGE = b"4"
PING_FRAME = b"\x81\x012"  # Engine.IO PING ("2") in one text frame
COMPRESS_MIN_BYTES = 256  # smaller messages gain little from deflate
DEFLATE_WINDOW_BITS = 12  # what uvicorn's permessage-deflate offers (server_max_window_bits)
DROP_LINGER_SECONDS = 10.0  # a dropped client's last frames get this long to leave, then the socket is cut
SLOW_CONSUMER_CLOSE = 1013  # "try again later": clients reconnect and resume
NORMAL_CLOSE = 1000
SIO_DISCONNECT = b"1/ws,"  # Socket.IO DISCONNECT of namespace /ws


def text_frame(payload: bytes, *, compressed: bool = False) -> bytes:
    """One final, unmasked WebSocket text frame (RSV1 marks a deflated message)."""
    first = 0xC1 if compressed else 0x81
    size = len(payload)
    if size < 126:
        header = bytes((first, size))
    elif size < 65536:
        header = struct.pack("!BBH", first, 126, size)
    else:
        header = struct.pack("!BBQ", first, 127, size)
    return header + payload


def deflated(payload: bytes, window_bits: int = DEFLATE_WINDOW_BITS) -> bytes:
    """A message compressed on its own, as RFC 7692 sends it (without the final 00 00 ff ff)."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -window_bits)
    return (compressor.compress(payload) + compressor.flush(zlib.Z_SYNC_FLUSH))[:-4]


def close_frame(code: int) -> bytes:
    return b"\x88\x02" + struct.pack("!H", code)


class FrameCache:
    """A packet's WebSocket frames, each made on first use: plain, and deflated for those who can
    inflate it (compressing is wasted work when no socket negotiated it)."""

    __slots__ = ("_deflated", "_header", "plain")

    def __init__(self, text: str) -> None:
        payload = EIO_MESSAGE + text.encode()
        self.plain = text_frame(payload)
        self._header = len(self.plain) - len(payload)
        self._deflated: bytes | None = None

    @property
    def deflated(self) -> bytes:
        if self._deflated is None:
            payload = self.plain[self._header :]
            self._deflated = (
                text_frame(deflated(payload), compressed=True)
                if len(payload) >= COMPRESS_MIN_BYTES
                else self.plain
            )
        return self._deflated


def frames_of(packet: Packet) -> FrameCache:
    cache: FrameCache | None = packet.frames
    if cache is None:
        cache = packet.frames = FrameCache(packet.text)
    return cache


class WebSocketChannel:
    """Writes to one owned WebSocket. Past ``limit`` bytes waiting in its buffer, the client is
    too slow: it is told where to resume from and dropped, and nobody else waits for it."""

    __slots__ = ("closed", "deflate", "limit", "transport", "writable")

    def __init__(
        self, transport: asyncio.Transport, writable: asyncio.Event, *, deflate: bool, limit: int
    ) -> None:
        self.transport = transport
        self.writable = writable  # cleared while the transport's buffer is over its high-water mark
        self.deflate = deflate
        self.limit = limit
        self.closed = False
        transport.set_write_buffer_limits(high=limit // 2)

    @property
    def open(self) -> bool:
        return not self.closed and not self.transport.is_closing()

    def send(self, packet: Packet) -> bool:
        transport = self.transport  # the hot path: once per socket per event
        if self.closed or transport.is_closing():
            return True
        if transport.get_write_buffer_size() > self.limit:
            return False
        frames = packet.frames or frames_of(packet)
        transport.write(frames.deflated if self.deflate else frames.plain)
        return True

    def send_all(self, packets: list[Packet]) -> bool:
        """Several packets in one write (one system call)."""
        if len(packets) == 1:
            return self.send(packets[0])
        if not self.open:
            return True
        if self.transport.get_write_buffer_size() > self.limit:
            return False
        if self.deflate:
            self.transport.writelines([frames_of(p).deflated for p in packets])
        else:
            self.transport.writelines([frames_of(p).plain for p in packets])
        return True

    def write_raw(self, frame: bytes) -> None:
        if self.open:
            self.transport.write(frame)

    async def ready(self) -> None:
        if self.open:
            await self.writable.wait()

    def drop(self, notice: Packet) -> None:
        self.close(frames_of(notice).plain, SLOW_CONSUMER_CLOSE)

    async def disconnect(self) -> None:
        self.close(text_frame(EIO_MESSAGE + SIO_DISCONNECT), NORMAL_CLOSE)

    def close(self, last: bytes, code: int) -> None:
        """Write the last frames and a close frame; a client that reads nothing more is cut
        after a linger, so a stalled one holds its buffer no longer than that."""
        if not self.open:
            return
        self.transport.write(last + close_frame(code))
        self.closed = True
        self.transport.close()
        asyncio.get_running_loop().call_later(DROP_LINGER_SECONDS, self.transport.abort)
