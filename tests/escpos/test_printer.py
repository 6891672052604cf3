"""The driver against the virtual printer through a real pty: text, status, faults, flow control."""

from __future__ import annotations

import termios
import time
from decimal import Decimal

import pytest

from drivers.device_status import messages
from drivers.escpos import open_printer
from drivers.escpos.errors import PrinterBlocked, PrinterNoDrawer, PrinterNotFound, PrinterProfileError
from drivers.escpos.layout import (
    PaymentLine,
    PrintedReceipt,
    QrCode,
    ReceiptItem,
    ReceiptLayout,
    TaxLine,
    receipt_text,
)
from drivers.escpos.printer import qr_raster
from drivers.profile import load_directory
from tests.fixtures.escpos import escpos_emulator

PROFILES = {name: p for name, p in load_directory()[0].items() if p.protocol == "escpos"}
EMULATOR = PROFILES["escpos-emulator"]


def eventually(check, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def with_changes(profile, **sections):
    return profile.model_copy(
        update={key: getattr(profile, key).model_copy(update=value) for key, value in sections.items()}
    )


@pytest.fixture(scope="module")
def virtual(tmp_path_factory):
    with escpos_emulator(tmp_path_factory.mktemp("escpos")) as printer:
        yield printer


@pytest.fixture
def printer(virtual):
    device = open_printer(str(virtual.link), EMULATOR)
    try:
        yield device
    finally:
        virtual.fault("clear")
        device.close()


def sale(name: str = "Молоко «Домик в деревне» 3,2% — 1 л") -> PrintedReceipt:
    return PrintedReceipt(
        header=["ООО «Ромашка»", "ИНН 7701234560"],
        title="КАССОВЫЙ ЧЕК / ПРИХОД",
        items=[
            ReceiptItem(name, Decimal("2"), 8990, 17980, tax="НДС 10%"),
            ReceiptItem("Яблоки Гала", Decimal("1.234"), 12900, 15919, unit="кг"),
        ],
        total=33899,
        taxes=[TaxLine("НДС 10%", 3082)],
        payments=[PaymentLine("НАЛИЧНЫМИ", 50000, 16101)],
        fiscal=[("ФН", "9960440300123456"), ("ФД", "12"), ("ФП", "1234567890")],
        footer=["Цены в ₽. Спасибо за покупку!"],
        qr="t=20261123T1524&s=338.99&fn=9960440300123456&i=12&fp=1234567890&n=1",
    )


def expected(profile, receipt: PrintedReceipt) -> str:
    """What the paper must show: the layout, the QR code natively or as a raster image."""

    def qr_line(qr: QrCode) -> str:
        if profile.features.native_qr:
            return f"[QR: {qr.data}]"
        raster = qr_raster(qr.data, profile.media.dots)
        return f"[image {(raster[4] | raster[5] << 8) * 8}x{raster[6] | raster[7] << 8}]"

    return receipt_text(ReceiptLayout(profile).render(receipt), qr_line)


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_decoded_text_equals_the_intended_receipt_for_every_profile(virtual, name):
    profile = PROFILES[name]
    before = len(virtual.receipts())
    device = open_printer(str(virtual.link), profile)
    try:
        device.print_receipt(sale())
    finally:
        device.close()
    printed = virtual.wait_receipts(before + 1)[before]
    assert printed == expected(profile, sale())
    assert 'Молоко "Домик в деревне" 3,2% - 1 л' in printed.replace("\n", " ")
    assert "руб." in printed
    width = profile.media.columns["a"]
    assert max(len(line) for line in printed.splitlines() if not line.startswith("[")) == width


def test_code_page_survives_every_reset(virtual, printer):
    """ESC @ resets the printer to CP437; the driver re-sends ESC t 17 after each one."""
    before = len(virtual.receipts())
    printer.print_lines(["Первая строка"])
    printer.print_lines(["Вторая строка"])
    printer.cut()
    assert virtual.wait_receipts(before + 1)[before] == "Первая строка\nВторая строка\n"


def test_control_characters_are_stripped_end_to_end(virtual, printer):
    before = len(virtual.receipts())
    events = len(virtual.events())
    printer.print_lines(["Хлеб\x1b@\x1dV\x00\x1bp\x00\x10\x04\x01 белый\x07"])
    printer.cut()
    assert virtual.wait_receipts(before + 1)[before] == "Хлеб@Vp белый\n"
    assert virtual.wait_event("cut partial", events) == ["cut partial"]


def test_cut_follows_the_profile(virtual):
    for name, event in (("generic-80mm", "cut full"), ("escpos-emulator", "cut partial")):
        device = open_printer(str(virtual.link), PROFILES[name])
        events = len(virtual.events())
        try:
            device.print_lines(["cut"])
            device.cut()
        finally:
            device.close()
        assert virtual.wait_event(event, events) == [event]
    before, events = len(virtual.receipts()), len(virtual.events())
    device = open_printer(str(virtual.link), PROFILES["xprinter-xp-58"])
    try:
        device.print_lines(["оторвать"])
        device.cut()
    finally:
        device.close()
    assert virtual.wait_receipts(before + 1)[before] == "оторвать\n"
    assert virtual.events()[events:] == []  # no cutter: fed to the tear bar, no GS V


def test_drawer_pulse(virtual, printer):
    events = len(virtual.events())
    printer.pulse_drawer()
    assert virtual.wait_event("drawer 0", events) == ["drawer 0"]
    no_drawer = with_changes(EMULATOR, features={"drawer": False})
    printer.close()
    device = open_printer(str(virtual.link), no_drawer)
    try:
        with pytest.raises(PrinterNoDrawer):
            device.pulse_drawer()
    finally:
        device.close()


@pytest.mark.parametrize(
    ("fault", "fields", "message"),
    [
        ("clear", dict(online=True), "Printer ready, paper OK"),
        ("paper-near-end", dict(online=True, paper_near_end=True), "Paper near end: prepare a new roll"),
        (
            "paper-end",
            dict(online=False, paper_end=True, paper_near_end=True),
            "Out of paper: load a new roll",
        ),
        ("cover-open", dict(online=False, cover_open=True), "Cover open: close the printer cover"),
        (
            "cutter-error",
            dict(online=False, error=True),
            "Printer error (cutter or mechanism): switch the printer off and on",
        ),
    ],
)
def test_status_bits_for_each_fault(virtual, printer, fault, fields, message):
    virtual.fault(fault)
    state = printer.status()
    expected_state = dict(online=True, cover_open=False, paper_near_end=False, paper_end=False, error=False)
    expected_state.update(fields)
    assert not state.unknown
    assert {key: getattr(state, key) for key in expected_state} == expected_state
    assert messages(state)[0] == message
    assert state.ready == (fault in ("clear", "paper-near-end"))


def test_a_printer_that_never_answers_is_unknown_and_does_not_hang(virtual, printer):
    virtual.fault("offline")
    started = time.monotonic()
    state = printer.status()
    elapsed = time.monotonic() - started
    assert state.unknown and state.online is None and not state.ready
    assert state.problems() == ["No answer from the printer: status unknown; check power and cable"]
    assert elapsed < 0.6, f"status took {elapsed:.3f} s"


def test_xoff_held_gives_a_clear_error_not_a_hang(virtual):
    profile = with_changes(EMULATOR, serial={"write_timeout": 0.5})
    device = open_printer(str(virtual.link), profile)
    try:
        virtual.fault("xoff")
        started = time.monotonic()
        with pytest.raises(PrinterBlocked) as error:
            device.print_lines(["строка " * 6] * 400)
        assert time.monotonic() - started < 3
        assert error.value.code == "printer_blocked"
        assert "flow control holds the line" in error.value.text
        started = time.monotonic()
        assert device.status().blocked
        assert time.monotonic() - started < 1.5
        virtual.fault("clear")
        assert eventually(lambda: device.status().ready)  # XON reaches the line discipline asynchronously
        before = len(virtual.receipts())
        device.print_lines(["снова печатает"])
        device.cut()
        assert virtual.wait_receipts(before + 1)[-1].endswith("снова печатает\n")
    finally:
        virtual.fault("clear")
        device.close()


def test_flow_control_from_the_profile_is_applied_to_the_port(virtual):
    for flow, iflag, cflag in (("xonxoff", termios.IXON | termios.IXOFF, 0), ("rtscts", 0, termios.CRTSCTS)):
        device = open_printer(str(virtual.link), with_changes(EMULATOR, serial={"flow": flow}))
        try:
            port = device.link.serial
            attributes = termios.tcgetattr(port.fd)
            assert attributes[0] & (termios.IXON | termios.IXOFF) == iflag
            assert attributes[2] & termios.CRTSCTS == cflag
            assert port.write_timeout == EMULATOR.serial.write_timeout
        finally:
            device.close()


def test_missing_port_and_wrong_profile_are_clear_errors(tmp_path):
    with pytest.raises(PrinterNotFound) as error:
        open_printer(str(tmp_path / "nothing"), EMULATOR)
    assert str(tmp_path / "nothing") in error.value.text
    cp1251_at_17 = with_changes(EMULATOR, encoding={"codec": "cp1251"})
    with pytest.raises(PrinterProfileError) as error:
        open_printer(str(tmp_path / "nothing"), cp1251_at_17)
    assert "ESC t 17 is CP866" in error.value.text
