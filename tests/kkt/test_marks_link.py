"""Marked goods between the driver and the emulator over a real pty: a sale and a return with
their codes in the FN's archive, the online check offline and slow, and power cut between the
check and the close (the FN keeps what it accepted; checking again replaces it)."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest

from drivers.fiscal_register import MarkOnline, MarkPlan, MarkVerdict, Payments, ReceiptItem, ReceiptKind
from drivers.shtrih import open_register
from drivers.shtrih.errors import AnswerLost, DeviceTimeout
from sim.control import send_fault
from sim.kkt import marks
from tests.conftest import run_kassa
from tests.fixtures.kkt import kkt_emulator

MILK_GTIN, SHOES_GTIN = "04607034940027", "04690257528523"


def unit(name: str, code: str, price: int = 9000) -> ReceiptItem:
    return ReceiptItem(name, Decimal(1), price, price, "vat20", mark=code)


def checked(register, code: str, plan: MarkPlan = MarkPlan.PIECE_SOLD):
    result = register.check_mark(code, plan, Decimal(1), "pcs")
    register.accept_mark(result.verdict in (MarkVerdict.VALID, MarkVerdict.NOT_CHECKED_ONLINE))
    return result


def sell(register, kind: ReceiptKind, *items: ReceiptItem):
    register.open_receipt(kind)
    for one in items:
        register.add_item(one)
    total = sum(one.amount for one in items)
    return register.close_receipt(Payments({"cash": total}), total=total, tax_system="usn_income")


def test_a_marked_sale_and_its_return_round_trip(register, emulator):
    milk, shoes = marks.issue(MILK_GTIN), marks.issue(SHOES_GTIN, "shoes")
    register.open_shift()
    assert checked(register, milk).verdict == MarkVerdict.VALID
    assert checked(register, shoes).result == 0x0F
    sale = sell(register, ReceiptKind.SALE, unit("Молоко", milk), unit("Туфли", shoes, 500000))
    again = register.check_mark(shoes, MarkPlan.PIECE_SOLD, Decimal(1), "pcs")
    assert again.verdict == MarkVerdict.STATUS_INCORRECT  # already sold
    register.accept_mark(False)
    assert checked(register, shoes, MarkPlan.PIECE_RETURNED).verdict == MarkVerdict.VALID
    back = sell(register, ReceiptKind.RETURN, unit("Туфли", shoes, 500000))
    receipt, refund = emulator.receipts()
    assert (receipt["fd"], refund["fd"]) == (sale.fd, back.fd)
    assert [(i["mark"]["code"], i["mark"]["plan"], i["mark"]["result"]) for i in receipt["items"]] == [
        (milk, 1, 0x0C),
        (shoes, 1, 0x0F),
    ]
    assert [(i["mark"]["code"], i["mark"]["plan"]) for i in refund["items"]] == [(shoes, 3)]
    assert all(i["payment_object"] == 33 for i in receipt["items"] + refund["items"])


def test_the_online_check_offline_and_slow(register, emulator, clean_env):
    milk = marks.issue(MILK_GTIN)
    done = run_kassa("emulate", "fault", "--link", str(emulator.link), "mark-offline", env=clean_env)
    assert done.returncode == 0 and done.stdout.strip() == "ok"
    result = register.check_mark(milk, MarkPlan.PIECE_SOLD, Decimal(1), "pcs")
    assert result.online == MarkOnline.NOT_CHECKED and result.verdict == MarkVerdict.NOT_CHECKED_ONLINE
    register.accept_mark(False)
    emulator.fault("mark-slow=0.6")
    started = time.monotonic()
    assert (
        register.check_mark(milk, MarkPlan.PIECE_SOLD, Decimal(1), "pcs").online == MarkOnline.STATUS_CORRECT
    )
    assert time.monotonic() - started >= 0.6
    register.accept_mark(False)
    emulator.fault("mark-slow=30")  # the FN gives up after its own wait and answers without it
    started = time.monotonic()
    assert register.check_mark(milk, MarkPlan.PIECE_SOLD, Decimal(1), "pcs").online == MarkOnline.NOT_CHECKED
    assert 2.0 <= time.monotonic() - started < 10
    register.accept_mark(False)
    emulator.fault("mark-online")
    assert register.check_mark(milk, MarkPlan.PIECE_SOLD, Decimal(1), "pcs").verdict == MarkVerdict.VALID


def test_a_power_cycle_between_the_check_and_the_close(register, emulator):
    """The receipt stays open in the register; cancelling it keeps the FN's accepted check, and
    checking the code again (as a retry does) is not refused: one receipt, one sold unit."""
    shoes = marks.issue(SHOES_GTIN, "shoes")
    register.open_shift()
    checked(register, shoes)
    register.open_receipt(ReceiptKind.SALE)
    register.add_item(unit("Туфли", shoes))
    emulator.fault("power-cycle")
    assert register.status().document_open
    register.cancel_receipt()
    assert checked(register, shoes).verdict == MarkVerdict.VALID
    sell(register, ReceiptKind.SALE, unit("Туфли", shoes))
    (receipt,) = emulator.receipts()
    assert [i["mark"]["code"] for i in receipt["items"]] == [shoes]
    assert register.check_mark(shoes, MarkPlan.PIECE_SOLD, Decimal(1), "pcs").verdict == "status_incorrect"


@pytest.mark.parametrize("seed", [0, 1])  # 0: the cut check reached the FN, 1: it did not
def test_a_power_cycle_during_the_check(tmp_path, profile, seed):
    shoes = marks.issue(SHOES_GTIN, "shoes")
    with kkt_emulator(tmp_path, seed=seed) as emulator:
        register = open_register(str(emulator.link), profile)
        try:
            register.open_shift()
            emulator.fault("mark-slow=1.5")
            cycler = threading.Timer(0.7, send_fault, args=(emulator.link, "power-cycle"))
            cycler.start()
            try:
                with pytest.raises((AnswerLost, DeviceTimeout)):
                    register.check_mark(shoes, MarkPlan.PIECE_SOLD, Decimal(1), "pcs")
            finally:
                cycler.join()
            emulator.fault("mark-online")
            assert checked(register, shoes).verdict == MarkVerdict.VALID
            sell(register, ReceiptKind.SALE, unit("Туфли", shoes))
            (receipt,) = emulator.receipts()
            assert receipt["items"][0]["mark"]["code"] == shoes
        finally:
            register.close()


def test_kassa_emulate_marks_prints_codes_the_register_takes(clean_env):
    result = run_kassa("emulate", "marks", MILK_GTIN, "--count", "2", env=clean_env)
    assert result.returncode == 0, result.stderr
    pasted = result.stdout.split()
    assert len(pasted) == 2 and all(
        "\x1d" not in code and code.startswith("01" + MILK_GTIN) for code in pasted
    )
    raw = run_kassa("emulate", "marks", SHOES_GTIN, "--group", "shoes", "--raw", env=clean_env)
    (code,) = raw.stdout.split("\n")[:1]
    assert code.count("\x1d") == 2 and marks.genuine(marks.parse(code))
    forged = run_kassa("emulate", "marks", SHOES_GTIN, "--group", "shoes", "--raw", "--forged", env=clean_env)
    assert not marks.genuine(marks.parse(forged.stdout.split("\n")[0]))
    refused = run_kassa("emulate", "marks", "123", env=clean_env)
    assert refused.returncode == 2 and "123" in refused.stderr
