"""The virtual printer's decoder, and the python-escpos 3.1 facts the driver works around."""

from __future__ import annotations

import pytest
from escpos.capabilities import CAPABILITIES, get_profile
from escpos.escpos import Escpos

from drivers.escpos import check_profile
from drivers.escpos.status import decode
from drivers.profile import load_directory
from sim.escpos.decoder import Decoder
from sim.escpos.faults import KINDS, status_byte

PROFILES = {name: p for name, p in load_directory()[0].items() if p.protocol == "escpos"}
CYRILLIC = "Привет".encode("cp866")


def feed(*chunks: bytes) -> tuple[Decoder, list]:
    decoder = Decoder()
    events = []
    for chunk in chunks:
        events += decoder.feed(chunk)
    return decoder, events


def receipts(events) -> list[str]:
    return [event.value for event in events if event.kind == "receipt"]


def test_text_follows_esc_t_and_esc_at_resets_the_code_page():
    _, events = feed(b"\x1b@\x1bt\x11" + CYRILLIC + b"\n\x1b@" + CYRILLIC + b"\n\x1dV\x00")
    assert receipts(events) == ["Привет\n" + CYRILLIC.decode("cp437") + "\n"]


def test_commands_split_across_reads_are_decoded_whole():
    qr = b"\x1d(k\x07\x001P0data"
    data = b"\x1b@\x1bt\x11" + CYRILLIC + b"\n" + qr + b"\x1d(k\x03\x001Q0" + b"\x1bd\x04\x1dV\x01"
    _, events = feed(*(data[i : i + 1] for i in range(len(data))))
    assert receipts(events) == ["Привет\n[QR: data]\n"]
    assert [e.value for e in events if e.kind == "cut"] == ["partial"]


def test_stray_control_bytes_are_visible():
    _, events = feed(b"a\x07b\x1bZc\n\x1dV\x00")
    assert receipts(events) == ["a[0x07]b[ESC Z]c\n"]


def test_raster_image_and_tear_off_without_cutter():
    image = b"\x1dv0\x00\x02\x00\x03\x00" + b"\xff" * 6
    _, events = feed(b"top\n" + image + b"\x1bd\x04" + b"next\n\x1bd\x04")
    assert receipts(events) == ["top\n[image 16x3]\n", "next\n"]


@pytest.mark.parametrize("kind", [k for k in KINDS if k not in ("offline", "xoff", "clear")])
def test_every_fault_answers_valid_status_bytes_the_driver_decodes(kind):
    replies = {n: status_byte(n, {kind}) for n in (1, 2, 3, 4)}
    state = decode(replies)
    assert not state.unknown
    assert state.cover_open == (kind == "cover-open")
    assert state.paper_end == (kind == "paper-end")
    assert state.paper_near_end == (kind in ("paper-end", "paper-near-end"))
    assert state.error == (kind == "cutter-error")
    assert decode({**replies, 3: 0x13}).unknown  # XOFF is never a status byte
    assert decode({1: replies[1]}).unknown


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_each_profile_names_a_real_base_and_overrides_only_what_it_may(name):
    profile = PROFILES[name]
    check_profile(profile)
    base = CAPABILITIES["profiles"][profile.escpos_db_profile]
    assert base["codePages"][str(profile.encoding.codepage_slot)] == "CP866"
    if not base["features"]["qrCode"]:
        assert not profile.features.native_qr
    if not base["features"]["paperPartCut"]:
        assert not profile.features.partial_cut
    width = base.get("media", {}).get("width", {}).get("pixels")
    if isinstance(width, int):
        assert profile.media.dots == width
        assert profile.media.columns["a"] == base["fonts"]["0"]["columns"]


def test_python_escpos_31_facts_the_driver_works_around():
    """Read from its source (escpos/magicencode.py, escpos.py, printer/serial.py) and checked here."""
    slots = get_profile("TM-T20II").get_code_pages()
    assert slots["CP866"] == "17"  # slots are strings...
    assert sorted(slots.values()).index("17") < sorted(slots.values()).index("2")  # ...and sort as strings

    class Silent(Escpos):
        def __init__(self):
            super().__init__(profile="default")
            self.sent = b""

        def _raw(self, msg: bytes) -> None:
            self.sent += msg

        def _read(self) -> bytes:
            return b""

    printer = Silent()
    assert printer.paper_status() == 2  # no reply reads as "paper adequate"
    printer.text("Ж")
    printer.hw("INIT")
    printer.sent = b""
    printer.text("Ж")
    assert b"\x1bt" not in printer.sent  # after ESC @ the code page is not sent again

    import inspect

    from escpos.printer import Serial

    opening = inspect.getsource(Serial.open)
    assert "rtscts" not in opening and "write_timeout" not in opening
    assert "serial.Serial(" in opening  # not serial_for_url: no pyserial URLs
