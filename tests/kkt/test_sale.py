"""Sales, returns, shifts and reports through the driver, checked in the emulator's FN journal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from agent.i18n import translate
from drivers.fiscal_register import Cashier, DocumentType, Payments, ReceiptItem, ReceiptKind
from drivers.shtrih import open_register
from drivers.shtrih.errors import (
    BadParameters,
    NotInProfile,
    OfdBlocked,
    ReceiptOpen,
    ShiftAlreadyOpen,
    ShiftExpired,
    ShiftNotOpen,
    TotalMismatch,
    WrongPassword,
)
from sim.kkt import identity
from tests.kkt.conftest import item


def test_device_identifies_itself(register):
    info = register.device_info()
    assert info.model == identity.EMULATOR_MODEL
    assert info.serial == identity.EMULATOR_SERIAL
    assert info.fn_serial == identity.EMULATOR_FN_SERIAL
    assert info.inn == identity.EMULATOR_INN


def test_ten_line_sale_with_cash_and_card_is_one_fiscal_document(register, emulator):
    opened = register.open_shift(Cashier("Иванова А.", "500100732259"))
    lines = [item(n, price=1000 + n * 111, quantity="1.500" if n % 2 else "2.000") for n in range(10)]
    total = sum(line.amount for line in lines)
    register.open_receipt(ReceiptKind.SALE)
    for line in lines:
        register.add_item(line)
    register.add_tag(1008, "buyer@example.ru")
    card = 5000
    result = register.close_receipt(Payments({"cash": total - card + 700, "card": card}), total=total)

    receipts = emulator.receipts()
    assert len(receipts) == 1
    doc = receipts[0]
    assert doc["fd"] == result.fd == opened.fd + 1
    assert doc["total"] == total
    assert doc["fiscal_sign"] == result.fiscal_sign
    assert doc["shift"] == result.shift == opened.shift == 1
    assert [i["amount"] for i in doc["items"]] == [line.amount for line in lines]
    assert doc["items"][1]["quantity"] == "1.500" and doc["items"][0]["name"] == "Товар №0"
    assert {p["kind"]: p["amount"] for p in doc["payments"]} == {"cash": total - card + 700, "card": card}
    assert doc["change"] == 700
    assert doc["tags"]["1008"] == "buyer@example.ru"
    shift_open = next(d for d in emulator.journal() if d["type"] == "shift_open")
    assert shift_open["tags"] == {"1021": "Иванова А.", "1203": "500100732259"}

    found = register.find_document(result.fd)
    assert found.type == DocumentType.RECEIPT and found.total == total
    assert found.fiscal_sign == result.fiscal_sign
    assert register.fn_status().last_fd == result.fd
    assert register.find_document(result.fd + 1) is None


def test_return_receipt_and_cash_moves(register, emulator):
    register.open_shift()
    register.cash_in(50000)
    register.open_receipt(ReceiptKind.RETURN)
    register.add_item(item(1, price=12345))
    result = register.close_receipt(Payments({"cash": 12345}), total=12345)
    register.cash_out(1000)
    journal = emulator.journal()
    assert [d["type"] for d in journal] == ["shift_open", "cash_in", "return", "cash_out"]
    assert journal[2]["total"] == 12345 and journal[2]["fd"] == result.fd
    assert register.find_document(result.fd).type == DocumentType.RETURN


def test_x_and_z_reports_close_the_shift_and_a_new_one_opens(register, emulator):
    register.open_shift()
    register.x_report()
    closed = register.close_shift()
    status = register.status()
    assert not status.shift_open and status.mode == 4
    assert closed.shift == 1
    with pytest.raises(ShiftNotOpen):
        register.close_shift()
    reopened = register.open_shift()
    assert reopened.shift == 2 and reopened.fd == closed.fd + 1
    with pytest.raises(ShiftAlreadyOpen):
        register.open_shift()
    assert [d["type"] for d in emulator.journal()] == ["shift_open", "shift_close", "shift_open"]


def test_cancelled_receipt_leaves_no_document(register, emulator):
    register.open_shift()
    register.open_receipt(ReceiptKind.SALE)
    register.add_item(item(1))
    assert register.status().document_open
    with pytest.raises(ReceiptOpen):
        register.open_receipt(ReceiptKind.SALE)
    register.cancel_receipt()
    assert not register.status().document_open
    assert emulator.receipts() == []


def test_shift_over_24_hours_blocks_sales_with_a_clear_error(register, emulator):
    register.open_shift()
    emulator.fault("time+25")
    status = register.status()
    assert status.shift_expired and status.mode == 3
    with pytest.raises(ShiftExpired) as error:
        register.open_receipt(ReceiptKind.SALE)
    assert error.value.code == "shift_expired"
    assert "24" in translate(error.value.message, "ru", **error.value.params)
    register.close_shift()
    register.open_shift()
    register.open_receipt(ReceiptKind.SALE)
    register.add_item(item(1))
    register.close_receipt(Payments({"cash": 10000}), total=10000)
    assert len(emulator.receipts()) == 1


def test_wrong_password_is_refused(emulator, profile):
    device = open_register(str(emulator.link), profile, operator_password=77)
    try:
        with pytest.raises(WrongPassword) as error:
            device.status()
        assert error.value.code == "wrong_password"
    finally:
        device.close()


def test_open_receipt_survives_an_emulator_restart(register, emulator):
    register.open_shift()
    register.open_receipt(ReceiptKind.SALE)
    register.add_item(item(1))
    emulator.stop()
    emulator.start()
    register.add_item(item(2))  # the driver reopens the port behind the new pty
    assert register.status().document_open
    register.close_receipt(Payments({"card": 20000}), total=20000)
    (doc,) = emulator.receipts()
    assert doc["total"] == 20000 and len(doc["items"]) == 2


def test_weighted_line_and_unknown_tax(register, emulator):
    register.open_shift()
    register.open_receipt(ReceiptKind.SALE)
    register.add_item(
        ReceiptItem("Яблоки", Decimal("0.735"), 15990, 11753, "vat10", unit="kg", payment_object="commodity")
    )
    with pytest.raises(NotInProfile) as error:
        register.add_item(item(2, tax="vat99"))
    assert error.value.code == "not_in_profile" and "vat99" in error.value.text
    register.close_receipt(Payments({"cash": 20000}), total=11753)
    (doc,) = emulator.receipts()
    assert doc["items"][0]["quantity"] == "0.735" and doc["items"][0]["tax"] == 2
    assert doc["change"] == 20000 - 11753


def test_ofd_queue_and_its_30_day_block(register, emulator):
    emulator.fault("ofd-offline")
    opened = register.open_shift()
    register.open_receipt(ReceiptKind.SALE)
    register.add_item(item(1))
    register.close_receipt(Payments({"cash": 10000}), total=10000)
    ofd = register.ofd_status()
    assert ofd.unsent == 2 and ofd.first_unsent_fd == opened.fd
    register.close_shift()
    emulator.fault("time+721")
    assert "ofd_timeout" in register.fn_status().warnings
    with pytest.raises(OfdBlocked) as error:
        register.open_shift()
    assert error.value.code == "ofd_blocked"
    assert "ОФД" in translate(error.value.message, "ru", **error.value.params)


def test_a_total_that_differs_from_the_register_is_never_closed(register, emulator):
    register.open_shift()
    register.open_receipt(ReceiptKind.SALE)
    register.add_item(item(1))
    with pytest.raises(TotalMismatch) as error:
        register.close_receipt(Payments({"cash": 20000}), total=20000)
    assert error.value.params == {"device_total": 10000, "expected_total": 20000}
    assert register.status().document_open and emulator.receipts() == []
    with pytest.raises(BadParameters):  # card beyond the total is refused by the register
        register.close_receipt(Payments({"card": 20000}), total=10000)
    register.cancel_receipt()
    assert emulator.receipts() == []
