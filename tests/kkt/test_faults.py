"""Every fault ends with exactly one or zero fiscal documents and a clear message, never two."""

from __future__ import annotations

import threading
import time

import pytest
import serial

from drivers.fiscal_register import Payments, ReceiptKind
from drivers.profile import Timeouts
from drivers.shtrih import open_register
from drivers.shtrih.errors import AnswerLost, CoverOpen, DeviceTimeout, PaperOut, WaitingContinue
from drivers.shtrih.frame import ACK, ENQ, NAK, encode
from sim.control import send_fault
from tests.fixtures.kkt import kkt_emulator
from tests.kkt.conftest import item


def sale_in_progress(register, lines: int = 3) -> int:
    register.tax_systems()  # read once now: the timed tests below count the close's commands
    register.open_shift()
    register.open_receipt(ReceiptKind.SALE)
    for n in range(lines):
        register.add_item(item(n))
    return lines * 10000


def test_paper_out_mid_receipt_then_continue_printing(register, emulator):
    total = sale_in_progress(register)
    emulator.fault("paper-out")
    with pytest.raises(PaperOut) as error:
        register.add_item(item(9))
    assert error.value.code == "paper_out"
    assert register.status().paper_out
    with pytest.raises(PaperOut):
        register.print_text(["Спасибо за покупку"])
    emulator.fault("clear")
    status = register.status()
    assert status.waiting_continue and status.document_open
    with pytest.raises(WaitingContinue):
        register.add_item(item(9))
    register.continue_printing()
    register.add_item(item(9))
    register.close_receipt(Payments({"cash": total + 10000}), total=total + 10000)
    (doc,) = emulator.receipts()
    assert doc["total"] == total + 10000 and len(doc["items"]) == 4


def test_paper_out_at_close_fiscalizes_nothing_until_continued(register, emulator):
    total = sale_in_progress(register)
    emulator.fault("paper-out")
    with pytest.raises(PaperOut):
        register.close_receipt(Payments({"cash": total}), total=total)
    assert emulator.receipts() == []
    emulator.fault("clear")
    register.continue_printing()
    register.close_receipt(Payments({"cash": total}), total=total)
    assert len(emulator.receipts()) == 1


def test_cover_open_is_told_apart_from_paper_out(register, emulator):
    sale_in_progress(register)
    emulator.fault("cover-open")
    with pytest.raises(CoverOpen) as error:
        register.add_item(item(9))
    assert error.value.code == "cover_open"
    assert register.status().cover_open
    emulator.fault("clear")
    register.continue_printing()
    register.cancel_receipt()
    assert emulator.receipts() == []


def _close_cut_by_power(register, emulator, total):
    emulator.fault("slow=1.5")
    cycler = threading.Timer(2.25, send_fault, args=(emulator.link, "power-cycle"))
    cycler.start()
    try:
        return register.close_receipt(Payments({"cash": total}), total=total)
    finally:
        cycler.join()


def test_power_cycle_before_the_close_reached_the_fn_leaves_the_receipt_open(tmp_path, profile):
    with kkt_emulator(tmp_path, seed=1) as emulator:  # seed 1 draws "not applied"
        device = open_register(str(emulator.link), profile)
        try:
            total = sale_in_progress(device)
            with pytest.raises((AnswerLost, DeviceTimeout)):
                _close_cut_by_power(device, emulator, total)
            assert emulator.receipts() == []
            assert device.status().document_open  # recovery cancels it; nothing was fiscalized
        finally:
            device.close()


def test_power_cycle_during_close_recovers_through_the_fn(register, emulator, caplog):
    total = sale_in_progress(register)
    # every answer now takes 1.5 s: the subtotal before the close ends at ~1.5 s (the FD
    # before it is known from the shift's opening), the close itself at ~3 s; the power goes
    # at 2.25 s, mid-close
    emulator.fault("slow=1.5")
    cycler = threading.Timer(2.25, send_fault, args=(emulator.link, "power-cycle"))
    cycler.start()
    try:
        result = register.close_receipt(Payments({"cash": total}), total=total)
    finally:
        cycler.join()
    (doc,) = emulator.receipts()
    assert result.fd == doc["fd"] and result.fiscal_sign == doc["fiscal_sign"]
    assert "answered by the FN after a lost answer" in caplog.text
    found = register.find_document(register.fn_status().last_fd)
    assert found.fd == doc["fd"] and found.total == total
    assert not register.status().document_open


def test_power_cycle_while_idle_is_invisible_to_the_next_sale(register, emulator):
    total = sale_in_progress(register, lines=1)
    emulator.fault("power-cycle")
    register.close_receipt(Payments({"cash": total}), total=total)
    assert len(emulator.receipts()) == 1


def test_lost_ack_does_not_execute_twice(register, emulator):
    register.open_shift()
    register.open_receipt(ReceiptKind.SALE)
    emulator.fault("drop-ack")
    register.add_item(item(1))
    emulator.fault("drop-ack")
    result = register.close_receipt(Payments({"cash": 10000}), total=10000)
    (doc,) = emulator.receipts()
    assert len(doc["items"]) == 1 and doc["fd"] == result.fd


def test_damaged_answer_is_asked_again(register, emulator):
    register.open_shift()
    register.open_receipt(ReceiptKind.SALE)
    register.add_item(item(1))
    emulator.fault("bad-lrc")
    result = register.close_receipt(Payments({"cash": 10000}), total=10000)
    (doc,) = emulator.receipts()
    assert doc["fd"] == result.fd


def test_device_nak_on_a_frame_with_bad_lrc(emulator):
    with serial.Serial(str(emulator.link), 115200, timeout=1) as port:
        port.write(bytes([ENQ]))
        assert port.read(1) == bytes([NAK])
        good = encode(0x10, bytes([30, 0, 0, 0]))
        port.write(good[:-1] + bytes([good[-1] ^ 0x55]))
        assert port.read(1) == bytes([NAK])
        port.write(good)
        assert port.read(1) == bytes([ACK])
        answer = port.read(19)
        assert answer[:4] == bytes([0x02, 0x10, 0x10, 0x00])
        port.write(bytes([ACK]))
        port.write(bytes([ENQ]))
        assert port.read(1) == bytes([NAK])  # the answer was taken: nothing pending


def test_slow_device_within_the_timeout_is_waited_for(register, emulator):
    emulator.fault("slow=0.5")
    started = time.monotonic()
    assert register.status().mode == 4
    assert time.monotonic() - started >= 0.5


def test_slow_device_beyond_the_timeout_is_reported_then_recovers(emulator, profile):
    quick = profile.model_copy(update={"timeouts": Timeouts(status=0.5, default=1.0)})
    device = open_register(str(emulator.link), quick)
    try:
        emulator.fault("slow=3")  # the status timeout (0.5 s) and the ENQ grace (2 s) pass first
        started = time.monotonic()
        with pytest.raises(DeviceTimeout) as error:
            device.status()
        assert error.value.code == "device_timeout" and error.value.outcome_unknown
        assert time.monotonic() - started < 3
        emulator.fault("clear")
        assert device.status().mode == 4  # the late answer is taken and put aside first
    finally:
        device.close()


def test_throttled_link_takes_wire_time(tmp_path, profile):
    with kkt_emulator(tmp_path, baud=9600) as emulator:
        device = open_register(str(emulator.link), profile, baud=9600)
        try:
            started = time.monotonic()
            total = sale_in_progress(device, lines=10)
            device.close_receipt(Payments({"cash": total}), total=total)
            elapsed = time.monotonic() - started
        finally:
            device.close()
        assert len(emulator.receipts()) == 1
    # ten FF46 frames of ~50 bytes each way at 960 bytes/s are at least half a second
    assert elapsed > 0.5


def test_the_state_before_a_command_is_not_changed_by_the_command():
    """What a power cycle restores: the open receipt, the tags and the document list as they were."""
    from sim.kkt.state import KktState, OpenReceipt

    state = KktState(documents=[{"fd": 2, "type": "receipt", "ofd_sent": False}])
    state.receipt = OpenReceipt(kind=0, opened_at="2026-11-30T10:00:00+03:00", items=[{"name": "a"}])
    before = state.snapshot()
    state.receipt.items.append({"name": "b"})
    state.shift_tags["1021"] = "Иванова"
    state.documents.append({"fd": 3, "type": "receipt"})
    state.cash += 100
    assert before.receipt.items == [{"name": "a"}] and before.shift_tags == {}
    assert [doc["fd"] for doc in before.documents] == [2] and before.cash == 0


def test_the_state_file_survives_saves_from_two_threads_at_once(tmp_path):
    """A fault from the control socket saves while the serial loop saves: one temp file each time."""
    import threading

    from sim.kkt.state import KktState, load_state, save_state

    path = tmp_path / "state.json"
    errors = []

    def save(cash: int) -> None:
        try:
            for _ in range(200):
                save_state(path, KktState(cash=cash, documents=[{"fd": n} for n in range(50)]))
        except OSError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(cash,)) for cash in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and load_state(path).cash in (1, 2)


class _AlwaysBefore:
    """The power-cycle's draw: the command in flight had not reached the FN yet."""

    def random(self) -> float:
        return 0.0


def test_power_cut_mid_command_undoes_the_command_not_the_paper(tmp_path):
    """Paper taken out (or put back) while a command is carried out stays so after a power cut
    that undoes the command: the cut takes back what the command did, not what the world did."""
    from sim.kkt.server import KktServer
    from sim.kkt.state import archive_path, load_state
    from sim.kkt.wire import Received

    server = KktServer(tmp_path / "kkt", tmp_path / "state.json")
    server.draw = _AlwaysBefore()
    server._open_pty()
    try:
        server.faults.slow = 5.0  # the answer to the next command is still being prepared
        server._on_frame(Received(bytes([0xE0]) + (30).to_bytes(4, "little")))  # open the shift
        assert server.device.state.shift_open and server.answer_state == "preparing"
        server.apply_fault("paper-out")
        server.apply_fault("mark-offline")
        server._power_cycle()
        for state in (server.device.state, load_state(tmp_path / "state.json")):
            assert not state.shift_open and state.documents == []  # the command is undone
            assert not state.paper and not state.mark_online  # the world is as it was made
        assert archive_path(tmp_path / "state.json").stat().st_size == 0  # its record is cut off

        server.faults.slow = 5.0
        server._on_frame(Received(bytes([0xE0]) + (30).to_bytes(4, "little")))
        assert server.device.state.print_failed  # refused for want of paper, and remembers it
        server.apply_fault("clear")  # the paper is put back while the refusal is on its way
        server._power_cycle()
        state = load_state(tmp_path / "state.json")
        assert state.paper and not state.cover_open and not state.shift_open
    finally:
        server._close_pty()


def test_paper_put_back_while_a_command_is_refused_for_want_of_it_stays_put_back(tmp_path):
    """The control socket's thread and the serial loop take turns on the register: a refused
    command reloads the committed state, and a fault cleared meanwhile is not lost to it."""
    from sim.kkt.server import KktServer
    from sim.kkt.state import load_state

    server = KktServer(tmp_path / "kkt", tmp_path / "state.json")
    print_line = bytes([0x17]) + (30).to_bytes(4, "little") + bytes([2]) + b"x" * 40
    stop = threading.Event()

    def cashier() -> None:
        while not stop.is_set():
            server.execute(print_line)

    thread = threading.Thread(target=cashier)
    thread.start()
    try:
        for _ in range(150):
            assert server.apply_fault("paper-out") == "ok"
            assert server.apply_fault("clear") == "ok"
            time.sleep(0.001)
            assert server.device.state.paper and load_state(tmp_path / "state.json").paper
    finally:
        stop.set()
        thread.join()
