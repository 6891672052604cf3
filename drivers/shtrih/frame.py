"""Shtrih-M framing: STX LEN CMD DATA LRC, and the link-level control bytes.

LEN counts the command code and the data (one byte for classic commands, two for the
FN commands FFxx); LRC is the XOR of LEN and every byte after it. The parser is
incremental because a serial line hands bytes over in arbitrary pieces.
"""

from __future__ import annotations

from dataclasses import dataclass

STX = 0x02
ENQ = 0x05
ACK = 0x06
NAK = 0x15

MAX_BODY = 255  # LEN is one byte


class FrameError(ValueError):
    """A frame that cannot be built or was received damaged."""


def lrc(data: bytes) -> int:
    value = 0
    for byte in data:
        value ^= byte
    return value


def command_bytes(command: int) -> bytes:
    """0x10 -> b'\\x10'; 0xFF01 -> b'\\xff\\x01' (FN commands carry the FF prefix)."""
    if 0 <= command <= 0xFF and command != 0xFF:
        return bytes([command])
    if 0xFF00 <= command <= 0xFFFF:
        return command.to_bytes(2, "big")
    raise FrameError(f"no such command code 0x{command:X}")


def split_command(body: bytes) -> tuple[int, bytes]:
    """The command code and what follows it in a frame body."""
    if not body:
        raise FrameError("empty frame body")
    if body[0] == 0xFF:
        if len(body) < 2:
            raise FrameError("FN command without its second byte")
        return (body[0] << 8) | body[1], body[2:]
    return body[0], body[1:]


def encode(command: int, data: bytes = b"") -> bytes:
    body = command_bytes(command) + data
    if len(body) > MAX_BODY:
        raise FrameError(f"frame body of {len(body)} bytes exceeds {MAX_BODY}")
    head = bytes([len(body)]) + body
    return bytes([STX]) + head + bytes([lrc(head)])


@dataclass(frozen=True)
class Frame:
    command: int
    data: bytes
    body: bytes  # command code + data, as sent

    @classmethod
    def from_body(cls, body: bytes) -> Frame:
        command, data = split_command(body)
        return cls(command, data, body)

    def encode(self) -> bytes:
        head = bytes([len(self.body)]) + self.body
        return bytes([STX]) + head + bytes([lrc(head)])


def decode(raw: bytes) -> Frame:
    """One complete frame; raises FrameError on any damage."""
    if len(raw) < 4 or raw[0] != STX:
        raise FrameError("a frame starts with STX and has at least LEN, CMD and LRC")
    length = raw[1]
    if length == 0 or len(raw) != length + 3:
        raise FrameError(f"LEN says {length} but the frame holds {len(raw) - 3} bytes")
    if lrc(raw[1:-1]) != raw[-1]:
        raise FrameError("bad LRC")
    return Frame.from_body(raw[2:-1])


class FrameReader:
    """Feeds bytes in, yields complete frames or damage reports, never loses sync for good.

    ``feed`` returns a list of events: ``Frame`` for a good frame, ``FrameError`` for a
    frame whose LRC or body was wrong (the sender is then NAKed). Bytes outside a frame
    that are not STX are returned as ``int`` (control bytes: ENQ, ACK, NAK or noise).
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._in_frame = False

    @property
    def in_frame(self) -> bool:
        return self._in_frame

    def reset(self) -> None:
        self._buffer.clear()
        self._in_frame = False

    def feed(self, data: bytes) -> list[Frame | FrameError | int]:
        events: list[Frame | FrameError | int] = []
        for byte in data:
            if not self._in_frame:
                if byte == STX:
                    self._in_frame = True
                    self._buffer = bytearray([STX])
                else:
                    events.append(byte)
                continue
            self._buffer.append(byte)
            if len(self._buffer) >= 2 and self._buffer[1] == 0:
                events.append(FrameError("zero LEN"))
                self.reset()
                continue
            if len(self._buffer) >= 3 and len(self._buffer) == self._buffer[1] + 3:
                raw = bytes(self._buffer)
                self.reset()
                try:
                    events.append(decode(raw))
                except FrameError as exc:
                    events.append(exc)
        return events
