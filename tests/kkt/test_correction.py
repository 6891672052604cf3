"""Correction receipts (FFD 1.2) on the emulated register, requests written out byte by byte.

0x8D with bit 7 of the type set opens a correction receipt of that kind (0x80 приход, 0x82
возврат прихода); positions are FF46 with the kind's operation type, FF0C carries tag 1173
(one byte) and tag 1174 (an STLV of 1178, UnixTime of 4 bytes, and 1179, text), FF45 closes.
"""

from __future__ import annotations

import pytest

from sim.kkt.device import Device, journal
from tests.kkt.test_strict import PWD, UNIT_PCS, code, ff45, ff46, open_shift, tlv

NOV_20 = bytes([0x80, 0x8D, 0xFF, 0x6A])  # 2026-11-20 00:00 UTC = 1795132800
CORRECTION_SELF = bytes([0xFF, 0x0C]) + PWD + bytes([0x95, 0x04, 0x01, 0x00, 0x00])  # 1173 = 0
CORRECTION_BY_ORDER = bytes([0xFF, 0x0C]) + PWD + bytes([0x95, 0x04, 0x01, 0x00, 0x01])  # 1173 = 1
# 1174 (0x0496), 8 bytes: 1178 (0x049A), 4 bytes, the day
BASIS_DATE = bytes([0xFF, 0x0C]) + PWD + bytes([0x96, 0x04, 0x08, 0x00, 0x9A, 0x04, 0x04, 0x00]) + NOV_20
# 1174, 16 bytes: 1178 and 1179 (0x049B) "12-34/5" (7 bytes)
BASIS_ORDER = (
    bytes([0xFF, 0x0C])
    + PWD
    + bytes([0x96, 0x04, 0x13, 0x00])
    + bytes([0x9A, 0x04, 0x04, 0x00])
    + NOV_20
    + bytes([0x9B, 0x04, 0x07, 0x00])
    + b"12-34/5"
)


@pytest.fixture
def device(tmp_path):
    return Device(tmp_path / "state.json")


def open_correction(device, kind: int = 0x80) -> None:
    open_shift(device)
    assert device.handle(bytes([0x8D]) + PWD + bytes([kind])) == b"\x8d\x00\x1e"


def with_position(device, kind: int = 0x80) -> None:
    open_correction(device, kind)
    assert device.handle(ff46()) == b"\xff\x46\x00"
    assert device.handle(UNIT_PCS) == b"\xff\x4d\x00"


def test_a_correction_receipt_by_order_is_made_and_journaled(device, tmp_path):
    with_position(device)
    assert device.mode() == 0x88  # mode 8, kind 0, bit 7: a correction receipt is open
    assert device.handle(CORRECTION_BY_ORDER) == b"\xff\x0c\x00"
    assert device.handle(BASIS_ORDER) == b"\xff\x0c\x00"
    assert code(device.handle(ff45(10000)), b"\xff\x45") == 0
    (entry,) = [d for d in journal(tmp_path / "state.json") if d["type"] == "correction"]
    assert entry["total"] == 10000 and entry["operation"] == 1
    assert entry["tags"] == {"1173": "1", "1174": '{"1178": "2026-11-20", "1179": "12-34/5"}'}
    fd = entry["fd"].to_bytes(4, "little")
    found = device.handle(bytes([0xFF, 0x0A]) + PWD + fd)
    assert found[3] == 31  # FN document type: a correction receipt
    assert found[3 + 15] == 1 and int.from_bytes(found[3 + 16 : 3 + 21], "little") == 10000


def test_a_correction_of_a_return_takes_the_returns_operation(device):
    open_shift(device)
    device.state.cash = 50000
    assert device.handle(bytes([0x8D]) + PWD + bytes([0x82])) == b"\x8d\x00\x1e"
    assert device.handle(ff46()) == b"\xff\x46\x5e"  # a sale's position in a return: refused
    line = bytearray(ff46())
    line[6] = 2  # operation 2, "возврат прихода"
    assert device.handle(bytes(line)) == b"\xff\x46\x00"
    device.handle(UNIT_PCS)
    device.handle(CORRECTION_SELF)
    device.handle(BASIS_DATE)
    assert code(device.handle(ff45(10000)), b"\xff\x45") == 0
    assert device.state.documents[-1]["type"] == "correction"
    assert device.state.cash == 40000


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ((), 0x0D),  # neither 1173 nor 1174
        ((CORRECTION_SELF,), 0x0D),  # no basis
        ((BASIS_DATE,), 0x0D),  # no correction type
        ((CORRECTION_BY_ORDER, BASIS_DATE), 0x0D),  # by order without the order's number
        ((CORRECTION_SELF, BASIS_DATE), 0x00),
        ((CORRECTION_SELF, BASIS_ORDER), 0x00),
    ],
)
def test_close_needs_the_correction_tags(device, tags, expected):
    with_position(device)
    for tag in tags:
        assert device.handle(tag) == b"\xff\x0c\x00"
    assert code(device.handle(ff45(10000)), b"\xff\x45") == expected


def test_correction_tags_belong_only_to_a_correction_receipt(device):
    open_shift(device)
    assert device.handle(CORRECTION_SELF) == b"\xff\x0c\x02"  # nothing open
    assert device.handle(bytes([0x8D]) + PWD + bytes([0])) == b"\x8d\x00\x1e"
    assert device.handle(CORRECTION_SELF) == b"\xff\x0c\x18"  # an ordinary receipt
    assert device.handle(BASIS_DATE) == b"\xff\x0c\x18"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (tlv(1173, bytes([2])), 0x18),  # neither 0 nor 1
        (tlv(1173, bytes([0, 0])), 0x18),
        (tlv(1178, NOV_20), 0x18),  # 1178 only inside 1174
        (tlv(1174, tlv(1178, NOV_20[:3])), 0x18),  # UnixTime is 4 bytes
        (tlv(1174, tlv(1179, b"1")), 0x00),  # accepted here, refused at the close (no 1178)
        (tlv(1174, tlv(1178, NOV_20) + tlv(1178, NOV_20)), 0x18),  # twice
        (tlv(1174, tlv(1021, "Иванова".encode("cp866"))), 0x18),  # not a basis tag
        (tlv(1174, tlv(1178, NOV_20) + tlv(1179, b"1" * 33)), 0x18),  # 1179 is at most 32 bytes
        (tlv(1174, tlv(1178, NOV_20)[:6]), 0x18),  # a truncated STLV
    ],
)
def test_correction_tag_types_and_lengths(device, value, expected):
    open_correction(device)
    assert device.handle(bytes([0xFF, 0x0C]) + PWD + value) == bytes([0xFF, 0x0C, expected])


def test_a_corrected_day_in_the_future_is_refused(device):
    with_position(device)
    device.handle(CORRECTION_SELF)
    far = (4102444800).to_bytes(4, "little")  # 2100-01-01
    assert device.handle(bytes([0xFF, 0x0C]) + PWD + tlv(1174, tlv(1178, far))) == b"\xff\x0c\x00"
    assert code(device.handle(ff45(10000)), b"\xff\x45") == 0x18


def test_an_unknown_correction_kind_is_refused(device):
    open_shift(device)
    assert device.handle(bytes([0x8D]) + PWD + bytes([0x84])) == b"\x8d\x33"
