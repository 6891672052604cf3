"""How values travel in Shtrih-M frames: little-endian integers, CP1251 text, CP866 TLV.

Money is integer kopecks in 5 bytes, at most ``MAX_AMOUNT`` (the register's range, ten digits):
``money`` refuses more with ``AmountOutOfRange`` before a frame is built. Classic quantities are
thousandths in 5 bytes, the FN operation (FF46) carries millionths in 6 bytes. Dates in FN
replies are YY MM DD HH MM of the register's wall clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from decimal import Decimal

from common.money import MAX_AMOUNT
from drivers.shtrih.errors import AmountOutOfRange

TEXT_CODEC = "cp1251"
TLV_CODEC = "cp866"


def le(value: int, size: int) -> bytes:
    if value < 0 or value >= 1 << (8 * size):
        raise ValueError(f"{value} does not fit in {size} bytes")
    return value.to_bytes(size, "little")


def from_le(data: bytes) -> int:
    return int.from_bytes(data, "little")


def check_money(kopecks: int, what: str = "sum") -> int:
    """``kopecks`` when the register holds it; ``AmountOutOfRange`` (a driver error) when not."""
    if isinstance(kopecks, bool) or not isinstance(kopecks, int):
        raise TypeError("money is integer kopecks")
    if not 0 <= kopecks <= MAX_AMOUNT:
        raise AmountOutOfRange(what=what, amount=kopecks, limit=MAX_AMOUNT)
    return kopecks


def money(kopecks: int, what: str = "sum") -> bytes:
    return le(check_money(kopecks, what), 5)


def quantity_milli(quantity: Decimal) -> bytes:
    """Classic commands (0x80, 0x82): thousandths in 5 bytes."""
    return le(int(quantity.scaleb(3).to_integral_exact()), 5)


def quantity_micro(quantity: Decimal) -> bytes:
    """FF46: millionths in 6 bytes."""
    return le(int(quantity.scaleb(6).to_integral_exact()), 6)


def text(value: str, size: int | None = None, codec: str = TEXT_CODEC) -> bytes:
    """Text in the device's code page; what it cannot show becomes '?'; padded with NULs to ``size``."""
    raw = value.encode(codec, errors="replace")
    if size is None:
        return raw
    return raw[:size].ljust(size, b"\x00")


def parse_text(data: bytes, codec: str = TEXT_CODEC) -> str:
    return data.split(b"\x00", 1)[0].decode(codec, errors="replace").strip()


def tlv(tag: int, value: bytes) -> bytes:
    return le(tag, 2) + le(len(value), 2) + value


def tlv_text(tag: int, value: str) -> bytes:
    return tlv(tag, value.encode(TLV_CODEC, errors="replace"))


def parse_fn_datetime(data: bytes, zone: tzinfo = UTC) -> datetime:
    """YY MM DD HH MM of the FN's clock, which shows the register's wall time in ``zone``; as UTC."""
    year, month, day, hour, minute = data[:5]
    return datetime(2000 + year, month or 1, day or 1, hour, minute, tzinfo=zone).astimezone(UTC)
