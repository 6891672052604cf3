"""The emulated register's own reading of the Shtrih-M wire: frames, numbers, text, TLV, dates.

Written from the vendor's protocol description, not shared with the driver: if the driver
encodes a field wrongly, this side reads it as the device would and refuses it.

A frame is STX, LEN (bytes of command and data), the command (FFxx commands take two
bytes), the data and an LRC (XOR of LEN and everything after it up to the LRC). Integers are
little-endian; command text is CP1251, TLV text CP866; FN dates are YY MM DD HH MM.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

STX, ENQ, ACK, NAK = 0x02, 0x05, 0x06, 0x15
COMMAND_TEXT = "cp1251"
TLV_TEXT = "cp866"


def checksum(data: bytes) -> int:
    value = 0
    for byte in data:
        value ^= byte
    return value


def head_of(command: int) -> bytes:
    return command.to_bytes(2, "big") if command > 0xFF else bytes([command])


def command_of(body: bytes) -> tuple[int, bytes]:
    if not body:
        raise ValueError("empty body")
    if body[0] == 0xFF:
        if len(body) < 2:
            raise ValueError("FF without its second byte")
        return 0xFF00 | body[1], body[2:]
    return body[0], body[1:]


def frame(body: bytes) -> bytes:
    inner = bytes([len(body)]) + body
    return bytes([STX]) + inner + bytes([checksum(inner)])


@dataclass(frozen=True)
class Received:
    body: bytes


class Damaged(Exception):
    """A frame whose LRC or length did not check out: the device answers NAK."""


class Receiver:
    """Bytes from the line in, whole frame bodies, damage reports and single control bytes out."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.in_frame = False

    def reset(self) -> None:
        self.buffer.clear()
        self.in_frame = False

    def feed(self, data: bytes) -> list[Received | Damaged | int]:
        out: list[Received | Damaged | int] = []
        for byte in data:
            if not self.in_frame:
                if byte == STX:
                    self.in_frame = True
                    self.buffer = bytearray()
                else:
                    out.append(byte)
                continue
            self.buffer.append(byte)
            length = self.buffer[0]
            if length == 0:
                out.append(Damaged("zero length"))
                self.reset()
            elif len(self.buffer) == length + 2:
                inner, lrc = bytes(self.buffer[:-1]), self.buffer[-1]
                self.reset()
                out.append(Received(inner[1:]) if checksum(inner) == lrc else Damaged("bad LRC"))
        return out


# numbers


def uint(data: bytes) -> int:
    return int.from_bytes(data, "little")


def put(value: int, size: int) -> bytes:
    return value.to_bytes(size, "little")


def quantity(data: bytes, places: int) -> Decimal:
    return Decimal(uint(data)).scaleb(-places)


def half_up(value: Decimal) -> int:
    """Kopecks as the register rounds them: half away from zero."""
    return int(value.quantize(Decimal(1), rounding="ROUND_HALF_UP"))


# text


def command_text(data: bytes) -> str:
    """A text field of a command: up to the first NUL, CP1251."""
    return data.split(b"\x00", 1)[0].decode(COMMAND_TEXT, errors="replace")


def text_field(value: str, size: int | None = None) -> bytes:
    raw = value.encode(COMMAND_TEXT, errors="replace")
    return raw if size is None else raw[:size].ljust(size, b"\x00")


def tlv_entries(data: bytes) -> list[tuple[int, bytes]]:
    """TLV: tag (2 bytes), length (2 bytes), value; a length past the end is malformed."""
    entries = []
    offset = 0
    while offset < len(data):
        if offset + 4 > len(data):
            raise ValueError("truncated TLV header")
        tag, size = uint(data[offset : offset + 2]), uint(data[offset + 2 : offset + 4])
        value = data[offset + 4 : offset + 4 + size]
        if len(value) != size:
            raise ValueError("TLV value shorter than its length")
        entries.append((tag, value))
        offset += 4 + size
    return entries


# dates: the FN's clock is the register's local wall time


def fn_moment(moment: datetime) -> bytes:
    return bytes([moment.year % 100, moment.month, moment.day, moment.hour, moment.minute])


def fn_date(day: date) -> bytes:
    return bytes([day.year % 100, day.month, day.day])


def day_month_year(moment: datetime) -> bytes:
    return bytes([moment.day, moment.month, moment.year % 100])


def hour_minute_second(moment: datetime) -> bytes:
    return bytes([moment.hour, moment.minute, moment.second])
