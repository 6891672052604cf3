"""A receipt's B2B buyer (tags 1227 name, 1228 INN) the way FFD 1.2 takes it: one STLV 1256.

As the vendor's JavaPOS driver sends it (TLVFilter wraps 1227/1228 into 1256 on FFD 1.2;
TLVTags declares 1228 fixed-size 12 and strToTLV right-pads it with spaces). The emulator's
requests are written out byte by byte (never built by the driver); the driver's frames are
read off an in-process link.
"""

from __future__ import annotations

import json

import pytest

from drivers.fiscal_register import ReceiptKind
from drivers.profile import PROFILE_DIR, load_profile
from drivers.shtrih.frame import Frame, decode, encode
from drivers.shtrih.register import ShtrihRegister
from sim.kkt.device import Device

PWD = bytes([30, 0, 0, 0])
NAME = "ООО Ромашка".encode("cp866")
UNIT_PCS = bytes([0xFF, 0x4D]) + PWD + bytes([0x3C, 0x08, 0x01, 0x00, 0x00])  # 2108 = 0 (pcs)


def tlv(tag: int, value: bytes) -> bytes:
    return tag.to_bytes(2, "little") + len(value).to_bytes(2, "little") + value


def ff0c(entry: bytes) -> bytes:
    return bytes([0xFF, 0x0C]) + PWD + entry


def ff46_line() -> bytes:
    """FF46: sale, 1 x 100.00, tax sum unset, vat20 (bit 1), department 1, 1214 = 4, 1212 = 1."""
    return (
        bytes([0xFF, 0x46])
        + PWD
        + bytes([1])
        + (1_000_000).to_bytes(6, "little")
        + (10000).to_bytes(5, "little") * 2
        + b"\xff" * 5
        + bytes([0x01, 1, 4, 1])
        + "Хлеб".encode("cp1251")
    )


def ff45_cash(cash: int) -> bytes:
    """FF45: cash, 15 more sums, rounding, 6 tax sums, taxation system 0x02."""
    return (
        bytes([0xFF, 0x45])
        + PWD
        + cash.to_bytes(5, "little")
        + bytes(75)
        + bytes([0])
        + bytes(30)
        + bytes([0x02])
    )


@pytest.fixture
def device(tmp_path):
    return Device(tmp_path / "state.json")


def with_receipt(device: Device) -> None:
    assert device.handle(bytes([0xE0]) + PWD)[1] == 0  # open the shift
    assert device.handle(bytes([0x8D]) + PWD + bytes([0]))[1] == 0  # open a sale
    assert device.handle(ff46_line()) == b"\xff\x46\x00"
    assert device.handle(UNIT_PCS) == b"\xff\x4d\x00"


def answer(device: Device, entry: bytes) -> int:
    raw = device.handle(ff0c(entry))
    assert raw[:2] == b"\xff\x0c"
    return raw[2]


def closed_receipt(device: Device) -> dict:
    assert device.handle(ff45_cash(10000))[2] == 0
    return next(doc for doc in device.state.documents if doc["type"] == "receipt")


@pytest.mark.parametrize(
    "entry",
    [tlv(1227, NAME), tlv(1228, b"7707083893"), tlv(1228, b"500100732259")],
)
def test_a_top_level_buyer_tag_is_refused_on_an_ffd_1_2_receipt(device, entry):
    with_receipt(device)
    assert answer(device, entry) == 0x18
    assert device.state.receipt.tags == {}


@pytest.mark.parametrize(
    ("inn", "kept"),
    [(b"7707083893  ", "7707083893"), (b"500100732259", "500100732259"), (b"0000000000  ", "0000000000")],
)
def test_the_buyer_in_1256_is_accepted_and_kept_with_its_receipt(device, inn, kept):
    with_receipt(device)
    assert answer(device, tlv(1256, tlv(1227, NAME) + tlv(1228, inn))) == 0x00
    doc = closed_receipt(device)
    assert json.loads(doc["tags"]["1256"]) == {"1227": "ООО Ромашка", "1228": inn.decode()}
    assert (doc["tags"]["1227"], doc["tags"]["1228"]) == ("ООО Ромашка", kept)


def test_1256_may_hold_the_name_or_the_inn_alone(device):
    with_receipt(device)
    assert answer(device, tlv(1256, tlv(1227, NAME))) == 0x00
    assert answer(device, tlv(1256, tlv(1228, b"500100732259"))) == 0x00


@pytest.mark.parametrize(
    "inn",
    [
        b"7707083893",  # 10 digits unpadded: 1228 is fixed-size 12
        b"7707083893\x00\x00",  # padded with NULs, not spaces
        b"  7707083893",  # padded on the left
        b"77070838931 ",  # 11 digits
        b"770708389   ",  # 9 digits
        b"770708389X  ",
        b"50010073225x",
        b"5001007322590",  # 13
        b"7707083893 x",
        b"",
    ],
)
def test_a_malformed_buyer_inn_in_1256_is_refused(device, inn):
    with_receipt(device)
    assert answer(device, tlv(1256, tlv(1227, NAME) + tlv(1228, inn))) == 0x18
    assert device.state.receipt.tags == {}
    good = tlv(1256, tlv(1227, NAME) + tlv(1228, b"7707083893  "))
    assert answer(device, good) == 0x00  # it was the INN that was wrong


@pytest.mark.parametrize(
    "inner",
    [
        b"",  # nothing inside
        tlv(1228, b"500100732259") * 2,  # the INN twice
        tlv(1227, NAME) + tlv(1008, b"a@b.ru"),  # a tag that is not the buyer's
        tlv(1227, b"x" * 129),  # a name past 128 bytes
        tlv(1227, b""),  # an empty name
        b"\xcc\x04\x0c\x00ab",  # a length past the end
    ],
)
def test_a_malformed_1256_is_refused(device, inner):
    with_receipt(device)
    assert answer(device, tlv(1256, inner)) == 0x18
    assert device.state.receipt.tags == {}
    assert answer(device, tlv(1256, tlv(1227, NAME))) == 0x00  # what was inside was wrong


def test_a_shift_report_has_no_buyer_a_receipt_has(device):
    assert device.handle(bytes([0xFF, 0x41]) + PWD) == b"\xff\x41\x00"  # begin opening the shift
    assert answer(device, tlv(1256, tlv(1228, b"500100732259"))) == 0x18
    with_receipt(device)
    assert answer(device, tlv(1256, tlv(1228, b"500100732259"))) == 0x00


class DeviceLink:
    """The emulated device in-process behind the link's one method; keeps every request sent.
    ``accept_tags``: FF0C is answered OK without the device (a register of an older FFD)."""

    def __init__(self, device: Device, accept_tags: bool = False):
        self.device, self.accept_tags = device, accept_tags
        self.sent: list[bytes] = []

    def transact(self, command: int, data: bytes, timeout: float) -> Frame:
        raw = encode(command, data)
        self.sent.append(raw)
        if command == 0xFF0C and self.accept_tags:
            return Frame.from_body(b"\xff\x0c\x00")
        return Frame.from_body(self.device.handle(decode(raw).body))

    def tags_sent(self) -> list[bytes]:
        return [decode(raw).data[4:] for raw in self.sent if decode(raw).command == 0xFF0C]

    def close(self) -> None:
        self.sent.clear()


def register_for(device: Device, ffd: str, accept_tags: bool = False) -> ShtrihRegister:
    profile = load_profile(PROFILE_DIR / "shtrih-m-01f.toml")
    profile = profile.model_copy(update={"fiscal": profile.fiscal.model_copy(update={"ffd_version": ffd})})
    return ShtrihRegister(DeviceLink(device, accept_tags), profile, operator_password=30, admin_password=30)


@pytest.mark.parametrize(
    ("inn", "sent"), [("7707083893", b"7707083893  "), ("500100732259", b"500100732259")]
)
def test_the_driver_sends_the_buyer_as_one_1256_on_ffd_1_2(device, inn, sent):
    register = register_for(device, "1.2")
    register.open_shift()
    register.open_receipt(ReceiptKind.SALE)
    register.add_buyer("ООО «Ромашка»", inn)
    name = 'ООО "Ромашка"'.encode("cp866")
    assert register.link.tags_sent() == [tlv(1256, tlv(1227, name) + tlv(1228, sent))]
    assert device.state.receipt.tags["1228"] == inn


@pytest.mark.parametrize("ffd", ["1.05", "1.1"])
def test_the_driver_sends_top_level_1227_and_a_padded_1228_before_ffd_1_2(device, ffd):
    register = register_for(device, ffd, accept_tags=True)
    register.add_buyer("ООО Ромашка", "7707083893")
    assert register.link.tags_sent() == [tlv(1227, NAME), tlv(1228, b"7707083893  ")]


@pytest.mark.parametrize("inn", ["77070838", "770708389X", "7707083893 "])
def test_the_driver_sends_nothing_for_an_inn_of_a_wrong_shape(device, inn):
    register = register_for(device, "1.2", accept_tags=True)
    with pytest.raises(ValueError):
        register.add_buyer("ООО Ромашка", inn)
    assert register.link.sent == []
