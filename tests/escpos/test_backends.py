"""The other python-escpos back ends: a network printer, a pyserial URL and a device file."""

from __future__ import annotations

import socket
import threading
from contextlib import contextmanager
from decimal import Decimal

import pytest

from drivers.escpos import open_printer
from drivers.escpos.errors import PrinterNotFound
from drivers.escpos.layout import PrintedReceipt, ReceiptItem
from drivers.profile import load_directory
from sim.escpos.decoder import Decoder
from sim.escpos.faults import status_byte

PROFILE = load_directory()[0]["generic-80mm"]


@contextmanager
def network_printer(faults: set[str]):
    """A printer on a loopback TCP port, decoding what it gets like the virtual printer."""
    server = socket.create_server(("127.0.0.1", 0))
    decoder = Decoder()
    receipts: list[str] = []

    def serve() -> None:
        connection, _ = server.accept()
        with connection:
            while data := connection.recv(4096):
                for event in decoder.feed(data):
                    if event.kind == "status":
                        connection.sendall(bytes([status_byte(int(event.value), faults)]))
                    elif event.kind == "receipt":
                        receipts.append(str(event.value))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], receipts, thread
    finally:
        server.close()
        thread.join(5)


@pytest.mark.parametrize("scheme", ["tcp", "socket"])
def test_network_printer_prints_and_answers_status(scheme):
    with network_printer({"paper-near-end"}) as (port, receipts, thread):
        printer = open_printer(f"{scheme}://127.0.0.1:{port}", PROFILE)
        try:
            state = printer.status()
            printer.print_receipt(
                PrintedReceipt(items=[ReceiptItem("Чай", Decimal(1), 5000, 5000)], total=5000)
            )
        finally:
            printer.close()
        thread.join(5)
    assert not state.unknown and state.online and not state.paper_end
    assert receipts and receipts[0].splitlines()[1] == "Чай"


def test_device_file_prints_with_the_code_page_and_status_is_unknown(tmp_path):
    path = tmp_path / "lp0"
    path.touch()
    printer = open_printer(f"file:{path}", PROFILE)
    try:
        assert printer.status().unknown
        printer.print_lines(["Ёлка ₽"])
    finally:
        printer.close()
    assert path.read_bytes() == b"\x1b@\x1bt\x11" + "Ёлка руб.\n".encode("cp866")


def test_unreachable_network_printer_is_a_clear_error():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    with pytest.raises(PrinterNotFound) as error:
        open_printer(f"tcp://127.0.0.1:{port}", PROFILE)
    assert f"tcp://127.0.0.1:{port}" in error.value.text
